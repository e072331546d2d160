/**
 * Loads the optional peers, each only when an option asks for it: an app without `metrics`,
 * `tracing` or a health check never reaches these, so it runs (and stays silent) without them.
 * The specifiers are literal so that bundlers see them.
 */
import { ViberOptionsError } from '../errors/viber-options.error';
import { ViberUsageError } from '../errors/viber-usage.error';
import type { PromClientModule } from './metrics/prom-client.types';
import type { OtelApi } from './tracing/otel-api.types';

/** What a missing peer's error says. */
function missing(pkg: string, error: unknown): string {
  return `needs the optional peer dependency ${pkg}: npm i ${pkg} (${error instanceof Error ? error.message : String(error)})`;
}

/** Loads `prom-client` for a bot's `metrics` option. */
export async function loadPromClient(botName: string): Promise<PromClientModule> {
  try {
    return (await import('prom-client')) as unknown as PromClientModule;
  } catch (error) {
    throw ViberOptionsError.forBot(botName, 'metrics', missing('prom-client', error));
  }
}

/** Loads `@opentelemetry/api` for a bot's `tracing` option. */
export async function loadOpenTelemetryApi(botName: string): Promise<OtelApi> {
  try {
    return (await import('@opentelemetry/api')) as unknown as OtelApi;
  } catch (error) {
    throw ViberOptionsError.forBot(botName, 'tracing', missing('@opentelemetry/api', error));
  }
}

/** Terminus' `HealthIndicatorService`, as far as the health indicator uses it. */
export interface TerminusIndicatorService {
  /** Starts a check of `key`: `up(data)` / `down(data)` build its result. */
  check(key: string): {
    up(data?: Record<string, unknown>): Record<string, unknown>;
    down(data?: Record<string, unknown>): Record<string, unknown>;
  };
}

/** Loads `@nestjs/terminus` (11+) and returns a `HealthIndicatorService`. */
export async function loadTerminusIndicatorService(): Promise<TerminusIndicatorService> {
  let terminus: { HealthIndicatorService?: new () => TerminusIndicatorService };
  try {
    terminus = (await import('@nestjs/terminus')) as unknown as typeof terminus;
  } catch (error) {
    throw new ViberUsageError(`ViberHealthIndicator ${missing('@nestjs/terminus', error)}`);
  }
  if (typeof terminus.HealthIndicatorService !== 'function') {
    throw new ViberUsageError(
      'ViberHealthIndicator needs @nestjs/terminus 11 or later (HealthIndicatorService): npm i @nestjs/terminus@latest',
    );
  }
  return new terminus.HealthIndicatorService();
}
