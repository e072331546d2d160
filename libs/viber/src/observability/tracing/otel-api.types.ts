/**
 * The part of `@opentelemetry/api` (v1.9+) the tracing uses, as structural types: the library has
 * no type dependency on the optional peer. The API is loaded (and cast to {@link OtelApi}) only
 * when a bot has the `tracing` option; the library never loads an SDK.
 */

/** An opaque context. */
export type OtelContext = object;

/** Attribute values the spans set. */
export type OtelAttributeValue = string | number | boolean;

/** A span's identity. */
export interface OtelSpanContext {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  /** Bit 0: sampled. */
  traceFlags: number;
  /** Whether it came from another process. */
  isRemote?: boolean;
  /** Vendor-specific trace state. */
  traceState?: { serialize(): string };
}

/** A span. */
export interface OtelSpan {
  /** Its identity. */
  spanContext(): OtelSpanContext;
  /** Sets one attribute. */
  setAttribute(key: string, value: OtelAttributeValue): unknown;
  /** Sets the status (`code` 2: error). */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Records an exception event. */
  recordException(exception: Error | string): void;
  /** Ends the span. */
  end(): void;
}

/** Options of a new span. */
export interface OtelSpanOptions {
  /** 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  kind?: number;
  /** Attributes at start (samplers read them). */
  attributes?: Record<string, OtelAttributeValue>;
}

/** A tracer. */
export interface OtelTracer {
  /** Starts a span; `context` gives its parent. */
  startSpan(name: string, options?: OtelSpanOptions, context?: OtelContext): OtelSpan;
}

/** The module `@opentelemetry/api`, as far as the tracing uses it. */
export interface OtelApi {
  /** The trace API. */
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    getSpan(context: OtelContext): OtelSpan | undefined;
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
    setSpanContext(context: OtelContext, spanContext: OtelSpanContext): OtelContext;
  };
  /** The context API. */
  context: {
    active(): OtelContext;
    with<T>(context: OtelContext, fn: () => T): T;
  };
  /** The empty context. */
  ROOT_CONTEXT: OtelContext;
  /** Parses a `tracestate` header value. */
  createTraceState?(raw?: string): { serialize(): string };
}

/** `SpanKind` values used. */
export const OTEL_SPAN_KIND = { internal: 0, server: 1, client: 2, consumer: 4 } as const;
/** `SpanStatusCode.ERROR`. */
export const OTEL_STATUS_ERROR = 2;
