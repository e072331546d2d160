/**
 * Every default of the library, in one place. Options documented with "Default …" take these
 * values when they are left out.
 */

/** Name of the bot when `name` is not given. */
export const VIBER_DEFAULT_BOT_NAME = 'default';

/** The Viber API base URL. */
export const VIBER_DEFAULT_API_URL = 'https://chatapi.viber.com/pa';
/** Timeout of one API request (connect to last byte), in ms. */
export const VIBER_DEFAULT_TIMEOUT_MS = 10_000;
/** `broadcast_message` requests in flight at once during a broadcast. */
export const VIBER_DEFAULT_BROADCAST_CONCURRENCY = 10;
/** Retries of failed requests: attempts in all, first backoff step, largest wait, whole budget (ms). */
export const VIBER_DEFAULT_RETRY = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxTotalMs: 30_000,
} as const;

/** Route the webhook controller serves. */
export const VIBER_DEFAULT_WEBHOOK_PATH = '/viber/webhook';
/** Largest accepted callback body, in bytes (1 MB). */
export const VIBER_DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Time a callback body may take to arrive once its headers are in, in ms. */
export const VIBER_DEFAULT_BODY_TIMEOUT_MS = 10_000;
/** Time between two log lines about the same kind of refused webhook request, in ms. */
export const VIBER_DEFAULT_REFUSAL_LOG_INTERVAL_MS = 60_000;

/** Time handlers get before the callback is answered, in ms (Viber re-sends after about 5 s). */
export const VIBER_DEFAULT_DEADLINE_MS = 4000;
/** HTTP status answered when a handler throws (200: Viber does not re-send). */
export const VIBER_DEFAULT_ERROR_STATUS = 200;
/** Events whose duplicate deliveries (same `event` and `message_token`) are handled once. */
export const VIBER_DEFAULT_DEDUPE_EVENTS: readonly string[] = [
  'message',
  'subscribed',
  'unsubscribed',
  'client_status',
];
/** How long a handled token is remembered, in ms (Viber's re-send window: one hour). */
export const VIBER_DEFAULT_DEDUPE_TTL_MS = 60 * 60 * 1000;
/** At shutdown, how long running handlers and requests on the wire may take, in ms. */
export const VIBER_DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Buckets (seconds) of the callback, handler and API request duration histograms. */
export const VIBER_DEFAULT_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Buckets (seconds) of the rate-limit wait histogram (the default window is 10 s). */
export const VIBER_DEFAULT_RATE_LIMIT_WAIT_BUCKETS: readonly number[] = [
  0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30,
];
/** How long a metrics scrape waits for a bot's queue figures, in ms. */
export const VIBER_DEFAULT_SCRAPE_QUEUE_TIMEOUT_MS = 2000;
/** Name of the OpenTelemetry tracer (instrumentation scope) of the spans. */
export const VIBER_TRACER_NAME = 'nestjs-viber';
/** How long a health check reuses a bot's `get_account_info` answer, in ms. */
export const VIBER_DEFAULT_HEALTH_ACCOUNT_CACHE_MS = 30_000;
/** How long one health check waits for Viber, a store or the queue, in ms. */
export const VIBER_DEFAULT_HEALTH_TIMEOUT_MS = 3000;
