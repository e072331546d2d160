import type { ViberEndpoint } from '../types/api.types';
import { ViberError } from './viber.error';

/** A request did not produce a usable Viber answer (HTTP, network, timeout or parse failure). */
export abstract class ViberTransportError extends ViberError {
  /** The endpoint called. */
  readonly endpoint: ViberEndpoint;

  protected constructor(message: string, endpoint: ViberEndpoint) {
    super(message);
    this.endpoint = endpoint;
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

/** No complete answer arrived within the configured timeout. */
export class ViberTimeoutError extends ViberTransportError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  /** The request may have reached Viber; a retry of a send may duplicate it. */
  readonly retryable = true;

  constructor(endpoint: ViberEndpoint, timeoutMs: number) {
    super(`Viber ${endpoint} did not answer within ${timeoutMs} ms`, endpoint);
    this.timeoutMs = timeoutMs;
  }
}

/** The connection failed before any answer (refused, reset, DNS, TLS…). */
export class ViberNetworkError extends ViberTransportError {
  /** System error code such as `ECONNREFUSED`, when known. */
  readonly code?: string;
  /** Network failures before an answer are safe to retry. */
  readonly retryable = true;

  constructor(endpoint: ViberEndpoint, code: string | undefined, detail: string) {
    super(`Viber ${endpoint} request failed: ${detail}`, endpoint);
    this.code = code;
  }
}

/** The caller aborted the request through its AbortSignal. */
export class ViberAbortedError extends ViberTransportError {
  /** An abort is the caller's decision. */
  readonly retryable = false;

  constructor(endpoint: ViberEndpoint) {
    super(`Viber ${endpoint} request was aborted`, endpoint);
  }
}
