/**
 * The instrumentation seam: the few calls the bot, the webhook guard and the client make to
 * report what happens, whatever listens (Prometheus metrics, OpenTelemetry traces, nothing).
 * Without `metrics` and `tracing` every bot gets {@link NOOP_INSTRUMENTATION}: each call is an
 * empty function and no probe is allocated, so the hot path pays nothing for it.
 *
 * Types only and the no-op: nothing here loads an optional peer.
 */
import type { ViberEndpoint } from '../types/api.types';
import type { ViberRefusalKind } from '../webhook/webhook-refusal.log';

/**
 * How the webhook dealt with one request (label `outcome` of `viber_callbacks_total`):
 * `handled` (handlers ran, none failed), `error` (a handler or its reply failed), `duplicate`
 * (re-sent, answered without running handlers), `queued` (stored for the queue's workers, with
 * `webhook.mode: 'queue'`), `ignored` (an event this version does not know, or one nothing acts
 * on: no handler and not recorded),
 * `invalid` (not a valid callback: 400), `rejected_signature` (missing, malformed or wrong
 * signature: 403), `rejected_body` (too large, too slow or cut short: 413/408/400),
 * `unavailable` (shutting down, or a queued webhook that could not store the callback: 503).
 */
export type ViberCallbackOutcome =
  | 'handled'
  | 'error'
  | 'duplicate'
  | 'queued'
  | 'ignored'
  | 'invalid'
  | 'rejected_signature'
  | 'rejected_body'
  | 'unavailable';

/** Why a webhook request was refused before the handlers: the refusal log's kinds, and 503. */
export type ViberWebhookRefusal = ViberRefusalKind | 'shutting down';

/** How one handler ended: ran (`ok`), threw or its reply failed (`error`), a guard skipped it (`denied`). */
export type ViberHandlerOutcome = 'ok' | 'error' | 'denied';

/**
 * What became of broadcast receivers (label `result` of `viber_broadcast_receivers_total`):
 * `sent` (Viber accepted them), `failed` (Viber refused them, or their request failed as a whole
 * and provably never reached Viber), `uncertain` (their request left but got no answer),
 * `not_sent` (the broadcast stopped before their request).
 */
export type ViberBroadcastReceiverResult = 'sent' | 'failed' | 'uncertain' | 'not_sent';

/** What the instrumentation reads from a bot for its gauges (callbacks and requests in flight). */
export interface ViberInstrumentedBot {
  /** The bot's name. */
  readonly name: string;
  /** Callbacks whose handlers are running. */
  readonly pending: number;
  /** The bot's client. */
  readonly client: { readonly requestsInFlight: number };
}

/** W3C trace context of a span, to carry it across a queue (`traceparent`, `tracestate`). */
export type ViberTraceCarrier = Record<string, string>;

/** One callback being handled: from the dedupe check to the end of its handlers. */
export interface ViberCallbackProbe {
  /** Runs `fn` inside the callback's trace context (the handlers' spans are its children). */
  run<T>(fn: () => T): T;
  /** It was a duplicate: ends the probe (outcome `duplicate`). */
  duplicate(): void;
  /** The answer went out at the deadline while handlers still run (the probe goes on). */
  deadlineExceeded(): void;
  /**
   * A queued webhook stored the callback for the workers (`stored`: outcome `queued`), or could
   * not (answered 503: counted as the refusal `callback not queued`, the probe only ends).
   */
  queued(stored: boolean): void;
  /** A handler starts (`Class.method`). */
  handler(name: string): ViberHandlerProbe;
  /** Every handler ended: outcome `error` when one failed, else `handled`. */
  end(failed: boolean): void;
}

/** One handler run (its returned reply included). */
export interface ViberHandlerProbe {
  /** Runs `fn` inside the handler's trace context (its API requests' spans are its children). */
  run<T>(fn: () => T): T;
  /** The handler ended. */
  end(outcome: ViberHandlerOutcome, error?: unknown): void;
}

/** One HTTP request to the Viber API (each retry is a request of its own). */
export interface ViberApiProbe {
  /** Runs `fn` inside the request's trace context. */
  run<T>(fn: () => T): T;
  /** The request ended: without an error Viber answered status 0. */
  end(error?: unknown): void;
}

/**
 * What a bot reports, one object per bot. The calls sit in `ViberBot` (callback and handler
 * probes), `ViberSignatureGuard` and the refusal log (refusals), and `ViberClient` (requests,
 * retries, rate-limit waits, broadcast receivers). Implementations never throw.
 */
export interface ViberInstrumentation {
  /** False for the no-op: callers may skip work (timing) that only instrumentation needs. */
  readonly active: boolean;
  /** Gives the instrumentation its bot, for gauges read at scrape time. */
  attachBot(bot: ViberInstrumentedBot): void;
  /** The webhook refused a request before the handlers. */
  callbackRefused(refusal: ViberWebhookRefusal): void;
  /**
   * A valid callback answered 200 without handlers: an event this version does not know (no
   * `event`: label `unknown`), or one nothing acts on (no handler, not recorded).
   */
  callbackIgnored(event?: string): void;
  /**
   * A valid callback starts: dedupe, then its handlers; or, with `worker`, a queue worker runs
   * the handlers of a callback the webhook stored (its outcome was counted as `queued` then: the
   * worker's run adds its duration and handlers, not a second count).
   */
  callbackStarted(
    event: string,
    messageToken: string | number | undefined,
    worker?: boolean,
  ): ViberCallbackProbe;
  /** An HTTP request to the API starts (after its rate-limit wait). */
  apiRequestStarted(endpoint: ViberEndpoint, attempt: number): ViberApiProbe;
  /** A failed request will be retried. */
  apiRetried(endpoint: ViberEndpoint): void;
  /** A request of a rate-limited endpoint waited this long for its slot (seconds). */
  rateLimitWaited(endpoint: ViberEndpoint, seconds: number): void;
  /** Broadcast receivers settled. */
  broadcastReceivers(result: ViberBroadcastReceiverResult, count: number): void;
  /**
   * The active trace context as a W3C carrier, for a queue job (undefined without tracing or
   * outside a span).
   */
  traceCarrier(): ViberTraceCarrier | undefined;
  /** Runs `fn` inside the trace context of a carrier (a queue worker continuing a trace). */
  withTraceCarrier<T>(carrier: ViberTraceCarrier | undefined, fn: () => T): T;
}

const run = <T>(fn: () => T): T => fn();
const nothing = (): void => undefined;

const NOOP_HANDLER: ViberHandlerProbe = Object.freeze({ run, end: nothing });
const NOOP_API: ViberApiProbe = Object.freeze({ run, end: nothing });
/** The callback probe of the no-op (also what hooks outside a handler report to: nothing). */
export const NOOP_CALLBACK_PROBE: ViberCallbackProbe = Object.freeze({
  run,
  duplicate: nothing,
  deadlineExceeded: nothing,
  queued: nothing,
  handler: () => NOOP_HANDLER,
  end: nothing,
});

/** The instrumentation of a bot without `metrics` and `tracing`: does nothing, allocates nothing. */
export const NOOP_INSTRUMENTATION: ViberInstrumentation = Object.freeze({
  active: false,
  attachBot: nothing,
  callbackRefused: nothing,
  callbackIgnored: nothing,
  callbackStarted: () => NOOP_CALLBACK_PROBE,
  apiRequestStarted: () => NOOP_API,
  apiRetried: nothing,
  rateLimitWaited: nothing,
  broadcastReceivers: nothing,
  traceCarrier: () => undefined,
  withTraceCarrier: <T>(_carrier: ViberTraceCarrier | undefined, fn: () => T): T => fn(),
});

/** The `outcome` label of each refusal. */
export const REFUSAL_OUTCOMES: Readonly<Record<ViberWebhookRefusal, ViberCallbackOutcome>> = {
  'missing signature': 'rejected_signature',
  'malformed signature': 'rejected_signature',
  'wrong signature': 'rejected_signature',
  'body too large': 'rejected_body',
  'body too slow': 'rejected_body',
  'incomplete body': 'rejected_body',
  'invalid callback': 'invalid',
  // The queued webhook could not store it (Redis down): answered 503, Viber sends it again.
  'callback not queued': 'unavailable',
  'shutting down': 'unavailable',
};
