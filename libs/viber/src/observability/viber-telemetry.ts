import type { OnApplicationShutdown } from '@nestjs/common';
import type { ViberEndpoint } from '../types/api.types';
import { apiStatusLabel } from './api-status';
import type { ViberBotMetrics } from './metrics/viber-metrics';
import type { OtelSpan } from './tracing/otel-api.types';
import type { ViberTracing } from './tracing/viber-tracing';
import {
  REFUSAL_OUTCOMES,
  type ViberApiProbe,
  type ViberBroadcastReceiverResult,
  type ViberCallbackOutcome,
  type ViberCallbackProbe,
  type ViberHandlerOutcome,
  type ViberHandlerProbe,
  type ViberInstrumentation,
  type ViberInstrumentedBot,
  type ViberTraceCarrier,
  type ViberWebhookRefusal,
} from './viber-instrumentation';

/** The `event` label of requests refused before their event was known, and of unknown events. */
const UNKNOWN_EVENT = 'unknown';

const seconds = (since: number): number => (performance.now() - since) / 1000;

/**
 * The instrumentation of a bot with `metrics` and/or `tracing`: each call goes to the metrics
 * (prom-client) and the spans (OpenTelemetry) that are on. Never throws into the caller.
 * @internal
 */
export class ViberTelemetry implements ViberInstrumentation, OnApplicationShutdown {
  readonly active = true;
  private bot?: ViberInstrumentedBot;

  constructor(
    /** The bot's metrics, when `metrics` is on. */
    readonly metrics: ViberBotMetrics | undefined,
    /** The bot's spans, when `tracing` is on. */
    readonly tracing: ViberTracing | undefined,
  ) {}

  attachBot(bot: ViberInstrumentedBot): void {
    this.bot = bot;
    this.metrics?.metrics.attach(bot);
  }

  /** The app closes: the bot leaves the gauges. */
  onApplicationShutdown(): void {
    if (this.bot) this.metrics?.metrics.detach(this.bot);
  }

  callbackRefused(refusal: ViberWebhookRefusal): void {
    this.metrics?.callback(UNKNOWN_EVENT, REFUSAL_OUTCOMES[refusal] ?? 'invalid');
  }

  callbackIgnored(event?: string): void {
    this.metrics?.callback(event ?? UNKNOWN_EVENT, 'ignored');
  }

  callbackStarted(
    event: string,
    messageToken: string | number | undefined,
    worker = false,
  ): ViberCallbackProbe {
    return new CallbackProbe(
      this,
      event,
      this.tracing?.callback(event, messageToken, worker),
      worker,
    );
  }

  apiRequestStarted(endpoint: ViberEndpoint, attempt: number): ViberApiProbe {
    return new ApiProbe(this, endpoint, this.tracing?.apiRequest(endpoint, attempt));
  }

  apiRetried(endpoint: ViberEndpoint): void {
    this.metrics?.apiRetried(endpoint);
  }

  rateLimitWaited(endpoint: ViberEndpoint, waited: number): void {
    this.metrics?.rateLimitWaited(endpoint, waited);
  }

  broadcastReceivers(result: ViberBroadcastReceiverResult, count: number): void {
    this.metrics?.broadcastReceivers(result, count);
  }

  traceCarrier(): ViberTraceCarrier | undefined {
    return this.tracing?.carrier();
  }

  withTraceCarrier<T>(carrier: ViberTraceCarrier | undefined, fn: () => T): T {
    return this.tracing ? this.tracing.withCarrier(carrier, fn) : fn();
  }
}

class CallbackProbe implements ViberCallbackProbe {
  private readonly start = performance.now();
  private ended = false;

  constructor(
    private readonly telemetry: ViberTelemetry,
    private readonly event: string,
    private readonly span: OtelSpan | undefined,
    /** A queue worker's run: counted as `queued` at the webhook, so no second count here. */
    private readonly worker = false,
  ) {}

  run<T>(fn: () => T): T {
    return this.span ? this.telemetry.tracing!.runIn(this.span, fn) : fn();
  }

  duplicate(): void {
    this.finish('duplicate', false);
  }

  queued(stored: boolean): void {
    if (stored) {
      this.finish('queued', false);
      return;
    }
    // Not stored: the refusal log counts it (`callback not queued`); the span says so and ends.
    if (this.ended) return;
    this.ended = true;
    const span = this.span;
    if (span) {
      span.setAttribute('viber.outcome', 'unavailable');
      this.telemetry.tracing!.fail(span, undefined, 'the callback could not be queued');
      span.end();
    }
  }

  deadlineExceeded(): void {
    this.telemetry.metrics?.deadlineExceeded(this.event);
    this.span?.setAttribute('viber.deadline_exceeded', true);
  }

  handler(name: string): ViberHandlerProbe {
    return new HandlerProbe(this.telemetry, name, this.telemetry.tracing?.handler(this.span, name));
  }

  end(failed: boolean): void {
    this.finish(failed ? 'error' : 'handled', true);
  }

  private finish(outcome: ViberCallbackOutcome, ran: boolean): void {
    if (this.ended) return;
    this.ended = true;
    const metrics = this.telemetry.metrics;
    if (metrics) {
      if (!this.worker) metrics.callback(this.event, outcome);
      if (ran) metrics.callbackDuration(this.event, seconds(this.start));
    }
    const span = this.span;
    if (span) {
      span.setAttribute('viber.outcome', outcome);
      span.setAttribute('viber.duplicate', outcome === 'duplicate');
      if (outcome === 'error') {
        this.telemetry.tracing!.fail(span, undefined, 'a handler or its reply failed');
      }
      span.end();
    }
  }
}

class HandlerProbe implements ViberHandlerProbe {
  private readonly start = performance.now();
  private ended = false;

  constructor(
    private readonly telemetry: ViberTelemetry,
    private readonly name: string,
    private readonly span: OtelSpan | undefined,
  ) {}

  run<T>(fn: () => T): T {
    return this.span ? this.telemetry.tracing!.runIn(this.span, fn) : fn();
  }

  end(outcome: ViberHandlerOutcome, error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (outcome !== 'denied')
      this.telemetry.metrics?.handler(this.name, outcome, seconds(this.start));
    const span = this.span;
    if (span) {
      span.setAttribute('viber.handler.outcome', outcome);
      if (outcome === 'error')
        this.telemetry.tracing!.fail(span, error, error ? undefined : 'failed');
      span.end();
    }
  }
}

class ApiProbe implements ViberApiProbe {
  private readonly start = performance.now();

  constructor(
    private readonly telemetry: ViberTelemetry,
    private readonly endpoint: ViberEndpoint,
    private readonly span: OtelSpan | undefined,
  ) {}

  run<T>(fn: () => T): T {
    return this.span ? this.telemetry.tracing!.runIn(this.span, fn) : fn();
  }

  end(error?: unknown): void {
    const status = apiStatusLabel(error);
    this.telemetry.metrics?.apiRequest(this.endpoint, status, seconds(this.start));
    const span = this.span;
    if (span) {
      span.setAttribute('viber.status', status);
      if (error !== undefined) this.telemetry.tracing!.fail(span, error);
      span.end();
    }
  }
}
