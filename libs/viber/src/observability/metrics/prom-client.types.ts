/**
 * The part of `prom-client` (v15) the metrics use, as structural types: the library has no type
 * dependency on the optional peer, so its declarations compile in an app without it. `prom-client`
 * is loaded (and cast to {@link PromClientModule}) only when a bot has the `metrics` option.
 */
import type { ViberMetricsRegistry } from '../viber-observability.options';

/** Label values by label name. */
export type PromLabels = Record<string, string>;

/** A counter. */
export interface PromCounter {
  /** Adds `value` (default 1) to the series of `labels`. */
  inc(labels: PromLabels, value?: number): void;
}

/** A histogram. */
export interface PromHistogram {
  /** Records one observation in the series of `labels`. */
  observe(labels: PromLabels, value: number): void;
}

/** A gauge. */
export interface PromGauge {
  /** Sets the series of `labels`. */
  set(labels: PromLabels, value: number): void;
  /** Drops every series. */
  reset(): void;
}

/** What a metric is created with. */
export interface PromMetricConfig<M> {
  /** Metric name. */
  name: string;
  /** Help text. */
  help: string;
  /** Label names. */
  labelNames: readonly string[];
  /** Registries to register with. */
  registers: ViberMetricsRegistry[];
  /** Histogram buckets (upper bounds). */
  buckets?: readonly number[];
  /** Called before each scrape, with the metric as `this`. */
  collect?: (this: M) => void | Promise<void>;
}

/** The module `prom-client`, as far as the metrics use it. */
export interface PromClientModule {
  /** Counter class. */
  Counter: new (config: PromMetricConfig<PromCounter>) => PromCounter;
  /** Histogram class. */
  Histogram: new (config: PromMetricConfig<PromHistogram>) => PromHistogram;
  /** Gauge class. */
  Gauge: new (config: PromMetricConfig<PromGauge>) => PromGauge;
  /** The default (global) registry. */
  register: ViberMetricsRegistry;
}
