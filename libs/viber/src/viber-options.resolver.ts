import type { Type } from '@nestjs/common';
import type { ViberDedupeStore } from './dedupe/viber-dedupe.store';
import type { ViberRateLimits } from './client/viber-rate-limiter';
import type { ViberRetryOptions } from './client/viber-retry.policy';
import type { ViberSubscriberStore } from './subscribers/viber-subscriber.store';
import { VIBER_WEBHOOK_EVENT_TYPES, type ViberWebhookEventType } from './types/api.types';
import type { ViberSender } from './types/message.types';
import type {
  ViberMetricsRegistry,
  ViberTracerProvider,
} from './observability/viber-observability.options';
import { ViberOptionsError } from './errors/viber-options.error';
import {
  VIBER_DEFAULT_API_URL,
  VIBER_DEFAULT_BODY_TIMEOUT_MS,
  VIBER_DEFAULT_DEADLINE_MS,
  VIBER_DEFAULT_DEDUPE_EVENTS,
  VIBER_DEFAULT_DEDUPE_TTL_MS,
  VIBER_DEFAULT_ERROR_STATUS,
  VIBER_DEFAULT_MAX_BODY_BYTES,
  VIBER_DEFAULT_SHUTDOWN_TIMEOUT_MS,
  VIBER_DEFAULT_TIMEOUT_MS,
  VIBER_DEFAULT_WEBHOOK_PATH,
} from './viber.defaults';
import type { ViberModuleOptions } from './viber-module.options';

/** A bot's options with every default applied, checked at startup. */
export interface ResolvedViberOptions {
  readonly name: string;
  readonly token: string;
  readonly sender?: ViberSender;
  readonly apiUrl: string;
  readonly timeout: number;
  readonly include?: Type<unknown>[];
  readonly validateMessages: boolean;
  readonly retry?: ViberRetryOptions | false;
  readonly rateLimits?: ViberRateLimits;
  readonly subscribers: { readonly record: boolean; readonly store?: ViberSubscriberStore };
  readonly webhook: {
    readonly path: string;
    readonly url?: string;
    readonly eventTypes?: ViberWebhookEventType[];
    readonly sendName?: boolean;
    readonly sendPhoto?: boolean;
    readonly autoSet: boolean;
    readonly onSetWebhookError: 'log' | 'throw';
    readonly maxBodyBytes: number;
    readonly bodyTimeoutMs: number;
    readonly routeMetadata: ReadonlyArray<readonly [string | symbol, unknown]>;
    readonly routeMetadataOnHandlers: boolean;
  };
  /** Metrics settings when `metrics` is on. */
  readonly metrics?: { readonly registry?: ViberMetricsRegistry };
  /** Tracing settings when `tracing` is on. */
  readonly tracing?: { readonly tracerProvider?: ViberTracerProvider };
  readonly handling: {
    readonly deadlineMs: number;
    readonly errorStatus: number;
    readonly dedupeEvents: ReadonlySet<string>;
    readonly dedupeTtlMs: number;
    readonly dedupeStore?: ViberDedupeStore;
    readonly shutdownTimeoutMs: number;
  };
}

const EVENT_TYPES: ReadonlySet<string> = new Set(VIBER_WEBHOOK_EVENT_TYPES);

function positiveInteger(name: string, option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw ViberOptionsError.forBot(
      name,
      option,
      `must be a positive integer (got ${String(value)})`,
    );
  }
  return value;
}

/** The entries of `webhook.routeMetadata` (symbol keys included). */
function routeMetadataOf(
  name: string,
  metadata: Record<string | symbol, unknown> | undefined,
): Array<readonly [string | symbol, unknown]> {
  if (metadata === undefined) return [];
  if (metadata === null || typeof metadata !== 'object') {
    throw ViberOptionsError.forBot(
      name,
      'webhook.routeMetadata',
      'must be an object of metadata keys and values, e.g. { isPublic: true }',
    );
  }
  return Reflect.ownKeys(metadata).map((key) => [key, metadata[key]] as const);
}

/** `metrics`: off, or its registry (checked to be a prom-client registry). */
function metricsOf(
  name: string,
  metrics: ViberModuleOptions['metrics'],
): ResolvedViberOptions['metrics'] {
  if (metrics === undefined || metrics === false) return undefined;
  if (metrics === true) return {};
  if (metrics === null || typeof metrics !== 'object') {
    throw ViberOptionsError.forBot(name, 'metrics', 'must be true, false or { registry? }');
  }
  const { registry } = metrics;
  if (
    registry !== undefined &&
    (registry === null ||
      typeof registry !== 'object' ||
      typeof registry.registerMetric !== 'function' ||
      typeof registry.getSingleMetric !== 'function')
  ) {
    throw ViberOptionsError.forBot(
      name,
      'metrics.registry',
      "must be a prom-client Registry (with registerMetric and getSingleMetric), e.g. new Registry() from 'prom-client'",
    );
  }
  return { registry };
}

/** `tracing`: off, or its tracer provider (checked to have getTracer). */
function tracingOf(
  name: string,
  tracing: ViberModuleOptions['tracing'],
): ResolvedViberOptions['tracing'] {
  if (tracing === undefined || tracing === false) return undefined;
  if (tracing === true) return {};
  if (tracing === null || typeof tracing !== 'object') {
    throw ViberOptionsError.forBot(name, 'tracing', 'must be true, false or { tracerProvider? }');
  }
  const { tracerProvider } = tracing;
  if (
    tracerProvider !== undefined &&
    (tracerProvider === null ||
      typeof tracerProvider !== 'object' ||
      typeof tracerProvider.getTracer !== 'function')
  ) {
    throw ViberOptionsError.forBot(
      name,
      'tracing.tracerProvider',
      'must be an OpenTelemetry TracerProvider (with getTracer)',
    );
  }
  return { tracerProvider };
}

/** Normalizes a route: leading slash, no trailing slash. */
export function normalizeWebhookPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed || '/' : `/${trimmed}`;
}

/**
 * Applies defaults and checks a bot's options. Throws {@link ViberOptionsError} naming the
 * option (`token`, `webhook.path`, …), which stops the app at startup.
 */
export function resolveViberOptions(
  options: ViberModuleOptions | undefined,
  name: string,
): ResolvedViberOptions {
  if (options === null || typeof options !== 'object') {
    throw ViberOptionsError.forBot(name, 'options', 'must be an object with at least a token');
  }
  const { token } = options;
  if (typeof token !== 'string' || token.trim().length === 0) {
    throw ViberOptionsError.forBot(
      name,
      'token',
      'is required: the bot auth token from the Viber admin panel',
    );
  }
  const webhook = options.webhook ?? {};
  const rawPath = webhook.path ?? VIBER_DEFAULT_WEBHOOK_PATH;
  if (
    typeof rawPath !== 'string' ||
    !/^\/?[A-Za-z0-9\-._~/]*$/.test(rawPath) ||
    rawPath.includes('//')
  ) {
    throw ViberOptionsError.forBot(
      name,
      'webhook.path',
      `must be a route such as "/viber/webhook" (letters, digits, - . _ ~ and /; no query, no parameters); got ${JSON.stringify(rawPath)}`,
    );
  }
  if (webhook.url !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(webhook.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw ViberOptionsError.forBot(
        name,
        'webhook.url',
        `must be an absolute https URL; got ${JSON.stringify(webhook.url)}`,
      );
    }
  }
  for (const eventType of webhook.eventTypes ?? []) {
    if (!EVENT_TYPES.has(eventType)) {
      throw ViberOptionsError.forBot(
        name,
        'webhook.eventTypes',
        `has an unknown event "${String(eventType)}"; allowed: ${[...EVENT_TYPES].join(', ')}`,
      );
    }
  }
  if (options.sender !== undefined) {
    if (
      typeof options.sender?.name !== 'string' ||
      options.sender.name.length === 0 ||
      options.sender.name.length > 28
    ) {
      throw ViberOptionsError.forBot(name, 'sender.name', 'must be 1..28 characters');
    }
  }
  const apiUrl = options.apiUrl ?? VIBER_DEFAULT_API_URL;
  try {
    new URL(apiUrl);
  } catch {
    throw ViberOptionsError.forBot(
      name,
      'apiUrl',
      `must be an absolute URL; got ${JSON.stringify(apiUrl)}`,
    );
  }
  const handling = options.handling ?? {};
  const errorStatus = handling.errorStatus ?? VIBER_DEFAULT_ERROR_STATUS;
  if (!Number.isInteger(errorStatus) || errorStatus < 200 || errorStatus > 599) {
    throw ViberOptionsError.forBot(
      name,
      'handling.errorStatus',
      'must be an HTTP status code 200..599',
    );
  }
  return {
    name,
    token,
    sender: options.sender,
    apiUrl,
    timeout: positiveInteger(name, 'timeout', options.timeout, VIBER_DEFAULT_TIMEOUT_MS),
    include: options.include,
    validateMessages: options.validateMessages ?? true,
    retry: options.retry,
    rateLimits: options.rateLimits,
    subscribers: { record: options.subscribers?.record ?? true, store: options.subscribers?.store },
    metrics: metricsOf(name, options.metrics),
    tracing: tracingOf(name, options.tracing),
    webhook: {
      path: normalizeWebhookPath(rawPath),
      url: webhook.url,
      eventTypes: webhook.eventTypes,
      sendName: webhook.sendName,
      sendPhoto: webhook.sendPhoto,
      autoSet: webhook.autoSet ?? true,
      onSetWebhookError: webhook.onSetWebhookError ?? 'log',
      maxBodyBytes: positiveInteger(
        name,
        'webhook.maxBodyBytes',
        webhook.maxBodyBytes,
        VIBER_DEFAULT_MAX_BODY_BYTES,
      ),
      routeMetadata: routeMetadataOf(name, webhook.routeMetadata),
      routeMetadataOnHandlers: webhook.routeMetadataOnHandlers ?? true,
      bodyTimeoutMs: positiveInteger(
        name,
        'webhook.bodyTimeoutMs',
        webhook.bodyTimeoutMs,
        VIBER_DEFAULT_BODY_TIMEOUT_MS,
      ),
    },
    handling: {
      deadlineMs: positiveInteger(
        name,
        'handling.deadlineMs',
        handling.deadlineMs,
        VIBER_DEFAULT_DEADLINE_MS,
      ),
      errorStatus,
      dedupeEvents: new Set(handling.dedupeEvents ?? VIBER_DEFAULT_DEDUPE_EVENTS),
      dedupeTtlMs: positiveInteger(
        name,
        'handling.dedupeTtlMs',
        handling.dedupeTtlMs,
        VIBER_DEFAULT_DEDUPE_TTL_MS,
      ),
      dedupeStore: handling.dedupeStore,
      shutdownTimeoutMs: positiveInteger(
        name,
        'handling.shutdownTimeoutMs',
        handling.shutdownTimeoutMs,
        VIBER_DEFAULT_SHUTDOWN_TIMEOUT_MS,
      ),
    },
  };
}
