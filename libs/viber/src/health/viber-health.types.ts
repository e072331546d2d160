import type { ViberQueueStats } from '../observability/viber-queue-stats';

/** Up or down, as Terminus reports it. */
export type ViberHealthStatus = 'up' | 'down';

/** The state of one thing a check looked at. */
export interface ViberHealthComponent {
  /** Whether it works. */
  status: ViberHealthStatus;
  /** What is wrong, or how it was (not) checked. */
  message?: string;
}

/** One bot in a health result. */
export interface ViberBotHealth {
  /** Down when any component is down. */
  status: ViberHealthStatus;
  /** Why the bot itself is down (shutting down, too many callbacks in flight). */
  message?: string;
  /** Callbacks whose handlers are running. */
  callbacksInFlight: number;
  /** API requests on the wire. */
  requestsInFlight: number;
  /** Readiness: `get_account_info` answered with this token (`checkedAt`: when Viber was asked). */
  account?: ViberHealthComponent & { checkedAt?: string };
  /** Readiness: the registered webhook URL is `webhook.url`. */
  webhook?: ViberHealthComponent;
  /** Readiness: the registered optional events are the configured `webhook.eventTypes`. */
  eventTypes?: ViberHealthComponent & { missing?: string[]; unexpected?: string[] };
  /** Readiness: the dedupe store answers. */
  dedupeStore?: ViberHealthComponent;
  /** Readiness: the subscriber store answers. */
  subscriberStore?: ViberHealthComponent;
  /** Readiness, with a queue: it answers, and its figures. */
  queue?: ViberHealthComponent & { queues?: readonly ViberQueueStats[] };
}

/**
 * What `ViberHealthIndicator`'s checks return: Terminus' `HealthIndicatorResult` shape,
 * `{ [key]: { status, bots: { [name]: … } } }`, built with Terminus' `HealthIndicatorService`.
 */
export type ViberHealthIndicatorResult<Key extends string = string> = {
  [K in Key]: { status: ViberHealthStatus; bots: Record<string, ViberBotHealth> };
};

/** Options of `ViberHealthIndicator.checkLiveness`. */
export interface ViberLivenessOptions {
  /** Bots to check, by name. Default: every bot of the app. */
  bots?: readonly string[];
  /**
   * Down when a bot has more callbacks in flight than this (handlers stuck). Default: no limit
   * (liveness is then down for nothing but a process that no longer answers).
   */
  maxCallbacksInFlight?: number;
}

/** Options of `ViberHealthIndicator.checkReadiness`. */
export interface ViberReadinessOptions {
  /** Bots to check, by name. Default: every bot of the app. */
  bots?: readonly string[];
  /**
   * Ask Viber (`get_account_info`): the token works, the registered webhook URL and events match
   * the configuration. Default true. Set it to false for a readiness probe that must not depend
   * on Viber (every replica would turn unready at once when Viber is unreachable).
   */
  account?: boolean;
  /**
   * How long Viber's answer is reused, in ms, so that a probe every few seconds does not call
   * Viber each time (concurrent probes share one request). Default 30 000.
   */
  accountCacheMs?: number;
  /** How long each check (Viber, each store, the queue) may take, in ms. Default 3000. */
  timeoutMs?: number;
}
