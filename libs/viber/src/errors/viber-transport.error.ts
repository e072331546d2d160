import type { ViberEndpoint } from '../types/api.types';
import { ViberError } from './viber.error';

/** A request did not produce a usable Viber answer (HTTP, network, timeout or parse failure). */
export abstract class ViberTransportError extends ViberError {
  /** The endpoint called. */
  readonly endpoint: ViberEndpoint;
  /**
   * True when the whole request had left for Viber but no answer came back (a timeout, a reset
   * or an abort after the body was written): Viber may have acted on it, so a send may have been
   * delivered. False when an answer arrived, or when the request provably never reached Viber
   * (connection refused, DNS failure, reset before the body was written).
   */
  readonly outcomeUnknown: boolean;

  protected constructor(message: string, endpoint: ViberEndpoint, outcomeUnknown = false) {
    super(message);
    this.endpoint = endpoint;
    this.outcomeUnknown = outcomeUnknown;
  }
}

/** The API answered with a non-2xx HTTP status. */
export class ViberHttpError extends ViberTransportError {
  /** HTTP status code. */
  readonly httpStatus: number;
  /** The first 200 characters of the answer body. */
  readonly bodySnippet: string;
  /** 5xx answers may succeed later; 4xx will not. */
  readonly retryable: boolean;

  constructor(endpoint: ViberEndpoint, httpStatus: number, bodySnippet: string) {
    super(`Viber ${endpoint} answered HTTP ${httpStatus}`, endpoint);
    this.httpStatus = httpStatus;
    this.bodySnippet = bodySnippet;
    this.retryable = httpStatus >= 500 || httpStatus === 429;
  }
}

/** The API answered 2xx with an empty body, a body that is not JSON, or JSON without a status. */
export class ViberResponseParseError extends ViberTransportError {
  /** HTTP status code. */
  readonly httpStatus: number;
  /** What was wrong with the body. */
  readonly reason: 'empty body' | 'not JSON' | 'no status';
  /** The first 200 characters of the answer body. */
  readonly bodySnippet: string;
  /** A malformed answer is not expected to change on retry. */
  readonly retryable = false;

  constructor(
    endpoint: ViberEndpoint,
    httpStatus: number,
    reason: ViberResponseParseError['reason'],
    bodySnippet: string,
  ) {
    super(`Viber ${endpoint} answered HTTP ${httpStatus} with ${reason}`, endpoint);
    this.httpStatus = httpStatus;
    this.reason = reason;
    this.bodySnippet = bodySnippet;
  }
}

/**
 * No complete answer arrived within the configured timeout. When the request had left
 * (`outcomeUnknown`), it may have reached Viber: a retry of a send may duplicate it.
 */
export class ViberTimeoutError extends ViberTransportError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  /** Trying again later may succeed (but see `outcomeUnknown` for sends). */
  readonly retryable = true;

  constructor(endpoint: ViberEndpoint, timeoutMs: number, outcomeUnknown = true) {
    super(
      `Viber ${endpoint} did not answer within ${timeoutMs} ms${outcomeUnknown ? '' : ' (the request was never sent)'}`,
      endpoint,
      outcomeUnknown,
    );
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The connection failed before any answer (refused, reset, DNS, TLS…). `outcomeUnknown` tells
 * whether the request had already been written when it failed.
 */
export class ViberNetworkError extends ViberTransportError {
  /** System error code such as `ECONNREFUSED`, when known. */
  readonly code?: string;
  /** Trying again later may succeed (but see `outcomeUnknown` for sends). */
  readonly retryable = true;

  constructor(
    endpoint: ViberEndpoint,
    code: string | undefined,
    detail: string,
    outcomeUnknown = false,
  ) {
    super(
      `Viber ${endpoint} request failed${outcomeUnknown ? ' after it was sent' : ''}: ${detail}`,
      endpoint,
      outcomeUnknown,
    );
    this.code = code;
  }
}

/**
 * The request was aborted (the caller's AbortSignal, or the client closing at shutdown). When it
 * was aborted after it had been written (`outcomeUnknown`), Viber may still have acted on it.
 */
export class ViberAbortedError extends ViberTransportError {
  /** An abort is the caller's decision. */
  readonly retryable = false;

  constructor(endpoint: ViberEndpoint, outcomeUnknown = false) {
    super(
      `Viber ${endpoint} request was aborted${outcomeUnknown ? ' after it was sent' : ''}`,
      endpoint,
      outcomeUnknown,
    );
  }
}
