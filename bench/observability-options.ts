/**
 * The module options of the observability variants of the benchmarks: off, `metrics` (a
 * prom-client registry of their own), or `metrics` and `tracing` with the OpenTelemetry SDK
 * recording every span (sdk-trace-base's provider, a batch processor to an exporter that drops
 * them, the AsyncLocalStorage context manager, as an app's SDK setup registers it). The optional
 * peers are loaded only for the variants that use them.
 */
import type { ViberModuleOptions } from 'nestjs-viber';

/** Observability of a nestjs-viber target: off (the default), metrics, or metrics and traces. */
export type Observability = 'off' | 'metrics' | 'traced';

/** The module options that turn observability on, loading the optional peers only when asked. */
export async function observabilityOptions(
  observability: Observability,
): Promise<Pick<ViberModuleOptions, 'metrics' | 'tracing'>> {
  if (observability === 'off') return {};
  const { Registry } = await import('prom-client');
  const metrics = { registry: new Registry() };
  if (observability === 'metrics') return { metrics };
  const { context } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const dropAll = {
    export: (_spans: unknown[], done: (result: { code: number }) => void) => done({ code: 0 }),
    shutdown: () => Promise.resolve(),
  };
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(dropAll)],
  });
  return { metrics, tracing: { tracerProvider } };
}
