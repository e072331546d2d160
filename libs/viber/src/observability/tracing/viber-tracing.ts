import { VIBER_TRACER_NAME } from '../../viber.defaults';
import type { ViberTracerProvider } from '../viber-observability.options';
import type { ViberTraceCarrier } from '../viber-instrumentation';
import {
  OTEL_SPAN_KIND,
  OTEL_STATUS_ERROR,
  type OtelApi,
  type OtelAttributeValue,
  type OtelSpan,
  type OtelTracer,
} from './otel-api.types';
import { fromTraceCarrier, toTraceCarrier } from './trace-carrier';

/** Span names (DESIGN: `viber.callback`, `viber.handler`, `viber.api <endpoint>`). */
export const VIBER_SPAN_NAMES = {
  callback: 'viber.callback',
  handler: 'viber.handler',
  api: (endpoint: string): string => `viber.api ${endpoint}`,
} as const;

/**
 * One bot's spans, on `@opentelemetry/api` (no SDK: the app registers one, or passes a tracer
 * provider). A callback span is a child of the active span (an HTTP server span of the app's
 * HTTP instrumentation) or a root server span; handler spans are its children, and API request
 * spans children of whatever span is active when the request starts (the handler's).
 * @internal
 */
export class ViberTracing {
  private readonly tracer: OtelTracer;

  constructor(
    private readonly api: OtelApi,
    provider: ViberTracerProvider | undefined,
    private readonly bot: string,
  ) {
    this.tracer = (provider?.getTracer(VIBER_TRACER_NAME) ??
      api.trace.getTracer(VIBER_TRACER_NAME)) as OtelTracer;
  }

  /**
   * Starts the span of a callback: at the webhook, or (`worker`) in a queue worker, where the
   * active context is the webhook span's, carried in the job (a consumer span in its trace).
   */
  callback(event: string, messageToken: string | number | undefined, worker = false): OtelSpan {
    const parent = this.api.context.active();
    const attributes: Record<string, OtelAttributeValue> = {
      'viber.bot': this.bot,
      'viber.event': event,
    };
    if (messageToken !== undefined) attributes['viber.message_token'] = String(messageToken);
    if (worker) attributes['viber.queued'] = true;
    return this.tracer.startSpan(
      VIBER_SPAN_NAMES.callback,
      {
        kind: worker
          ? OTEL_SPAN_KIND.consumer
          : this.api.trace.getSpan(parent)
            ? OTEL_SPAN_KIND.internal
            : OTEL_SPAN_KIND.server,
        attributes,
      },
      parent,
    );
  }

  /** Starts the span of a handler, a child of its callback's span. */
  handler(parent: OtelSpan | undefined, name: string): OtelSpan {
    const active = this.api.context.active();
    return this.tracer.startSpan(
      VIBER_SPAN_NAMES.handler,
      {
        kind: OTEL_SPAN_KIND.internal,
        attributes: { 'viber.bot': this.bot, 'viber.handler': name },
      },
      parent ? this.api.trace.setSpan(active, parent) : active,
    );
  }

  /** Starts the span of an API request, a child of the active span. */
  apiRequest(endpoint: string, attempt: number): OtelSpan {
    return this.tracer.startSpan(
      VIBER_SPAN_NAMES.api(endpoint),
      {
        kind: OTEL_SPAN_KIND.client,
        attributes: {
          'viber.bot': this.bot,
          'viber.endpoint': endpoint,
          'viber.attempt': attempt,
        },
      },
      this.api.context.active(),
    );
  }

  /** Runs `fn` with `span` active. */
  runIn<T>(span: OtelSpan, fn: () => T): T {
    return this.api.context.with(this.api.trace.setSpan(this.api.context.active(), span), fn);
  }

  /** Marks a span failed (status error, the exception recorded). */
  fail(span: OtelSpan, error: unknown, message?: string): void {
    if (error instanceof Error) span.recordException(error);
    span.setStatus({
      code: OTEL_STATUS_ERROR,
      message: message ?? (error instanceof Error ? `${error.name}: ${error.message}` : undefined),
    });
  }

  /** The active span's context as a W3C carrier. */
  carrier(): ViberTraceCarrier | undefined {
    const span = this.api.trace.getSpan(this.api.context.active());
    return span ? toTraceCarrier(span.spanContext()) : undefined;
  }

  /** Runs `fn` with the carrier's remote span as the active parent. */
  withCarrier<T>(carrier: ViberTraceCarrier | undefined, fn: () => T): T {
    const parsed = fromTraceCarrier(
      carrier,
      this.api.createTraceState ? (raw) => this.api.createTraceState!(raw) : undefined,
    );
    if (!parsed) return fn();
    return this.api.context.with(
      this.api.trace.setSpanContext(this.api.context.active(), parsed),
      fn,
    );
  }
}
