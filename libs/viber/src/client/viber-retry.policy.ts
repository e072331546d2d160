import { ViberApiError } from '../errors/viber-api.error';
import {
  ViberHttpError,
  ViberNetworkError,
  ViberTimeoutError,
} from '../errors/viber-transport.error';
import type { ViberEndpoint } from '../types/api.types';
import { ViberStatus } from '../types/viber-status.enum';
import { VIBER_DEFAULT_RETRY } from '../viber.defaults';

/** When and how often a failed request is tried again. */
export interface ViberRetryOptions {
  /** Attempts in all, the first included. Default 4; 1 turns retries off. */
  maxAttempts?: number;
  /** First backoff step in ms (doubled each attempt, with full jitter). Default 250. */
  baseDelayMs?: number;
  /** Largest single wait in ms. Default 8000. */
  maxDelayMs?: number;
  /** No retry starts once this many ms passed since the first attempt. Default 30 000. */
  maxTotalMs?: number;
}

/** The retry settings with defaults applied. */
export interface ResolvedViberRetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxTotalMs: number;
}

/** Endpoints that change nothing on Viber's side when repeated: a timeout may be retried. */
const IDEMPOTENT_ENDPOINTS: ReadonlySet<ViberEndpoint> = new Set([
  'get_account_info',
  'get_user_details',
  'get_online',
  'set_webhook',
]);

/** Applies the defaults. */
export function resolveRetryPolicy(
  options: ViberRetryOptions | false | undefined,
): ResolvedViberRetryPolicy {
  if (options === false) return { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxTotalMs: 0 };
  return {
    maxAttempts: Math.max(1, Math.floor(options?.maxAttempts ?? VIBER_DEFAULT_RETRY.maxAttempts)),
    baseDelayMs: Math.max(0, options?.baseDelayMs ?? VIBER_DEFAULT_RETRY.baseDelayMs),
    maxDelayMs: Math.max(0, options?.maxDelayMs ?? VIBER_DEFAULT_RETRY.maxDelayMs),
    maxTotalMs: Math.max(0, options?.maxTotalMs ?? VIBER_DEFAULT_RETRY.maxTotalMs),
  };
}

/**
 * Whether a failure is worth another attempt: Viber's rate limiting (status 12), HTTP 5xx/429,
 * and network failures or timeouts that prove the request never reached Viber (connection
 * refused, DNS failure, reset before the body was written). A request that left but got no
 * answer (`outcomeUnknown`: a timeout or a reset after the body was written) is retried only on
 * endpoints that can be repeated safely, since a send may already have been delivered. Errors
 * that will repeat (bad token, bad data, not subscribed, HTTP 4xx, malformed answers) are never
 * retried.
 */
export function isRetryableFailure(error: unknown, endpoint: ViberEndpoint): boolean {
  if (error instanceof ViberApiError) return error.status === ViberStatus.tooManyRequests;
  if (error instanceof ViberHttpError) return error.retryable;
  if (error instanceof ViberNetworkError || error instanceof ViberTimeoutError) {
    return !error.outcomeUnknown || IDEMPOTENT_ENDPOINTS.has(endpoint);
  }
  return false;
}

/** The wait before attempt `attempt + 1` (attempt counts from 1): exponential with full jitter. */
export function backoffDelay(
  policy: ResolvedViberRetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}
