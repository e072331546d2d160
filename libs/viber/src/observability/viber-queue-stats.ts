/**
 * Where the queue's figures plug into the health indicator and the metrics: the queue (when a bot
 * has one) attaches a {@link ViberQueueStatsSource} to its bot; readiness reports its counts and
 * fails when it does not answer, and the `viber_queue_*` gauges read it at scrape time.
 */

/** The figures of one queue. */
export interface ViberQueueStats {
  /** Queue name (`outgoing`, `webhook-0`, …). */
  readonly queue: string;
  /** Jobs waiting to run. */
  readonly waiting: number;
  /** Jobs running. */
  readonly active: number;
  /** Jobs waiting for a delay (backoff, a pause). */
  readonly delayed: number;
  /** Jobs that failed for good. */
  readonly failed: number;
  /**
   * Why no job of the queue can start now, if so: by hand (`manual`), or the rate limit
   * (`rate_limit`: the shared limiter's window is full, or Viber's status 12 / HTTP 429 paused it).
   */
  readonly paused?: 'rate_limit' | 'manual';
}

/**
 * What a bot's queue implements so that health checks and metrics can read it.
 * @internal
 */
export interface ViberQueueStatsSource {
  /** The figures of each of the bot's queues (asks Redis). */
  queueStats(): Promise<readonly ViberQueueStats[]>;
}

const sources = new WeakMap<object, ViberQueueStatsSource>();

/**
 * Attaches (or with `undefined` detaches) the queue figures of a bot.
 * @internal
 */
export function attachViberQueueStats(
  bot: object,
  source: ViberQueueStatsSource | undefined,
): void {
  if (source) sources.set(bot, source);
  else sources.delete(bot);
}

/**
 * The queue figures of a bot, when it has a queue.
 * @internal
 */
export function viberQueueStatsOf(bot: object): ViberQueueStatsSource | undefined {
  return sources.get(bot);
}
