import { Injectable } from '@nestjs/common';

/** Counts delivered/seen receipts per message token (shown by the demo, read by its tests). */
@Injectable()
export class DeliveryReceiptsService {
  private readonly receipts = new Map<string, Set<'delivered' | 'seen'>>();

  /** Records a receipt. */
  record(token: string, kind: 'delivered' | 'seen'): void {
    const kinds = this.receipts.get(token) ?? new Set();
    kinds.add(kind);
    this.receipts.set(token, kinds);
  }

  /** The receipts of a message. */
  of(token: string): ReadonlySet<'delivered' | 'seen'> {
    return this.receipts.get(token) ?? new Set();
  }
}
