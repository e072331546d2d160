import { ViberAbortedError } from '../errors/viber-transport.error';
import type { ViberEndpoint } from '../types/api.types';

/** At most `limit` requests in any `intervalMs` window. */
export interface ViberRateLimit {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in ms. */
  intervalMs: number;
}

/** Per-endpoint limits; `false` removes a default. */
export type ViberRateLimits = Partial<Record<ViberEndpoint, ViberRateLimit | false>>;

/** Defaults from the API's documented limits (SPEC §8): broadcast 500 requests per 10 s. */
export const VIBER_DEFAULT_RATE_LIMITS: Readonly<Partial<Record<ViberEndpoint, ViberRateLimit>>> = {
  broadcast_message: { limit: 500, intervalMs: 10_000 },
};

/** Waits `ms`, or rejects when `signal` aborts. */
export function abortableSleep(
  ms: number,
  signal: AbortSignal | undefined,
  endpoint: ViberEndpoint,
): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ViberAbortedError(endpoint));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ViberAbortedError(endpoint));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A sliding-window limiter: the n-th request waits until the (n − limit)-th is `intervalMs` old.
 * Callers are served in arrival order.
 */
export class SlidingWindowRateLimiter {
  private readonly starts: number[];
  private index = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly rate: ViberRateLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.starts = new Array<number>(rate.limit).fill(Number.NEGATIVE_INFINITY);
  }

  /** Resolves when the caller may send; records the send time. */
  acquire(endpoint: ViberEndpoint, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(async () => {
      const oldest = this.starts[this.index]!;
      const wait = oldest + this.rate.intervalMs - this.now();
      if (wait > 0) await abortableSleep(wait, signal, endpoint);
      this.starts[this.index] = this.now();
      this.index = (this.index + 1) % this.starts.length;
    });
    // A caller that aborts must not block the ones behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}

/** One limiter per limited endpoint. */
export class ViberRateLimiters {
  private readonly limiters = new Map<ViberEndpoint, SlidingWindowRateLimiter>();

  constructor(limits: ViberRateLimits = {}) {
    const merged: ViberRateLimits = { ...VIBER_DEFAULT_RATE_LIMITS, ...limits };
    for (const [endpoint, rate] of Object.entries(merged) as Array<
      [ViberEndpoint, ViberRateLimit | false | undefined]
    >) {
      if (!rate) continue;
      if (!Number.isInteger(rate.limit) || rate.limit < 1 || !(rate.intervalMs > 0)) {
        throw new TypeError(
          `ViberClient: rate limit of ${endpoint} must have a positive integer limit and intervalMs`,
        );
      }
      this.limiters.set(endpoint, new SlidingWindowRateLimiter(rate));
    }
  }

  /** Waits for a slot of the endpoint (immediately when it has no limit). */
  acquire(endpoint: ViberEndpoint, signal?: AbortSignal): Promise<void> {
    return this.limiters.get(endpoint)?.acquire(endpoint, signal) ?? Promise.resolve();
  }
}
