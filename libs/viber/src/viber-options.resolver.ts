import type { Type } from '@nestjs/common';
import type { ResolvedConversationsOptions } from './conversations/viber-conversations';
import { deriveTrackingDataKey } from './conversations/stateless/tracking-data.codec';
import { InMemorySessionStore } from './conversations/stores/in-memory-session.store';
import type { ViberDedupeStore } from './dedupe/viber-dedupe.store';
import {
  VIBER_DEFAULT_RATE_LIMITS,
  type ViberRateLimit,
  type ViberRateLimits,
} from './client/viber-rate-limiter';
import type { ViberRetryOptions } from './client/viber-retry.policy';
import type { ViberSubscriberStore } from './subscribers/viber-subscriber.store';
import {
  VIBER_SUBSCRIBER_PROFILE_FIELDS,
  type ViberSubscriberProfile,
} from './subscribers/viber-subscriber.types';
import { VIBER_WEBHOOK_EVENT_TYPES, type ViberWebhookEventType } from './types/api.types';
import type { ViberSender } from './types/message.types';
import { ViberOptionsError } from './errors/viber-options.error';
import {
  VIBER_DEFAULT_API_URL,
  VIBER_DEFAULT_BODY_TIMEOUT_MS,
  VIBER_DEFAULT_CONVERSATION_LEASE_MS,
  VIBER_DEFAULT_CONVERSATION_TTL_MS,
  VIBER_DEFAULT_CONVERSATION_TURN_TIMEOUT_MS,
  VIBER_DEFAULT_DEADLINE_MS,
  VIBER_DEFAULT_DEDUPE_EVENTS,
  VIBER_DEFAULT_DEDUPE_TTL_MS,
  VIBER_DEFAULT_ERROR_STATUS,
  VIBER_DEFAULT_MAX_BODY_BYTES,
  VIBER_DEFAULT_QUEUE_ATTEMPTS,
  VIBER_DEFAULT_QUEUE_BACKOFF_MS,
  VIBER_DEFAULT_QUEUE_CONCURRENCY,
  VIBER_DEFAULT_QUEUE_HANDLER_ATTEMPTS,
  VIBER_DEFAULT_QUEUE_HANDLER_BACKOFF_MS,
  VIBER_DEFAULT_QUEUE_INGEST_TIMEOUT_MS,
  VIBER_DEFAULT_QUEUE_KEEP_FINISHED_MS,
  VIBER_DEFAULT_QUEUE_LOCK_MS,
  VIBER_DEFAULT_QUEUE_PAGE_CHUNKS,
  VIBER_DEFAULT_QUEUE_PARTITIONS,
  VIBER_DEFAULT_QUEUE_PREFIX,
  VIBER_DEFAULT_QUEUE_STALLED_INTERVAL_MS,
  VIBER_DEFAULT_QUEUE_START_SLACK_MS,
  VIBER_DEFAULT_SHUTDOWN_TIMEOUT_MS,
  VIBER_DEFAULT_TIMEOUT_MS,
  VIBER_DEFAULT_WEBHOOK_PATH,
} from './viber.defaults';
import type {
  ViberConversationsOptions,
  ViberModuleOptions,
  ViberQueueOptions,
} from './viber-module.options';
import { deriveQueueLimiter, type QueueLimiterSetting } from './queue/queue-rate-limit';

/** The queue options with defaults applied (present only when `queue` is configured). */
export interface ResolvedViberQueueOptions {
  readonly connection: object;
  readonly prefix: string;
  readonly workers: boolean;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly broadcast: {
    readonly concurrency: number;
    readonly requestTimeoutMs: number;
    readonly startSlackMs: number;
    readonly attempts: number;
    readonly backoffMs: number;
    /** The sliding limit every replica shares (`rateLimits.broadcast_message`); none when removed. */
    readonly rateLimit?: ViberRateLimit;
    /** BullMQ's fixed-window setting derived from `rateLimit` (see `deriveQueueLimiter`). */
    readonly limiter?: QueueLimiterSetting;
    readonly rateLimitPauseMs: number;
    readonly pageChunks: number;
    readonly keepFinishedMs: number;
  };
  readonly webhook: {
    readonly partitions: number;
    readonly attempts: number;
    readonly backoffMs: number;
    readonly ingestTimeoutMs: number;
    readonly keepFailed?: number;
  };
}

/** A bot's options with every default applied, checked at startup. */
export interface ResolvedViberOptions {
  readonly name: string;
  readonly token: string;
  readonly sender?: ViberSender;
  readonly apiUrl: string;
  readonly timeout: number;
  readonly include?: Type<unknown>[];
  readonly validateMessages: boolean;
  readonly retry?: ViberRetryOptions | false;
  readonly rateLimits?: ViberRateLimits;
  readonly subscribers: {
    readonly record: boolean;
    readonly store?: ViberSubscriberStore;
    readonly profileFields: ReadonlyArray<keyof ViberSubscriberProfile>;
  };
  readonly queue?: ResolvedViberQueueOptions;
  readonly webhook: {
    readonly path: string;
    readonly mode: 'inline' | 'queue';
    readonly url?: string;
    readonly eventTypes?: ViberWebhookEventType[];
    readonly sendName?: boolean;
    readonly sendPhoto?: boolean;
    readonly autoSet: boolean;
    readonly onSetWebhookError: 'log' | 'throw';
    readonly maxBodyBytes: number;
    readonly bodyTimeoutMs: number;
    readonly routeMetadata: ReadonlyArray<readonly [string | symbol, unknown]>;
    readonly routeMetadataOnHandlers: boolean;
    readonly fastPath: boolean;
  };
  readonly handling: {
    readonly deadlineMs: number;
    readonly errorStatus: number;
    readonly dedupeEvents: ReadonlySet<string>;
    readonly dedupeTtlMs: number;
    readonly dedupeStore?: ViberDedupeStore;
    readonly shutdownTimeoutMs: number;
  };
  /** Conversations; undefined when not configured. */
  readonly conversations?: ResolvedConversationsOptions;
}

const EVENT_TYPES: ReadonlySet<string> = new Set(VIBER_WEBHOOK_EVENT_TYPES);

function positiveInteger(name: string, option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw ViberOptionsError.forBot(
      name,
      option,
      `must be a positive integer (got ${String(value)})`,
    );
  }
  return value;
}

/** A hash tag (`{…}` with something inside), which keeps a queue's keys in one Cluster slot. */
const HASH_TAG = /\{[^{}]+\}/;
/** Bot names that can be part of a queue name (BullMQ names cannot contain `:`). */
const QUEUE_BOT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function resolveQueueOptions(
  name: string,
  queue: ViberQueueOptions | undefined,
  timeout: number,
  rateLimits: ViberRateLimits | undefined,
): ResolvedViberQueueOptions | undefined {
  if (queue === undefined) return undefined;
  if (queue === null || typeof queue !== 'object') {
    throw ViberOptionsError.forBot(
      name,
      'queue',
      'must be an object such as { connection: { host, port } }',
    );
  }
  if (queue.connection === null || typeof queue.connection !== 'object') {
    throw ViberOptionsError.forBot(
      name,
      'queue.connection',
      'is required: Redis connection options ({ host, port, … }) or a Redis client instance',
    );
  }
  const prefix = queue.prefix ?? VIBER_DEFAULT_QUEUE_PREFIX;
  if (typeof prefix !== 'string' || !HASH_TAG.test(prefix)) {
    throw ViberOptionsError.forBot(
      name,
      'queue.prefix',
      `must contain a Redis Cluster hash tag, e.g. "{myapp}" (got ${JSON.stringify(prefix)})`,
    );
  }
  if (!QUEUE_BOT_NAME.test(name)) {
    throw ViberOptionsError.forBot(
      name,
      'name',
      'must be 1..64 letters, digits, "_" or "-" to name its queues (with the queue option)',
    );
  }
  const int = (option: string, value: unknown, fallback: number): number =>
    positiveInteger(name, `queue.${option}`, value, fallback);
  const broadcast = queue.broadcast ?? {};
  const webhook = queue.webhook ?? {};
  const limit = { ...VIBER_DEFAULT_RATE_LIMITS, ...rateLimits }.broadcast_message;
  const rateLimit = limit ? { limit: limit.limit, intervalMs: limit.intervalMs } : undefined;
  if (
    rateLimit &&
    (!Number.isInteger(rateLimit.limit) ||
      rateLimit.limit < 1 ||
      !Number.isInteger(rateLimit.intervalMs) ||
      rateLimit.intervalMs < 1)
  ) {
    throw ViberOptionsError.forBot(
      name,
      'rateLimits.broadcast_message',
      'must have a positive integer limit and intervalMs (in ms) for the queue',
    );
  }
  const requestTimeoutMs = int('broadcast.requestTimeoutMs', broadcast.requestTimeoutMs, timeout);
  const startSlackMs = int(
    'broadcast.startSlackMs',
    broadcast.startSlackMs,
    VIBER_DEFAULT_QUEUE_START_SLACK_MS,
  );
  let limiter: QueueLimiterSetting | undefined;
  try {
    limiter = rateLimit && deriveQueueLimiter(rateLimit, requestTimeoutMs + startSlackMs);
  } catch (error) {
    throw ViberOptionsError.forBot(
      name,
      'rateLimits.broadcast_message',
      `cannot be kept by the queue: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    connection: queue.connection,
    prefix,
    workers: queue.workers ?? true,
    lockDurationMs: int('lockDurationMs', queue.lockDurationMs, VIBER_DEFAULT_QUEUE_LOCK_MS),
    stalledIntervalMs: int(
      'stalledIntervalMs',
      queue.stalledIntervalMs,
      VIBER_DEFAULT_QUEUE_STALLED_INTERVAL_MS,
    ),
    broadcast: {
      concurrency: int(
        'broadcast.concurrency',
        broadcast.concurrency,
        VIBER_DEFAULT_QUEUE_CONCURRENCY,
      ),
      requestTimeoutMs,
      startSlackMs,
      attempts: int('broadcast.attempts', broadcast.attempts, VIBER_DEFAULT_QUEUE_ATTEMPTS),
      backoffMs: int('broadcast.backoffMs', broadcast.backoffMs, VIBER_DEFAULT_QUEUE_BACKOFF_MS),
      rateLimit,
      limiter,
      // Never shorter than the limiter's window: a pause then only lengthens a window (see
      // deriveQueueLimiter), so the sliding guarantee holds through it.
      rateLimitPauseMs: Math.max(
        int(
          'broadcast.rateLimitPauseMs',
          broadcast.rateLimitPauseMs,
          rateLimit?.intervalMs ?? 10_000,
        ),
        limiter?.duration ?? 0,
      ),
      pageChunks: int(
        'broadcast.pageChunks',
        broadcast.pageChunks,
        VIBER_DEFAULT_QUEUE_PAGE_CHUNKS,
      ),
      keepFinishedMs: int(
        'broadcast.keepFinishedMs',
        broadcast.keepFinishedMs,
        VIBER_DEFAULT_QUEUE_KEEP_FINISHED_MS,
      ),
    },
    webhook: {
      partitions: int('webhook.partitions', webhook.partitions, VIBER_DEFAULT_QUEUE_PARTITIONS),
      attempts: int('webhook.attempts', webhook.attempts, VIBER_DEFAULT_QUEUE_HANDLER_ATTEMPTS),
      backoffMs: int(
        'webhook.backoffMs',
        webhook.backoffMs,
        VIBER_DEFAULT_QUEUE_HANDLER_BACKOFF_MS,
      ),
      ingestTimeoutMs: int(
        'webhook.ingestTimeoutMs',
        webhook.ingestTimeoutMs,
        VIBER_DEFAULT_QUEUE_INGEST_TIMEOUT_MS,
      ),
      keepFailed:
        webhook.keepFailed === undefined
          ? undefined
          : int('webhook.keepFailed', webhook.keepFailed, 1),
    },
  };
}

/** `subscribers.profileFields`, checked (every name a profile field). */
function profileFieldsOf(
  name: string,
  fields: ReadonlyArray<keyof ViberSubscriberProfile> | undefined,
): ReadonlyArray<keyof ViberSubscriberProfile> {
  if (fields === undefined) return VIBER_SUBSCRIBER_PROFILE_FIELDS;
  const known: ReadonlyArray<string> = VIBER_SUBSCRIBER_PROFILE_FIELDS;
  const unknown = Array.isArray(fields)
    ? fields.filter((field) => !known.includes(field))
    : [String(fields)];
  if (unknown.length > 0)
    throw ViberOptionsError.forBot(
      name,
      'subscribers.profileFields',
      `must list profile fields (${VIBER_SUBSCRIBER_PROFILE_FIELDS.join(', ')}); got ${unknown.map((f) => JSON.stringify(f)).join(', ')}`,
    );
  return [...new Set(fields)];
}

/** The entries of `webhook.routeMetadata` (symbol keys included). */
function routeMetadataOf(
  name: string,
  metadata: Record<string | symbol, unknown> | undefined,
): Array<readonly [string | symbol, unknown]> {
  if (metadata === undefined) return [];
  if (metadata === null || typeof metadata !== 'object') {
    throw ViberOptionsError.forBot(
      name,
      'webhook.routeMetadata',
      'must be an object of metadata keys and values, e.g. { isPublic: true }',
    );
  }
  return Reflect.ownKeys(metadata).map((key) => [key, metadata[key]] as const);
}

/** The `conversations` option, checked, with its defaults. */
function resolveConversations(
  name: string,
  token: string,
  options: ViberConversationsOptions | undefined,
): ResolvedConversationsOptions | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    throw ViberOptionsError.forBot(
      name,
      'conversations',
      'must be an object, e.g. {} for the defaults',
    );
  }
  const { store, stateless } = options;
  if (
    store !== undefined &&
    (store === null ||
      typeof store !== 'object' ||
      typeof store.get !== 'function' ||
      typeof store.set !== 'function' ||
      typeof store.delete !== 'function')
  ) {
    throw ViberOptionsError.forBot(
      name,
      'conversations.store',
      'must be a ViberSessionStore (get, set, delete), e.g. new RedisSessionStore(redis)',
    );
  }
  let statelessKey: Buffer | undefined;
  if (stateless === true) statelessKey = deriveTrackingDataKey(token);
  else if (stateless !== undefined && stateless !== false) {
    const secret = (stateless as { secret?: unknown } | null)?.secret;
    if (typeof secret !== 'string' || secret.length < 16) {
      throw ViberOptionsError.forBot(
        name,
        'conversations.stateless',
        'must be true (a key derived from the token) or { secret } with a secret of at least 16 characters',
      );
    }
    statelessKey = Buffer.from(secret, 'utf8');
  }
  if (statelessKey && store !== undefined) {
    throw ViberOptionsError.forBot(
      name,
      'conversations.store',
      'cannot be combined with conversations.stateless: stateless conversations ride in tracking_data, with no store',
    );
  }
  const leaseMs = positiveInteger(
    name,
    'conversations.leaseMs',
    options.leaseMs,
    VIBER_DEFAULT_CONVERSATION_LEASE_MS,
  );
  return {
    store: statelessKey ? undefined : (store ?? new InMemorySessionStore()),
    ttlMs: positiveInteger(
      name,
      'conversations.ttlMs',
      options.ttlMs,
      VIBER_DEFAULT_CONVERSATION_TTL_MS,
    ),
    statelessKey,
    leaseMs,
    turnTimeoutMs: positiveInteger(
      name,
      'conversations.turnTimeoutMs',
      options.turnTimeoutMs,
      VIBER_DEFAULT_CONVERSATION_TURN_TIMEOUT_MS,
    ),
  };
}

/** Normalizes a route: leading slash, no trailing slash. */
export function normalizeWebhookPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed || '/' : `/${trimmed}`;
}

/**
 * Applies defaults and checks a bot's options. Throws {@link ViberOptionsError} naming the
 * option (`token`, `webhook.path`, …), which stops the app at startup.
 */
export function resolveViberOptions(
  options: ViberModuleOptions | undefined,
  name: string,
): ResolvedViberOptions {
  if (options === null || typeof options !== 'object') {
    throw ViberOptionsError.forBot(name, 'options', 'must be an object with at least a token');
  }
  const { token } = options;
  if (typeof token !== 'string' || token.trim().length === 0) {
    throw ViberOptionsError.forBot(
      name,
      'token',
      'is required: the bot auth token from the Viber admin panel',
    );
  }
  const webhook = options.webhook ?? {};
  const rawPath = webhook.path ?? VIBER_DEFAULT_WEBHOOK_PATH;
  if (
    typeof rawPath !== 'string' ||
    !/^\/?[A-Za-z0-9\-._~/]*$/.test(rawPath) ||
    rawPath.includes('//')
  ) {
    throw ViberOptionsError.forBot(
      name,
      'webhook.path',
      `must be a route such as "/viber/webhook" (letters, digits, - . _ ~ and /; no query, no parameters); got ${JSON.stringify(rawPath)}`,
    );
  }
  if (webhook.url !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(webhook.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw ViberOptionsError.forBot(
        name,
        'webhook.url',
        `must be an absolute https URL; got ${JSON.stringify(webhook.url)}`,
      );
    }
  }
  for (const eventType of webhook.eventTypes ?? []) {
    if (!EVENT_TYPES.has(eventType)) {
      throw ViberOptionsError.forBot(
        name,
        'webhook.eventTypes',
        `has an unknown event "${String(eventType)}"; allowed: ${[...EVENT_TYPES].join(', ')}`,
      );
    }
  }
  if (options.sender !== undefined) {
    if (
      typeof options.sender?.name !== 'string' ||
      options.sender.name.length === 0 ||
      options.sender.name.length > 28
    ) {
      throw ViberOptionsError.forBot(name, 'sender.name', 'must be 1..28 characters');
    }
  }
  const apiUrl = options.apiUrl ?? VIBER_DEFAULT_API_URL;
  try {
    new URL(apiUrl);
  } catch {
    throw ViberOptionsError.forBot(
      name,
      'apiUrl',
      `must be an absolute URL; got ${JSON.stringify(apiUrl)}`,
    );
  }
  const handling = options.handling ?? {};
  const errorStatus = handling.errorStatus ?? VIBER_DEFAULT_ERROR_STATUS;
  if (!Number.isInteger(errorStatus) || errorStatus < 200 || errorStatus > 599) {
    throw ViberOptionsError.forBot(
      name,
      'handling.errorStatus',
      'must be an HTTP status code 200..599',
    );
  }
  const timeout = positiveInteger(name, 'timeout', options.timeout, VIBER_DEFAULT_TIMEOUT_MS);
  const queue = resolveQueueOptions(name, options.queue, timeout, options.rateLimits);
  const mode = webhook.mode ?? 'inline';
  if (mode !== 'inline' && mode !== 'queue') {
    throw ViberOptionsError.forBot(
      name,
      'webhook.mode',
      `must be 'inline' or 'queue' (got ${JSON.stringify(mode)})`,
    );
  }
  if (mode === 'queue' && queue === undefined) {
    throw ViberOptionsError.forBot(
      name,
      'webhook.mode',
      "is 'queue' but the queue option is not set: add queue: { connection } (BullMQ on Redis)",
    );
  }
  return {
    name,
    token,
    sender: options.sender,
    apiUrl,
    timeout,
    queue,
    include: options.include,
    validateMessages: options.validateMessages ?? true,
    retry: options.retry,
    rateLimits: options.rateLimits,
    subscribers: {
      record: options.subscribers?.record ?? true,
      store: options.subscribers?.store,
      profileFields: profileFieldsOf(name, options.subscribers?.profileFields),
    },
    webhook: {
      path: normalizeWebhookPath(rawPath),
      mode,
      url: webhook.url,
      eventTypes: webhook.eventTypes,
      sendName: webhook.sendName,
      sendPhoto: webhook.sendPhoto,
      autoSet: webhook.autoSet ?? true,
      onSetWebhookError: webhook.onSetWebhookError ?? 'log',
      maxBodyBytes: positiveInteger(
        name,
        'webhook.maxBodyBytes',
        webhook.maxBodyBytes,
        VIBER_DEFAULT_MAX_BODY_BYTES,
      ),
      routeMetadata: routeMetadataOf(name, webhook.routeMetadata),
      routeMetadataOnHandlers: webhook.routeMetadataOnHandlers ?? true,
      fastPath: webhook.fastPath ?? false,
      bodyTimeoutMs: positiveInteger(
        name,
        'webhook.bodyTimeoutMs',
        webhook.bodyTimeoutMs,
        VIBER_DEFAULT_BODY_TIMEOUT_MS,
      ),
    },
    handling: {
      deadlineMs: positiveInteger(
        name,
        'handling.deadlineMs',
        handling.deadlineMs,
        VIBER_DEFAULT_DEADLINE_MS,
      ),
      errorStatus,
      dedupeEvents: new Set(handling.dedupeEvents ?? VIBER_DEFAULT_DEDUPE_EVENTS),
      dedupeTtlMs: positiveInteger(
        name,
        'handling.dedupeTtlMs',
        handling.dedupeTtlMs,
        VIBER_DEFAULT_DEDUPE_TTL_MS,
      ),
      dedupeStore: handling.dedupeStore,
      shutdownTimeoutMs: positiveInteger(
        name,
        'handling.shutdownTimeoutMs',
        handling.shutdownTimeoutMs,
        VIBER_DEFAULT_SHUTDOWN_TIMEOUT_MS,
      ),
    },
    conversations: resolveConversations(name, token, options.conversations),
  };
}
