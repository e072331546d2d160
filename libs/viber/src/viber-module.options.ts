import type { Type } from '@nestjs/common';
import type { ViberSessionStore } from './conversations/stores/viber-session.store';
import type { ViberDedupeStore } from './dedupe/viber-dedupe.store';
import type { ViberSubscriberStore } from './subscribers/viber-subscriber.store';
import type { ViberSubscriberProfile } from './subscribers/viber-subscriber.types';
import type { ViberWebhookEventType } from './types/api.types';
import type { ViberSender } from './types/message.types';
import type { ViberRateLimits } from './client/viber-rate-limiter';
import type { ViberRetryOptions } from './client/viber-retry.policy';

/** Webhook settings of a bot. */
export interface ViberWebhookOptions {
  /** Route the webhook controller serves. Default `/viber/webhook`. */
  path?: string;
  /** Public URL of the webhook. When set, `set_webhook` is called once the server listens. */
  url?: string;
  /** Optional events to receive (omitted: all events). */
  eventTypes?: ViberWebhookEventType[];
  /** Receive user names in callbacks. */
  sendName?: boolean;
  /** Receive user avatars in callbacks. */
  sendPhoto?: boolean;
  /** Call `set_webhook` at startup when `url` is set. Default true; turn off on replicas. */
  autoSet?: boolean;
  /**
   * What a failed startup `set_webhook` does: `'log'` (default) logs it with the Viber status;
   * `'throw'` rejects, which ends the process as an unhandled rejection.
   */
  onSetWebhookError?: 'log' | 'throw';
  /**
   * Metadata put on this bot's webhook controller and, unless `routeMetadataOnHandlers` is
   * false, on every Viber handler method of this bot: what an app's global guard reads to let a
   * route through. With the common `@Public()` convention (`SetMetadata(IS_PUBLIC_KEY, true)`),
   * `{ [IS_PUBLIC_KEY]: true }` lets Viber reach the webhook and the handlers run.
   */
  routeMetadata?: Record<string | symbol, unknown>;
  /**
   * Serve the webhook's `POST` straight from the platform's router (Express or Fastify), ahead of
   * Nest's route pipeline: the same checks on the same bytes, the same dispatch through the
   * handlers (with their guards, pipes, interceptors and filters), at a fraction of the cost. App
   * middleware, global guards and interceptors do not see the webhook request itself (global
   * prefix and route metadata do not matter to it). Default false.
   */
  fastPath?: boolean;
  /** Whether `routeMetadata` also goes on the Viber handler methods. Default true. */
  routeMetadataOnHandlers?: boolean;
  /**
   * How callbacks are handled: `'inline'` (default) runs the handlers before answering;
   * `'queue'` stores each callback as a BullMQ job and answers 200 at once (503 when it cannot be
   * stored), and workers run the handlers (needs the `queue` option; see the README, "Scaling
   * out"). `conversation_started` and `webhook` stay inline in both modes.
   */
  mode?: 'inline' | 'queue';
  /** Largest accepted callback body in bytes; larger ones are answered 413. Default 1 MB. */
  maxBodyBytes?: number;
  /**
   * How long a callback body may take to arrive once its headers are in, in ms; a body that
   * stalls is answered 408 and its connection closed. Default 10 000. Set the HTTP server's own
   * timeouts too (see the README's "Server timeouts").
   */
  bodyTimeoutMs?: number;
}

/** How callbacks are answered and handlers run. */
export interface ViberHandlingOptions {
  /**
   * How long the webhook waits for handlers before answering 200, in ms. Slower handlers go on
   * in the background. Default 4000 (Viber re-sends callbacks not answered within about 5 s).
   */
  deadlineMs?: number;
  /**
   * HTTP status answered when a handler throws and no exception filter handled it.
   * Default 200, so Viber does not re-send the callback for an hour.
   */
  errorStatus?: number;
  /**
   * Events whose duplicate deliveries (same `event` and `message_token`) are handled once.
   * Default `['message', 'subscribed', 'unsubscribed', 'client_status']`.
   */
  dedupeEvents?: string[];
  /** How long a handled token is remembered, in ms. Default 1 hour (Viber's re-send window). */
  dedupeTtlMs?: number;
  /** Store of handled tokens. Default: in memory, bounded. Share one (Redis) across replicas. */
  dedupeStore?: ViberDedupeStore;
  /** At shutdown, how long running handlers may take to finish, in ms. Default 10 000. */
  shutdownTimeoutMs?: number;
}

/** Options of `ViberModule.forRoot` (and the result of a `forRootAsync` factory). */
export interface ViberModuleOptions {
  /** The bot's auth token. Required; never logged. */
  token: string;
  /** Default sender of outgoing messages (name ≤ 28 characters, avatar URL). */
  sender?: { name: string; avatar?: string } & ViberSender;
  /** Webhook settings. */
  webhook?: ViberWebhookOptions;
  /** API base URL. Default `https://chatapi.viber.com/pa`; point it at the emulator locally. */
  apiUrl?: string;
  /** Timeout of one API request in ms. Default 10 000. */
  timeout?: number;
  /** Only scan these modules for handlers. Default: every module of the app. */
  include?: Type<unknown>[];
  /** Check outgoing messages against the documented limits. Default true. */
  validateMessages?: boolean;
  /** Handler and answer behaviour. */
  handling?: ViberHandlingOptions;
  /** The subscriber registry. */
  subscribers?: ViberSubscribersOptions;
  /** Retries of failed API requests; `false` turns them off. */
  retry?: ViberRetryOptions | false;
  /**
   * Client-side rate limits per endpoint (default: broadcast 500 requests per 10 s). With a
   * `queue`, the `broadcast_message` limit is the one every replica shares.
   */
  rateLimits?: ViberRateLimits;
  /**
   * Sessions, scenes and wizards, and per-user ordering of callbacks (see the README,
   * "Conversations"). Off when left out: handlers then run with no session and no per-user line.
   */
  conversations?: ViberConversationsOptions;
  /**
   * Queued delivery on BullMQ (opt-in; needs the optional peers `bullmq` and, for BullMQ 6 with
   * connection options, `ioredis`): durable broadcasts under one rate limit for all replicas
   * (`ViberBroadcasts`), the queued webhook (`webhook.mode: 'queue'`) and one `set_webhook`
   * per deploy. Without it nothing of BullMQ is loaded.
   */
  queue?: ViberQueueOptions;
}

/** Options of conversations: sessions, scenes and wizards, per-user ordering. */
export interface ViberConversationsOptions {
  /**
   * Where conversations live. Default: in memory, bounded (`InMemorySessionStore`);
   * `RedisSessionStore` for replicas and restarts (it also orders each user's callbacks across
   * replicas); or your own `ViberSessionStore`. Not with `stateless`.
   */
  store?: ViberSessionStore;
  /** How long a user's conversation lives after its last change, in ms. Default one day. */
  ttlMs?: number;
  /**
   * Keep the conversation in the `tracking_data` of the bot's replies instead of a store, signed
   * with HMAC-SHA256: `true` derives the key from the bot token, `{ secret }` gives one. Only
   * replies through `ctx.reply` or return values carry it. Default false.
   */
  stateless?: boolean | { secret: string };
  /**
   * The lease of a user's turn across replicas (stores that order turns), in ms; renewed while the
   * handlers run. A process that dies mid-turn holds the user up at most this long. Default 5000.
   */
  leaseMs?: number;
  /**
   * How long a user's turn may hold the user's later callbacks back, in ms; after it the next one
   * goes ahead and the slow turn's changes are not saved. Default 30 000.
   */
  turnTimeoutMs?: number;
}

/**
 * Where the queues live: BullMQ's `connection` (ioredis options such as `{ host, port, password,
 * db, tls }`, or a Redis client instance) and everything else the queued delivery needs. Every
 * replica of a bot must use the same Redis, `prefix` and `rateLimits`.
 */
export interface ViberQueueOptions {
  /**
   * BullMQ's connection: Redis connection options (`{ host, port, username, password, db, tls,
   * … }`, as ioredis takes them), or a client instance (ioredis `Redis`/`Cluster`). Required.
   */
  connection: ViberQueueConnectionOptions | object;
  /**
   * Prefix of every Redis key (BullMQ's and the broadcasts'). It must contain a hash tag
   * (`{…}`) so that each queue's keys share one slot of a Redis Cluster. Default `{nestjs-viber}`.
   */
  prefix?: string;
  /**
   * Whether this process runs workers (sends broadcast requests, runs queued handlers). Default
   * true; `false` makes a producer-only replica (it still stores callbacks and starts broadcasts).
   */
  workers?: boolean;
  /** Broadcasts and sends through the outgoing queue. */
  broadcast?: ViberQueueBroadcastOptions;
  /** The queued webhook (`webhook.mode: 'queue'`). */
  webhook?: ViberQueueWebhookOptions;
  /**
   * How long a worker holds a job before another may take it over, in ms (BullMQ's
   * `lockDuration`; renewed while the job runs). Default 30 000. A crashed worker's jobs are taken
   * over after about this long plus two `stalledIntervalMs`.
   */
  lockDurationMs?: number;
  /** How often workers look for jobs of crashed workers, in ms. Default 30 000. */
  stalledIntervalMs?: number;
}

/** Redis connection options, as ioredis takes them (any other ioredis option is passed on). */
export interface ViberQueueConnectionOptions {
  /** Host. Default `127.0.0.1`. */
  host?: string;
  /** Port. Default 6379. */
  port?: number;
  /** ACL user name. */
  username?: string;
  /** Password. */
  password?: string;
  /** Database index. */
  db?: number;
  /** TLS options (an object turns TLS on). */
  tls?: object;
  /** Any other ioredis option. */
  [option: string]: unknown;
}

/** Options of the outgoing queue (broadcast chunks and queued sends). */
export interface ViberQueueBroadcastOptions {
  /** Jobs each worker runs at once. Default 10. */
  concurrency?: number;
  /**
   * Timeout of one queued request, in ms. Default: the bot's `timeout`. It bounds how late a
   * request can reach Viber after its job started, so a shorter timeout lets the shared rate limit
   * run closer to Viber's (see the README, "Scaling out").
   */
  requestTimeoutMs?: number;
  /**
   * Longest time between a job's start and its request leaving, in ms; a job that took longer
   * (a slow Redis) goes back to the queue unsent. Part of the same bound. Default 1000.
   */
  startSlackMs?: number;
  /** Attempts of a chunk whose request provably failed to reach Viber (network, HTTP 5xx). Default 5. */
  attempts?: number;
  /** First backoff step between those attempts, in ms (doubled each time). Default 1000. */
  backoffMs?: number;
  /** How long the queue pauses after Viber's status 12 or HTTP 429, in ms. Default: the rate limit's window (10 s). */
  rateLimitPauseMs?: number;
  /** Chunks (of 300 receivers) planned per page of the audience. Default 100. */
  pageChunks?: number;
  /** How long a finished broadcast's progress and failures stay in Redis, in ms. Default 7 days. */
  keepFinishedMs?: number;
}

/** Options of the queued webhook. */
export interface ViberQueueWebhookOptions {
  /**
   * Partitions (queues) callbacks are spread over by user; each runs one callback at a time
   * across all replicas, so one user's callbacks are handled in arrival order. Default 8.
   */
  partitions?: number;
  /** Runs of a callback's handlers before it goes to the failed set (retried in place, in order). Default 3. */
  attempts?: number;
  /** First backoff step between those runs, in ms (doubled each time). Default 1000. */
  backoffMs?: number;
  /** How long storing a callback may take before the webhook answers 503, in ms. Default 2000. */
  ingestTimeoutMs?: number;
  /** Keep at most this many failed callbacks per partition (oldest dropped). Default: keep all. */
  keepFailed?: number;
}

/** Options of the subscriber registry. */
export interface ViberSubscribersOptions {
  /** Record subscribers from callbacks. Default true. */
  record?: boolean;
  /** Where to keep them. Default: in memory. `RedisSubscriberStore` for replicas, or your own. */
  store?: ViberSubscriberStore;
  /**
   * Profile fields kept (default: all of `name`, `avatar`, `country`, `language`, `api_version`,
   * `primary_device_os`). At millions of users, leave out what the app never reads: a Viber
   * avatar URL is about 160 bytes per user. A filter on a field not kept matches nobody.
   */
  profileFields?: ReadonlyArray<keyof ViberSubscriberProfile>;
}

/** Options known before any provider runs (they shape the module itself). */
export interface ViberModuleExtras {
  /** Name of the bot, for several bots in one app. Default `'default'`. */
  name?: string;
  /** Register the module globally, so every module can inject the client. Default true. */
  isGlobal?: boolean;
}

/** A class that creates the options (`forRootAsync({ useClass })`). */
export interface ViberOptionsFactory {
  /** Returns the bot's options. */
  createViberOptions(): ViberModuleOptions | Promise<ViberModuleOptions>;
}
