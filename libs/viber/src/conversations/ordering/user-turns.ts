import type {
  ViberSessionLease,
  ViberSessionLocking,
  ViberSessionTicket,
} from '../stores/viber-session.store';

const DONE: Promise<void> = Promise.resolve();

/**
 * One callback's place in its user's line. `start()` waits for the callbacks of the same user that
 * arrived before it (in this process, then, with a {@link ViberSessionLocking} store, in every
 * process) and resolves with the lease, if any; `finish()` hands the turn to the next one. Either
 * `start()` then `finish()`, or `cancel()`, must be called; both are safe to call twice.
 * @internal
 */
export class ViberUserTurn {
  private finished = false;
  private lease: ViberSessionLease | undefined;

  constructor(
    /** The user's key. */
    readonly key: string,
    private readonly previous: Promise<void>,
    private readonly handOver: () => void,
    private readonly ticket: ViberSessionTicket | undefined,
  ) {}

  /**
   * Waits for the turn. Rejects (after giving the place up) when the store fails or `signal`
   * aborts; the caller still calls {@link finish}.
   */
  async start(signal: AbortSignal): Promise<ViberSessionLease | undefined> {
    await this.previous;
    if (!this.ticket) return undefined;
    try {
      this.lease = await this.ticket.acquire(signal);
      return this.lease;
    } catch (error) {
      await this.ticket.cancel().catch(() => undefined);
      throw error;
    }
  }

  /** Releases the lease (if any), then lets the next callback of the user start. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const lease = this.lease;
    this.lease = undefined;
    try {
      if (lease) await lease.release();
    } finally {
      this.handOver();
    }
  }

  /** Gives the place up without running (a duplicate, a skipped callback). */
  async cancel(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      // The earlier callbacks of this process come first either way: wait for them, then leave.
      await this.previous;
      if (this.ticket) await this.ticket.cancel().catch(() => undefined);
    } finally {
      this.handOver();
    }
  }
}

/**
 * Per-user lines of one bot: callbacks of one user run one after another, in arrival order;
 * other users are not held up. In-process by default; with a {@link ViberSessionLocking} store
 * the line spans every process sharing the store.
 * @internal
 */
export class ViberUserTurns {
  /** The last place of each user's line (removed once it is done and nobody queued behind). */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly locking: ViberSessionLocking | undefined,
    private readonly leaseMs: number,
  ) {}

  /** Number of users with a callback running or waiting in this process. */
  get activeUsers(): number {
    return this.tails.size;
  }

  /** Takes a place at the end of the user's line. Synchronous: call it when the callback arrives. */
  arrive(key: string): ViberUserTurn {
    const previous = this.tails.get(key) ?? DONE;
    let handOver!: () => void;
    const done = new Promise<void>((resolve) => {
      handOver = resolve;
    });
    this.tails.set(key, done);
    void done.then(() => {
      if (this.tails.get(key) === done) this.tails.delete(key);
    });
    const ticket = this.locking?.enqueue(key, this.leaseMs);
    return new ViberUserTurn(key, previous, handOver, ticket);
  }
}
