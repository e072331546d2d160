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

/**
 * Defaults from the API's documented limits (docs/protocol/limits.md, "Rate limits"): broadcast
 * 500 requests per 10 s.
 */
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

/** Ends a request's hold on its rate-limit slot; call it once the answer (or failure) is in. */
export type ViberRateLimitRelease = () => void;

const NO_LIMIT_RELEASE: ViberRateLimitRelease = () => undefined;

/**
 * A sliding-window limiter: the n-th request starts only `intervalMs` after the (n − limit)-th
 * request ended. Counting from the end of a request, not its start, guarantees that at most
 * `limit` requests *arrive* at the API in any window, whatever the network delays (Viber counts
 * arrivals). Callers are served in arrival order.
 */
export class SlidingWindowRateLimiter {
  /** When each of the last `limit` requests ended (a pending promise while it is in flight). */
  private readonly ends: Array<Promise<number>>;
  private index = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly rate: ViberRateLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.ends = new Array<Promise<number>>(rate.limit).fill(
      Promise.resolve(Number.NEGATIVE_INFINITY),
    );
  }

  /** Resolves when the caller may send, with the function that ends its hold on the slot. */
  acquire(endpoint: ViberEndpoint, signal?: AbortSignal): Promise<ViberRateLimitRelease> {
    const turn = this.queue.then(async (): Promise<ViberRateLimitRelease> => {
      const ended = await this.ends[this.index]!;
      const wait = ended + this.rate.intervalMs - this.now();
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent `true` / `>=`: for wait <= 0 abortableSleep resolves at once, or rejects an aborted signal just like the else branch
      if (wait > 0) await abortableSleep(wait, signal, endpoint);
      else if (signal?.aborted) throw new ViberAbortedError(endpoint);
      let release!: (time: number) => void;
      this.ends[this.index] = new Promise<number>((resolve) => {
        release = resolve;
      });
      // Stryker disable next-line ArithmeticOperator: equivalent `index - 1`: (index - 1) % limit also cycles through `limit` distinct slots, and a never-written slot reads as free like the -Infinity fill
      this.index = (this.index + 1) % this.ends.length;
      let released = false;
      return () => {
        // Stryker disable next-line ConditionalExpression: equivalent `false`: the guard only saves a clock read, resolving the already resolved end again is a no-op
        if (released) return;
        // Stryker disable next-line BooleanLiteral: equivalent `false`: same no-op second resolve as above
        released = true;
        release(this.now());
      };
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

  /** Whether the endpoint has a limit. */
  limits(endpoint: ViberEndpoint): boolean {
    return this.limiters.has(endpoint);
  }

  /** Waits for a slot of the endpoint (immediately when it has no limit); call the release when done. */
  acquire(endpoint: ViberEndpoint, signal?: AbortSignal): Promise<ViberRateLimitRelease> {
    return (
      this.limiters.get(endpoint)?.acquire(endpoint, signal) ?? Promise.resolve(NO_LIMIT_RELEASE)
    );
  }
}
