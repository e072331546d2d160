import type { ResolvedViberOptions } from '../viber-options.resolver';
import { ViberMetrics } from './metrics/viber-metrics';
import { loadOpenTelemetryApi, loadPromClient } from './optional-peer.loader';
import { ViberTracing } from './tracing/viber-tracing';
import { NOOP_INSTRUMENTATION, type ViberInstrumentation } from './viber-instrumentation';
import { ViberTelemetry } from './viber-telemetry';

/** The loaders (replaceable in tests). */
export interface OptionalPeerLoaders {
  promClient: typeof loadPromClient;
  openTelemetryApi: typeof loadOpenTelemetryApi;
}

const LOADERS: OptionalPeerLoaders = {
  promClient: loadPromClient,
  openTelemetryApi: loadOpenTelemetryApi,
};

/**
 * A bot's instrumentation: the no-op without `metrics` and `tracing` (nothing loaded), else
 * metrics on `prom-client` and/or spans on `@opentelemetry/api`, each loaded here, only when on.
 */
export async function createViberInstrumentation(
  options: ResolvedViberOptions,
  loaders: OptionalPeerLoaders = LOADERS,
): Promise<ViberInstrumentation> {
  const { metrics, tracing } = options;
  if (!metrics && !tracing) return NOOP_INSTRUMENTATION;
  let botMetrics;
  if (metrics) {
    const prom = await loaders.promClient(options.name);
    botMetrics = ViberMetrics.of(prom, metrics.registry ?? prom.register).forBot(options.name);
  }
  let spans;
  if (tracing) {
    const api = await loaders.openTelemetryApi(options.name);
    spans = new ViberTracing(api, tracing.tracerProvider, options.name);
  }
  return new ViberTelemetry(botMetrics, spans);
}
