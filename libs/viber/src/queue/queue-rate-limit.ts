import type { ViberRateLimit } from '../client/viber-rate-limiter';

/** BullMQ's limiter: at most `max` jobs start in each fixed window of `duration` ms. */
export interface QueueLimiterSetting {
  /** Jobs that may start per window. */
  readonly max: number;
  /** Window length, in ms. */
  readonly duration: number;
}

/** Shortest window considered: each window costs Redis a key expiry and the workers a wake-up. */
const MIN_WINDOW_MS = 100;
/** A window within this share of the best rate is good enough; the longest such one is taken. */
const NEAR_BEST = 0.95;

/**
 * Jobs that may start in one window of `duration` ms so that no sliding `rate.intervalMs` window,
 * counted by arrival at Viber, holds more than `rate.limit` requests (see
 * {@link deriveQueueLimiter}). 0 when no positive number does.
 */
export function maxPerWindow(
  rate: ViberRateLimit,
  arrivalBoundMs: number,
  duration: number,
): number {
  const windows = Math.ceil((rate.intervalMs + arrivalBoundMs) / duration) + 1;
  return Math.floor(rate.limit / windows);
}

/**
 * BullMQ's fixed-window limiter setting that keeps Viber's sliding-window limit by arrival, for
 * every worker on every replica together (the limiter's counter is one Redis key per queue).
 *
 * How BullMQ counts: when a worker moves a job to active (a Lua script, on Redis's clock), it
 * INCRs the queue's limiter key and, when the count becomes 1, sets the key to expire after
 * `duration` ms; while the count is at `max`, no job starts. So the starts fall into windows
 * `[w, w + duration)` that do not overlap (the next one opens at the first start after the key
 * expired) and each holds at most `max` starts. A rate-limit pause (`queue.rateLimit(ms)` after a
 * status 12) sets the count to "full" until `ms` from now; the library never pauses for less than
 * `duration`, so a paused window only gets longer and still holds at most `max` starts.
 *
 * From start to arrival: a job's request arrives at Viber after the job started, but at most
 * `arrivalBoundMs` later. The worker refuses to send when more than `startSlackMs` passed since
 * the job started (it goes back to the queue unsent), and the request times out
 * `requestTimeoutMs` after it began: `arrivalBoundMs = startSlackMs + requestTimeoutMs`.
 *
 * The bound: the requests that arrive in a sliding window `[a, a + W)` (W = `rate.intervalMs`)
 * started in `[a − arrivalBoundMs, a + W)`, an interval of `S = W + arrivalBoundMs`. A window
 * `[w, w + D)` meets that interval only if `w` lies in `(a − arrivalBoundMs − D, a + W)`, an open
 * interval of length `S + D`; window starts are at least `D` apart, so at most `⌈S / D⌉ + 1` of
 * them fit. Hence at most `max · (⌈S / D⌉ + 1)` requests arrive in any sliding window, and
 * `max = ⌊limit / (⌈S / D⌉ + 1)⌋` keeps that at or below `limit`.
 *
 * The choice of `D`: the sustained rate is `max / D`, which tends to `limit / S` for small `D`
 * (the price of not knowing when, within the bound, a request arrives). This takes, among the `D`
 * from 100 ms to `S` whose rate is within 5% of the best one, the longest (fewer key expiries and
 * worker wake-ups). With Viber's 500 per 10 s, the default 10 s request timeout and 1 s slack
 * (S = 21 s): 25 starts per 1,118 ms, 22.4 per second (45% of Viber's 50 per second); with a 2 s
 * request timeout (S = 13 s): 25 per 690 ms, 36.2 per second.
 */
export function deriveQueueLimiter(
  rate: ViberRateLimit,
  arrivalBoundMs: number,
): QueueLimiterSetting {
  if (!Number.isInteger(rate.limit) || rate.limit < 1 || !(rate.intervalMs > 0)) {
    throw new RangeError('the rate limit needs a positive integer limit and intervalMs');
  }
  if (!(arrivalBoundMs >= 0)) throw new RangeError('arrivalBoundMs must be >= 0');
  const span = Math.ceil(rate.intervalMs + arrivalBoundMs);
  const settings: QueueLimiterSetting[] = [];
  for (let duration = Math.min(MIN_WINDOW_MS, span); duration <= span; duration++) {
    const max = maxPerWindow(rate, arrivalBoundMs, duration);
    if (max >= 1) settings.push({ max, duration });
  }
  if (settings.length === 0) {
    // Two fixed windows can always fall within one sliding window: a limit of 1 cannot be kept.
    throw new RangeError(
      `a limit of ${rate.limit} per ${rate.intervalMs} ms cannot be kept with fixed windows (at least 2 needed)`,
    );
  }
  const bestRate = Math.max(...settings.map((s) => s.max / s.duration));
  // Within 5% of the best rate, the longest window: fewer expiries and wake-ups.
  let best = settings[0]!;
  for (const setting of settings) {
    if (setting.max / setting.duration >= bestRate * NEAR_BEST) best = setting;
  }
  return best;
}

/**
 * The most requests that can arrive in any sliding window under a limiter setting (the bound
 * proven above); tests check the derived setting against it.
 */
export function worstCaseArrivals(
  setting: QueueLimiterSetting,
  intervalMs: number,
  arrivalBoundMs: number,
): number {
  return setting.max * (Math.ceil((intervalMs + arrivalBoundMs) / setting.duration) + 1);
}
