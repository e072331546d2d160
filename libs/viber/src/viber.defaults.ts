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

/** How long a user's conversation (session and scene) lives after its last change, in ms (a day). */
export const VIBER_DEFAULT_CONVERSATION_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * The lease of a user's turn across replicas, in ms (renewed every third while the handlers run):
 * how long a process that dies mid-turn can hold that user up.
 */
export const VIBER_DEFAULT_CONVERSATION_LEASE_MS = 5000;
/** The longest a user's turn holds the user's later callbacks back, in ms. */
export const VIBER_DEFAULT_CONVERSATION_TURN_TIMEOUT_MS = 30_000;
/** Prefix of every queue key: one hash tag, so each queue's keys share a Redis Cluster slot. */
export const VIBER_DEFAULT_QUEUE_PREFIX = '{nestjs-viber}';
/** BullMQ's lock of a running job and the interval of its stalled-job check, in ms. */
export const VIBER_DEFAULT_QUEUE_LOCK_MS = 30_000;
/** Interval of the check for jobs of crashed workers, in ms. */
export const VIBER_DEFAULT_QUEUE_STALLED_INTERVAL_MS = 30_000;
/** Outgoing queue: jobs per worker at once. */
export const VIBER_DEFAULT_QUEUE_CONCURRENCY = 10;
/** Outgoing queue: longest time from a job's start to its request leaving, in ms. */
export const VIBER_DEFAULT_QUEUE_START_SLACK_MS = 1000;
/** Outgoing queue: attempts of a chunk whose request provably did not reach Viber. */
export const VIBER_DEFAULT_QUEUE_ATTEMPTS = 5;
/** Outgoing queue: first backoff step between those attempts, in ms. */
export const VIBER_DEFAULT_QUEUE_BACKOFF_MS = 1000;
/** Outgoing queue: chunks planned per page of an audience (100 × 300 = 30,000 receivers). */
export const VIBER_DEFAULT_QUEUE_PAGE_CHUNKS = 100;
/** Outgoing queue: how long a finished broadcast stays readable, in ms (7 days). */
export const VIBER_DEFAULT_QUEUE_KEEP_FINISHED_MS = 7 * 24 * 60 * 60 * 1000;
/** Outgoing queue: receivers a per-receiver retryable failure (status 12) is retried for. */
export const VIBER_DEFAULT_QUEUE_RECEIVER_RETRIES = 3;
/** Queued webhook: partitions (one callback at a time each, across replicas). */
export const VIBER_DEFAULT_QUEUE_PARTITIONS = 8;
/** Queued webhook: runs of a callback's handlers before it goes to the failed set. */
export const VIBER_DEFAULT_QUEUE_HANDLER_ATTEMPTS = 3;
/** Queued webhook: first backoff step between those runs, in ms. */
export const VIBER_DEFAULT_QUEUE_HANDLER_BACKOFF_MS = 1000;
/** Queued webhook: how long storing a callback may take before the answer is 503, in ms. */
export const VIBER_DEFAULT_QUEUE_INGEST_TIMEOUT_MS = 2000;
/** How long a replica's `set_webhook` claim keeps the others from calling it, in ms (1 hour). */
export const VIBER_DEFAULT_SET_WEBHOOK_LOCK_MS = 60 * 60 * 1000;
/** Users past which the in-memory subscriber store warns (once) that a restart would lose them. */
export const VIBER_DEFAULT_SUBSCRIBERS_WARN_AT = 100_000;
/** Skipped subscribers a subscriber broadcast lists by id (it counts them all). */
export const VIBER_DEFAULT_SKIPPED_LIST_LIMIT = 1000;
/** Subscribers read per page while iterating or planning a subscriber broadcast. */
export const VIBER_DEFAULT_SUBSCRIBER_PAGE_SIZE = 1000;
