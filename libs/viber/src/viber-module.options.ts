import type { Type } from '@nestjs/common';
import type { ViberDedupeStore } from './dedupe/viber-dedupe.store';
import type { ViberSubscriberStore } from './subscribers/viber-subscriber.store';
import type { ViberWebhookEventType } from './types/api.types';
import type { ViberSender } from './types/message.types';
import type { ViberRateLimits } from './client/viber-rate-limiter';
import type { ViberRetryOptions } from './client/viber-retry.policy';
import type {
  ViberMetricsOptions,
  ViberTracingOptions,
} from './observability/viber-observability.options';

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
  /** Whether `routeMetadata` also goes on the Viber handler methods. Default true. */
  routeMetadataOnHandlers?: boolean;
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
  /** Client-side rate limits per endpoint (default: broadcast 500 requests per 10 s). */
  rateLimits?: ViberRateLimits;
  /**
   * Prometheus metrics (`viber_*`) of this bot, on the optional peer `prom-client`: `true` for
   * prom-client's default registry, or `{ registry }`. Default off (prom-client is not loaded).
   * See the README, "Health, metrics and traces".
   */
  metrics?: boolean | ViberMetricsOptions;
  /**
   * OpenTelemetry spans (`viber.callback`, `viber.handler`, `viber.api <endpoint>`) of this bot,
   * on the optional peer `@opentelemetry/api`: `true` for the global tracer provider (your SDK's),
   * or `{ tracerProvider }`. Default off (the API is not loaded).
   */
  tracing?: boolean | ViberTracingOptions;
}

/** Options of the subscriber registry. */
export interface ViberSubscribersOptions {
  /** Record subscribers from callbacks. Default true. */
  record?: boolean;
  /** Where to keep them. Default: in memory. `RedisSubscriberStore` for replicas, or your own. */
  store?: ViberSubscriberStore;
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
