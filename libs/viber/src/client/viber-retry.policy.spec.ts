import { ViberApiError } from '../errors/viber-api.error';
import {
  ViberAbortedError,
  ViberHttpError,
  ViberNetworkError,
  ViberResponseParseError,
  ViberTimeoutError,
} from '../errors/viber-transport.error';
import type { ViberEndpoint } from '../types/api.types';
import { ViberStatus } from '../types/viber-status.enum';
import { VIBER_DEFAULT_RETRY } from '../viber.defaults';
import { backoffDelay, isRetryableFailure, resolveRetryPolicy } from './viber-retry.policy';

const ALL_ENDPOINTS: ViberEndpoint[] = [
  'set_webhook',
  'send_message',
  'broadcast_message',
  'get_account_info',
  'get_user_details',
  'get_online',
  'post',
];
const IDEMPOTENT: ViberEndpoint[] = [
  'get_account_info',
  'get_user_details',
  'get_online',
  'set_webhook',
];
const SENDS: ViberEndpoint[] = ['send_message', 'broadcast_message', 'post'];

describe('resolveRetryPolicy', () => {
  it('applies the defaults', () => {
    expect(resolveRetryPolicy(undefined)).toEqual({ ...VIBER_DEFAULT_RETRY });
    expect(resolveRetryPolicy({})).toEqual({
      maxAttempts: 4,
      baseDelayMs: 250,
      maxDelayMs: 8000,
      maxTotalMs: 30_000,
    });
  });

  it('false turns retries off: one attempt, no waits', () => {
    expect(resolveRetryPolicy(false)).toEqual({
      maxAttempts: 1,
      baseDelayMs: 0,
      maxDelayMs: 0,
      maxTotalMs: 0,
    });
  });

  it('keeps given values, each on its own', () => {
    expect(
      resolveRetryPolicy({ maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxTotalMs: 30 }),
    ).toEqual({ maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxTotalMs: 30 });
    expect(resolveRetryPolicy({ maxAttempts: 7 })).toEqual({
      ...VIBER_DEFAULT_RETRY,
      maxAttempts: 7,
    });
    expect(resolveRetryPolicy({ baseDelayMs: 1 })).toEqual({
      ...VIBER_DEFAULT_RETRY,
      baseDelayMs: 1,
    });
    expect(resolveRetryPolicy({ maxDelayMs: 2 })).toEqual({
      ...VIBER_DEFAULT_RETRY,
      maxDelayMs: 2,
    });
    expect(resolveRetryPolicy({ maxTotalMs: 3 })).toEqual({
      ...VIBER_DEFAULT_RETRY,
      maxTotalMs: 3,
    });
  });

  it('floors attempts to a whole number of at least 1, and waits to at least 0', () => {
    expect(resolveRetryPolicy({ maxAttempts: 2.9 }).maxAttempts).toBe(2);
    expect(resolveRetryPolicy({ maxAttempts: 0 }).maxAttempts).toBe(1);
    expect(resolveRetryPolicy({ maxAttempts: -5 }).maxAttempts).toBe(1);
    expect(resolveRetryPolicy({ maxAttempts: 1 }).maxAttempts).toBe(1);
    expect(resolveRetryPolicy({ baseDelayMs: -1, maxDelayMs: -2, maxTotalMs: -3 })).toMatchObject({
      baseDelayMs: 0,
      maxDelayMs: 0,
      maxTotalMs: 0,
    });
    expect(resolveRetryPolicy({ baseDelayMs: 0, maxDelayMs: 0, maxTotalMs: 0 })).toMatchObject({
      baseDelayMs: 0,
      maxDelayMs: 0,
      maxTotalMs: 0,
    });
  });
});

describe('isRetryableFailure', () => {
  const apiError = (status: number): ViberApiError =>
    new ViberApiError({ status, endpoint: 'send_message' });

  it('retries Viber rate limiting (status 12) and no other Viber status', () => {
    for (const endpoint of ALL_ENDPOINTS) {
      expect(isRetryableFailure(apiError(ViberStatus.tooManyRequests), endpoint)).toBe(true);
      for (const status of [1, 2, 3, 5, 6, 10, 11, 13, 999]) {
        expect(isRetryableFailure(apiError(status), endpoint)).toBe(false);
      }
    }
  });

  it('retries HTTP 5xx and 429, not other 4xx', () => {
    for (const endpoint of ALL_ENDPOINTS) {
      for (const status of [500, 502, 503, 599, 429]) {
        expect(isRetryableFailure(new ViberHttpError(endpoint, status, ''), endpoint)).toBe(true);
      }
      for (const status of [400, 401, 403, 404, 413, 499]) {
        expect(isRetryableFailure(new ViberHttpError(endpoint, status, ''), endpoint)).toBe(false);
      }
    }
  });

  it('retries a network failure or timeout that provably never reached Viber, on any endpoint', () => {
    for (const endpoint of ALL_ENDPOINTS) {
      expect(
        isRetryableFailure(new ViberNetworkError(endpoint, 'ECONNREFUSED', 'refused'), endpoint),
      ).toBe(true);
      expect(isRetryableFailure(new ViberTimeoutError(endpoint, 100, false), endpoint)).toBe(true);
    }
  });

  it('retries a request that left without an answer only on endpoints safe to repeat', () => {
    for (const endpoint of IDEMPOTENT) {
      expect(
        isRetryableFailure(new ViberNetworkError(endpoint, 'ECONNRESET', 'reset', true), endpoint),
      ).toBe(true);
      expect(isRetryableFailure(new ViberTimeoutError(endpoint, 100, true), endpoint)).toBe(true);
    }
    for (const endpoint of SENDS) {
      expect(
        isRetryableFailure(new ViberNetworkError(endpoint, 'ECONNRESET', 'reset', true), endpoint),
      ).toBe(false);
      expect(isRetryableFailure(new ViberTimeoutError(endpoint, 100, true), endpoint)).toBe(false);
    }
  });

  it('never retries a malformed answer, an abort or an unknown error', () => {
    for (const endpoint of ALL_ENDPOINTS) {
      for (const reason of ['empty body', 'not JSON', 'no status'] as const) {
        expect(
          isRetryableFailure(new ViberResponseParseError(endpoint, 200, reason, ''), endpoint),
        ).toBe(false);
      }
      expect(isRetryableFailure(new ViberAbortedError(endpoint), endpoint)).toBe(false);
      expect(isRetryableFailure(new ViberAbortedError(endpoint, true), endpoint)).toBe(false);
      expect(isRetryableFailure(new Error('boom'), endpoint)).toBe(false);
      expect(isRetryableFailure(undefined, endpoint)).toBe(false);
      expect(isRetryableFailure({ retryable: true, outcomeUnknown: false }, endpoint)).toBe(false);
    }
  });
});

describe('backoffDelay', () => {
  const policy = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });

  it('doubles the ceiling each attempt from baseDelayMs, up to maxDelayMs', () => {
    const top = (): number => 0.999999;
    expect(backoffDelay(policy, 1, top)).toBe(99);
    expect(backoffDelay(policy, 2, top)).toBe(199);
    expect(backoffDelay(policy, 3, top)).toBe(399);
    expect(backoffDelay(policy, 4, top)).toBe(799);
    expect(backoffDelay(policy, 5, top)).toBe(999);
    expect(backoffDelay(policy, 10, top)).toBe(999);
  });

  it('is full jitter: a random fraction of the ceiling, floored', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, () => 0.5)).toBe(50);
    expect(backoffDelay(policy, 3, () => 0.25)).toBe(100);
    expect(backoffDelay(policy, 2, () => 0.123)).toBe(24);
  });

  it('uses Math.random by default', () => {
    const spy = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      expect(backoffDelay(policy, 2)).toBe(100);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('waits nothing when retries are off', () => {
    expect(backoffDelay(resolveRetryPolicy(false), 1, () => 0.9)).toBe(0);
  });
});
