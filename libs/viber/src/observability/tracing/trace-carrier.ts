/**
 * W3C Trace Context (`traceparent`, `tracestate`) in a plain object, to carry a trace through a
 * queue job (webhook → worker, broadcast → its chunks). Written here, not through the API's
 * global propagator, so that it works whatever propagator an app registered (or none).
 */
import type { ViberTraceCarrier } from '../viber-instrumentation';
import type { OtelSpanContext } from './otel-api.types';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** The carrier of a span context (undefined for an invalid one). */
export function toTraceCarrier(span: OtelSpanContext): ViberTraceCarrier | undefined {
  if (span.traceId === INVALID_TRACE_ID || span.spanId === INVALID_SPAN_ID) return undefined;
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  const carrier: ViberTraceCarrier = { traceparent: `00-${span.traceId}-${span.spanId}-${flags}` };
  const state = span.traceState?.serialize();
  if (state) carrier.tracestate = state;
  return carrier;
}

/** The remote span context of a carrier (undefined when it has no valid `traceparent`). */
export function fromTraceCarrier(
  carrier: ViberTraceCarrier | undefined,
  parseTraceState?: (raw: string) => { serialize(): string },
): OtelSpanContext | undefined {
  const header = carrier?.traceparent;
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match;
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
  const context: OtelSpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16),
    isRemote: true,
  };
  const state = carrier?.tracestate;
  if (typeof state === 'string' && state !== '' && parseTraceState) {
    context.traceState = parseTraceState(state);
  }
  return context;
}
