/**
 * Options of the `metrics` and `tracing` module options. Structural types: an app passes its
 * `prom-client` registry or OpenTelemetry tracer provider, and the library's declarations never
 * name the optional peers.
 */

/**
 * A Prometheus registry: `prom-client`'s `Registry` (the default `register`, which
 * `@willsoto/nestjs-prometheus` serves, or one of your own).
 */
export interface ViberMetricsRegistry {
  /** Registers a metric (prom-client's `registerMetric`). */
  registerMetric(metric: object): void;
  /** A registered metric by name (prom-client's `getSingleMetric`). */
  getSingleMetric(name: string): object | undefined;
}

/** Options of Prometheus metrics (`metrics: true` takes every default). */
export interface ViberMetricsOptions {
  /**
   * Registry the `viber_*` metrics are registered with. Default: prom-client's default registry
   * (`register`), the one `@willsoto/nestjs-prometheus` and `register.metrics()` serve. Bots that
   * share a registry share the metrics (label `bot`).
   */
  registry?: ViberMetricsRegistry;
}

/** An OpenTelemetry tracer provider (`@opentelemetry/api`'s `TracerProvider`). */
export interface ViberTracerProvider {
  /** Returns a tracer (the API's `TracerProvider.getTracer`). */
  getTracer(name: string, version?: string): object;
}

/** Options of OpenTelemetry traces (`tracing: true` takes every default). */
export interface ViberTracingOptions {
  /**
   * Where the tracer comes from. Default: the global provider (`trace.getTracer`), the one your
   * OpenTelemetry SDK registers. Without an SDK the API's no-op tracer records nothing.
   */
  tracerProvider?: ViberTracerProvider;
}
