import {
  VIBER_DEFAULT_DURATION_BUCKETS,
  VIBER_DEFAULT_RATE_LIMIT_WAIT_BUCKETS,
  VIBER_DEFAULT_SCRAPE_QUEUE_TIMEOUT_MS,
} from '../../viber.defaults';
import type { ViberMetricsRegistry } from '../viber-observability.options';
import type {
  ViberBroadcastReceiverResult,
  ViberCallbackOutcome,
  ViberInstrumentedBot,
} from '../viber-instrumentation';
import { viberQueueStatsOf, type ViberQueueStats } from '../viber-queue-stats';
import { within } from '../within';
import type {
  PromClientModule,
  PromCounter,
  PromGauge,
  PromHistogram,
  PromLabels,
  PromMetricConfig,
} from './prom-client.types';

/**
 * Every metric the library registers: name, help, labels. Names follow Prometheus' rules
 * (`viber_` prefix, base unit seconds, `_total` on counters); no label holds a user id, a token
 * or a message text: their values come from fixed sets (event names, outcomes, endpoints, Viber
 * status names, handler `Class.method` names, queue names).
 */
export const VIBER_METRICS = {
  callbacks: {
    name: 'viber_callbacks_total',
    help: 'Webhook requests by event and outcome (handled, error, duplicate, queued, ignored, invalid, rejected_signature, rejected_body, unavailable).',
    labelNames: ['bot', 'event', 'outcome'],
  },
  callbackDuration: {
    name: 'viber_callback_duration_seconds',
    help: 'Time from the start of a callback (dedupe) to the end of its last handler, for callbacks whose handlers ran (in a queue worker: from the start of its run).',
    labelNames: ['bot', 'event'],
  },
  deadlineExceeded: {
    name: 'viber_callback_deadline_exceeded_total',
    help: 'Callbacks answered at handling.deadlineMs while their handlers still ran.',
    labelNames: ['bot', 'event'],
  },
  callbacksInFlight: {
    name: 'viber_callbacks_in_flight',
    help: 'Callbacks whose handlers are running.',
    labelNames: ['bot'],
  },
  handlerDuration: {
    name: 'viber_handler_duration_seconds',
    help: 'Run time of one handler (Class.method), its returned reply included, by outcome (ok, error).',
    labelNames: ['bot', 'handler', 'outcome'],
  },
  apiRequests: {
    name: 'viber_api_requests_total',
    help: 'HTTP requests to the Viber API (each retry counts) by endpoint and status (ok, a Viber status name, http_<code>, timeout, network_error, bad_response, aborted).',
    labelNames: ['bot', 'endpoint', 'status'],
  },
  apiDuration: {
    name: 'viber_api_request_duration_seconds',
    help: 'Duration of one HTTP request to the Viber API (after its rate-limit wait).',
    labelNames: ['bot', 'endpoint'],
  },
  apiRetries: {
    name: 'viber_api_retries_total',
    help: 'Failed Viber API requests that were retried.',
    labelNames: ['bot', 'endpoint'],
  },
  apiInFlight: {
    name: 'viber_api_requests_in_flight',
    help: 'Viber API requests on the wire.',
    labelNames: ['bot'],
  },
  rateLimitWait: {
    name: 'viber_rate_limit_wait_seconds',
    help: 'Time a request of a rate-limited endpoint waited for the client-side rate limiter.',
    labelNames: ['bot', 'endpoint'],
  },
  broadcastReceivers: {
    name: 'viber_broadcast_receivers_total',
    help: 'Broadcast receivers by result (sent, failed, uncertain, not_sent).',
    labelNames: ['bot', 'result'],
  },
  queueJobs: {
    name: 'viber_queue_jobs',
    help: 'Jobs in a bot queue by state (waiting, active, delayed, failed).',
    labelNames: ['bot', 'queue', 'state'],
  },
  queuePaused: {
    name: 'viber_queue_paused',
    help: '1 while a bot queue is paused, by reason (rate_limit, manual).',
    labelNames: ['bot', 'queue', 'reason'],
  },
} as const;

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** How long one scrape reuses a bot's queue figures (both queue gauges read them). */
const QUEUE_STATS_REUSE_MS = 1000;

/**
 * The `viber_*` metrics of one registry, created once and shared by every bot using that
 * registry (label `bot`). Gauges are read from the attached bots at scrape time.
 * @internal
 */
export class ViberMetrics {
  private static readonly byRegistry = new WeakMap<ViberMetricsRegistry, ViberMetrics>();

  /** The metrics of a registry, created and registered on first use. */
  static of(prom: PromClientModule, registry: ViberMetricsRegistry): ViberMetrics {
    let metrics = ViberMetrics.byRegistry.get(registry);
    if (!metrics) {
      metrics = new ViberMetrics(prom, registry);
      ViberMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  readonly callbacks: PromCounter;
  readonly callbackDuration: PromHistogram;
  readonly deadlineExceeded: PromCounter;
  readonly handlerDuration: PromHistogram;
  readonly apiRequests: PromCounter;
  readonly apiDuration: PromHistogram;
  readonly apiRetries: PromCounter;
  readonly rateLimitWait: PromHistogram;
  readonly broadcastReceivers: PromCounter;
  private readonly bots = new Set<ViberInstrumentedBot>();
  private readonly queueReads = new WeakMap<
    ViberInstrumentedBot,
    { at: number; stats: Promise<readonly ViberQueueStats[] | undefined> }
  >();

  private constructor(prom: PromClientModule, registry: ViberMetricsRegistry) {
    const registers = [registry];
    // A registry that already has the metric (another copy of the library) keeps it.
    const make = <M>(
      Kind: new (config: PromMetricConfig<M>) => M,
      config: Omit<PromMetricConfig<M>, 'registers'>,
    ): M =>
      (registry.getSingleMetric(config.name) as M | undefined) ??
      new Kind({ ...config, registers });
    const bots = this.bots;
    this.callbacks = make(prom.Counter, VIBER_METRICS.callbacks);
    this.callbackDuration = make(prom.Histogram, {
      ...VIBER_METRICS.callbackDuration,
      buckets: VIBER_DEFAULT_DURATION_BUCKETS,
    });
    this.deadlineExceeded = make(prom.Counter, VIBER_METRICS.deadlineExceeded);
    this.handlerDuration = make(prom.Histogram, {
      ...VIBER_METRICS.handlerDuration,
      buckets: VIBER_DEFAULT_DURATION_BUCKETS,
    });
    this.apiRequests = make(prom.Counter, VIBER_METRICS.apiRequests);
    this.apiDuration = make(prom.Histogram, {
      ...VIBER_METRICS.apiDuration,
      buckets: VIBER_DEFAULT_DURATION_BUCKETS,
    });
    this.apiRetries = make(prom.Counter, VIBER_METRICS.apiRetries);
    this.rateLimitWait = make(prom.Histogram, {
      ...VIBER_METRICS.rateLimitWait,
      buckets: VIBER_DEFAULT_RATE_LIMIT_WAIT_BUCKETS,
    });
    this.broadcastReceivers = make(prom.Counter, VIBER_METRICS.broadcastReceivers);
    make(prom.Gauge, {
      ...VIBER_METRICS.callbacksInFlight,
      collect(this: PromGauge) {
        this.reset();
        for (const bot of bots) this.set({ bot: bot.name }, bot.pending);
      },
    });
    make(prom.Gauge, {
      ...VIBER_METRICS.apiInFlight,
      collect(this: PromGauge) {
        this.reset();
        for (const bot of bots) this.set({ bot: bot.name }, bot.client.requestsInFlight);
      },
    });
    const queueStats = (bot: ViberInstrumentedBot) => this.queueStats(bot);
    make(prom.Gauge, {
      ...VIBER_METRICS.queueJobs,
      async collect(this: PromGauge) {
        const read = await Promise.all([...bots].map(async (bot) => [bot, await queueStats(bot)]));
        this.reset();
        for (const [bot, stats] of read as Array<[ViberInstrumentedBot, ViberQueueStats[]]>) {
          for (const queue of stats ?? []) {
            for (const state of QUEUE_STATES) {
              this.set({ bot: bot.name, queue: queue.queue, state }, queue[state]);
            }
          }
        }
      },
    });
    make(prom.Gauge, {
      ...VIBER_METRICS.queuePaused,
      async collect(this: PromGauge) {
        const read = await Promise.all([...bots].map(async (bot) => [bot, await queueStats(bot)]));
        this.reset();
        for (const [bot, stats] of read as Array<[ViberInstrumentedBot, ViberQueueStats[]]>) {
          for (const queue of stats ?? []) {
            for (const reason of ['rate_limit', 'manual'] as const) {
              this.set(
                { bot: bot.name, queue: queue.queue, reason },
                queue.paused === reason ? 1 : 0,
              );
            }
          }
        }
      },
    });
  }

  /** Adds a bot to the gauges. */
  attach(bot: ViberInstrumentedBot): void {
    this.bots.add(bot);
  }

  /** Removes a bot from the gauges (its app closed). */
  detach(bot: ViberInstrumentedBot): void {
    this.bots.delete(bot);
  }

  /** The metrics of one bot, its label values bound. */
  forBot(name: string): ViberBotMetrics {
    return new ViberBotMetrics(this, name);
  }

  /** A bot's queue figures for this scrape (none without a queue, or when it does not answer). */
  private queueStats(bot: ViberInstrumentedBot): Promise<readonly ViberQueueStats[] | undefined> {
    const source = viberQueueStatsOf(bot);
    if (!source) return Promise.resolve(undefined);
    const now = Date.now();
    const cached = this.queueReads.get(bot);
    if (cached && now - cached.at < QUEUE_STATS_REUSE_MS) return cached.stats;
    const stats = within(
      source.queueStats(),
      VIBER_DEFAULT_SCRAPE_QUEUE_TIMEOUT_MS,
      'queue figures',
    ).catch(() => undefined);
    this.queueReads.set(bot, { at: now, stats });
    return stats;
  }
}

/**
 * One bot's view of the metrics: label objects are built once per combination and kept in maps
 * by label value, so a recording allocates nothing and builds no key.
 * @internal
 */
export class ViberBotMetrics {
  private readonly callbacks = new Map<string, Map<string, PromLabels>>();
  private readonly events = new Map<string, PromLabels>();
  private readonly handlers = new Map<string, Map<string, PromLabels>>();
  private readonly statuses = new Map<string, Map<string, PromLabels>>();
  private readonly endpoints = new Map<string, PromLabels>();
  private readonly results = new Map<string, PromLabels>();

  constructor(
    /** The shared metrics. */
    readonly metrics: ViberMetrics,
    private readonly bot: string,
  ) {}

  /** One webhook request and its outcome. */
  callback(event: string, outcome: ViberCallbackOutcome): void {
    this.metrics.callbacks.inc(this.pair(this.callbacks, event, outcome, 'event', 'outcome'));
  }

  /** A callback's handlers ended after `seconds`. */
  callbackDuration(event: string, seconds: number): void {
    this.metrics.callbackDuration.observe(this.one(this.events, event, 'event'), seconds);
  }

  /** A callback was answered at the deadline. */
  deadlineExceeded(event: string): void {
    this.metrics.deadlineExceeded.inc(this.one(this.events, event, 'event'));
  }

  /** A handler ended. */
  handler(name: string, outcome: 'ok' | 'error', seconds: number): void {
    this.metrics.handlerDuration.observe(
      this.pair(this.handlers, name, outcome, 'handler', 'outcome'),
      seconds,
    );
  }

  /** An API request ended. */
  apiRequest(endpoint: string, status: string, seconds: number): void {
    this.metrics.apiRequests.inc(this.pair(this.statuses, endpoint, status, 'endpoint', 'status'));
    this.metrics.apiDuration.observe(this.one(this.endpoints, endpoint, 'endpoint'), seconds);
  }

  /** A request will be retried. */
  apiRetried(endpoint: string): void {
    this.metrics.apiRetries.inc(this.one(this.endpoints, endpoint, 'endpoint'));
  }

  /** A rate-limit wait. */
  rateLimitWaited(endpoint: string, seconds: number): void {
    this.metrics.rateLimitWait.observe(this.one(this.endpoints, endpoint, 'endpoint'), seconds);
  }

  /** Broadcast receivers settled. */
  broadcastReceivers(result: ViberBroadcastReceiverResult, count: number): void {
    if (count > 0) {
      this.metrics.broadcastReceivers.inc(this.one(this.results, result, 'result'), count);
    }
  }

  /** `{ bot, [name]: value }`, built once. */
  private one(cache: Map<string, PromLabels>, value: string, name: string): PromLabels {
    let labels = cache.get(value);
    if (!labels) {
      labels = { bot: this.bot, [name]: value };
      cache.set(value, labels);
    }
    return labels;
  }

  /** `{ bot, [first]: a, [second]: b }`, built once. */
  private pair(
    cache: Map<string, Map<string, PromLabels>>,
    a: string,
    b: string,
    first: string,
    second: string,
  ): PromLabels {
    let byB = cache.get(a);
    if (!byB) {
      byB = new Map();
      cache.set(a, byB);
    }
    let labels = byB.get(b);
    if (!labels) {
      labels = { bot: this.bot, [first]: a, [second]: b };
      byB.set(b, labels);
    }
    return labels;
  }
}
