import type { LoggerService } from '@nestjs/common';
import type { ViberInstrumentation } from '../observability/viber-instrumentation';
import type { ViberSender } from '../types/message.types';
import type { ViberHttpTransport } from './viber-node.transport';
import type { ViberRateLimits } from './viber-rate-limiter';
import type { ViberRetryOptions } from './viber-retry.policy';

/** Settings of one {@link ViberClient}. */
export interface ViberClientOptions {
  /** The bot's auth token. Sent only in the `X-Viber-Auth-Token` header; never logged. */
  token: string;
  /** API base URL; point it at the local emulator in development. Default {@link VIBER_DEFAULT_API_URL}. */
  apiUrl?: string;
  /** Default sender of outgoing messages; a message's own `sender` overrides it. */
  sender?: ViberSender;
  /** Timeout of one request (connect to last byte), in milliseconds. Default 10 000. */
  timeout?: number;
  /** Check messages against the documented limits before sending. Default true. */
  validate?: boolean;
  /** Where debug lines and validation warnings go. Default: a Nest `Logger('ViberClient')`. */
  logger?: LoggerService;
  /**
   * Retries of failed requests (rate limiting, 5xx, network failures; timeouts only on
   * idempotent endpoints). Default: 4 attempts, 250 ms base, 8 s max wait, 30 s in all. `false`: none.
   */
  retry?: ViberRetryOptions | false;
  /** Client-side rate limits per endpoint. Default: `broadcast_message` 500 per 10 s. */
  rateLimits?: ViberRateLimits;
  /** `broadcast_message` requests in flight at once during a broadcast. Default 10. */
  broadcastConcurrency?: number;
  /** Called for each receiver Viber reports as not subscribed (status 6), e.g. to update a registry. */
  onReceiverNotSubscribed?: (receiver: string) => void;
  /**
   * HTTP agents the client owns: destroyed (their keep-alive connections closed) by `close()`.
   * @internal
   */
  ownedAgents?: ReadonlyArray<{ destroy(): void }>;
  /**
   * What the client reports to metrics and traces (requests, retries, rate-limit waits, broadcast
   * receivers): the bot's, set by the module. Default: nothing.
   * @internal
   */
  instrumentation?: ViberInstrumentation;
  /**
   * Sends requests without axios (the module's own client: see `createNodeTransport`); the
   * `HttpService` is then not used for requests.
   * @internal
   */
  transport?: ViberHttpTransport;
}

/** Progress of a broadcast, reported after each request. */
export interface ViberBroadcastProgress {
  /** Receivers in the broadcast; for an async iterable, those read so far (see `complete`). */
  total: number;
  /** Receivers Viber accepted so far. */
  sent: number;
  /** Receivers that failed so far (listed in the result's `failed_list`). */
  failed: number;
  /** Receivers whose request got no answer so far (listed in the result's `uncertain_list`). */
  uncertain: number;
  /** `broadcast_message` requests answered or given up so far. */
  requests: number;
  /**
   * Receivers, from the first in order, whose requests have all ended: each of them is counted
   * in `sent`, `failed` or `uncertain`. Requests end out of order, so this trails the sum.
   */
  settled: number;
  /** Every receiver has been read: `total` is final (always true for a list). */
  complete: boolean;
}

/** Options of {@link ViberClient.broadcast}. */
export interface ViberBroadcastOptions extends ViberRequestOptions {
  /** Called after each request with the running counts. */
  onProgress?: (progress: ViberBroadcastProgress) => void;
  /** Requests in flight at once (overrides the client's `broadcastConcurrency`). */
  concurrency?: number;
}

/** Per-call options of the client's methods. */
export interface ViberRequestOptions {
  /** Aborts the request. */
  signal?: AbortSignal;
}
