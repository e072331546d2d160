import type { ViberSessionRecord } from '../viber-session.types';
import type { ViberSessionStore, ViberSessionWriteOptions } from './viber-session.store';

/** Default number of users an {@link InMemorySessionStore} keeps. */
export const VIBER_DEFAULT_SESSION_CAPACITY = 50_000;

interface Entry {
  readonly json: string;
  readonly expiresAt: number;
}

/**
 * The default session store: one process, bounded, lost on restart. Records are kept as JSON
 * text (a handler's later changes never leak into the stored copy) and expire `ttlMs` after
 * their last write; past `capacity` users the least recently written go first. Every operation
 * is O(1) amortized.
 */
export class InMemorySessionStore implements ViberSessionStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity: number = VIBER_DEFAULT_SESSION_CAPACITY,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `nestjs-viber: InMemorySessionStore capacity must be a positive integer; got ${String(capacity)}`,
      );
    }
  }

  /** Number of users kept (expired ones included until they are swept). */
  get size(): number {
    return this.entries.size;
  }

  /** {@inheritDoc ViberSessionStore.get} */
  async get(key: string): Promise<ViberSessionRecord | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return JSON.parse(entry.json) as ViberSessionRecord;
  }

  /** {@inheritDoc ViberSessionStore.set} */
  async set(
    key: string,
    record: ViberSessionRecord,
    options: ViberSessionWriteOptions,
  ): Promise<boolean> {
    const now = this.now();
    this.sweep(now);
    // Re-insert: Map order is write order, so the oldest write is first (one TTL per bot).
    this.entries.delete(key);
    this.entries.set(key, { json: JSON.stringify(record), expiresAt: now + options.ttlMs });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return true;
  }

  /** {@inheritDoc ViberSessionStore.delete} */
  async delete(key: string): Promise<boolean> {
    this.entries.delete(key);
    return true;
  }

  /** Drops expired records from the oldest end. */
  private sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}
