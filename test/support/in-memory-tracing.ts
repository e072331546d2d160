import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** A real OpenTelemetry SDK tracer provider whose spans stay in memory, for assertions. */
export interface InMemoryTracing {
  /** Pass it as `tracing: { tracerProvider }`. */
  readonly provider: BasicTracerProvider;
  /** Every ended span so far. */
  spans(): ReadableSpan[];
  /** Forgets the spans so far. */
  reset(): void;
  /** Shuts the provider down and removes the context manager. */
  stop(): Promise<void>;
}

/**
 * Starts an SDK tracer provider (sdk-trace-base) exporting to an `InMemorySpanExporter`, and
 * registers the AsyncLocalStorage context manager, as an app's SDK setup does (without it the
 * API has no active context and no span has a parent).
 */
export function startInMemoryTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    provider,
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async stop() {
      await provider.shutdown();
      context.disable();
    },
  };
}

/** The parent span id of a span ('' for a root span). */
export function parentOf(span: ReadableSpan): string {
  return span.parentSpanContext?.spanId ?? '';
}

/** Prometheus series of one metric as `{ 'label=value,…': value }` (histograms: `_count`). */
export async function seriesOf(
  registry: { getSingleMetric(name: string): unknown },
  name: string,
): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name) as
    | {
        get(): Promise<{
          values: Array<{ labels: Record<string, unknown>; value: number; metricName?: string }>;
        }>;
      }
    | undefined;
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const out: Record<string, number> = {};
  for (const value of values) {
    if (value.metricName !== undefined && !value.metricName.endsWith('_count')) continue;
    const key = Object.entries(value.labels)
      .filter(([label]) => label !== 'le')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, v]) => `${label}=${String(v)}`)
      .join(',');
    out[key] = value.value;
  }
  return out;
}
