import type { ViberDedupeStore } from './viber-dedupe.store';

/** A flat (non-rope) copy of a string, so that a long-lived Map key holds no concatenation tree. */
function flatCopy(key: string): string {
  return Buffer.from(key, 'utf8').toString('utf8');
}

/** Default number of keys an {@link InMemoryDedupeStore} keeps. */
export const VIBER_DEFAULT_DEDUPE_CAPACITY = 100_000;

/**
 * The default dedupe store: one process, bounded. Keys expire after their TTL; past `capacity`
 * keys the oldest are dropped first. Every operation is O(1) amortized.
 */
export class InMemoryDedupeStore implements ViberDedupeStore {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly capacity: number = VIBER_DEFAULT_DEDUPE_CAPACITY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of keys currently remembered. */
  get size(): number {
    return this.expiries.size;
  }

  /** {@inheritDoc ViberDedupeStore.claim} */
  claim(key: string, ttlMs: number): boolean {
    const now = this.now();
    this.evictExpired(now);
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    this.expiries.delete(key);
    // Keep a flat copy: a key built by concatenation (`${bot}:${event}:${token}`) is a tree of
    // rope nodes that a Map would keep whole, about twice the memory of the flat string.
    this.expiries.set(flatCopy(key), now + ttlMs);
    if (this.expiries.size > this.capacity) {
      const oldest = this.expiries.keys().next().value;
      if (oldest !== undefined) this.expiries.delete(oldest);
    }
    return true;
  }

  /** {@inheritDoc ViberDedupeStore.release} */
  release(key: string): void {
    this.expiries.delete(key);
  }

  /** Entries are kept in insertion order; with one TTL per bot the oldest expire first. */
  private evictExpired(now: number): void {
    for (const [key, expiry] of this.expiries) {
      if (expiry > now) return;
      this.expiries.delete(key);
    }
  }
}
