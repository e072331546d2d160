import type { ViberEndpoint } from '../types/api.types';
import type { ViberStatusName } from '../types/viber-status.enum';
import { isRetryableViberStatus, viberStatusName } from './viber-status';
import { ViberError } from './viber.error';

/** Details of a {@link ViberApiError}. */
export interface ViberApiErrorDetails {
  /** Numeric Viber status (≠ 0). */
  status: number;
  /** `status_message` when Viber sent one. */
  statusMessage?: string;
  /** The endpoint called. */
  endpoint: ViberEndpoint;
  /** HTTP status of the answer (Viber answers API errors with 200). */
  httpStatus?: number;
  /** `chat_hostname` of the answer. */
  chatHostname?: string;
  /** The full answer (without any token). */
  response?: Record<string, unknown>;
}

/** Viber answered with `status != 0`. */
export class ViberApiError extends ViberError {
  /** Numeric status (1–24, or another code such as 999). */
  readonly status: number;
  /** Name of the status (`'tooManyRequests'`), or `'unknown'`. */
  readonly statusName: ViberStatusName;
  /** `status_message` as sent, if any (free text: branch on `status`). */
  readonly statusMessage?: string;
  /** The endpoint called. */
  readonly endpoint: ViberEndpoint;
  /** HTTP status of the answer. */
  readonly httpStatus?: number;
  /** `chat_hostname` of the answer. */
  readonly chatHostname?: string;
  /** Whether retrying later may succeed (rate limiting only). */
  readonly retryable: boolean;
  /** The parsed answer. */
  readonly response?: Record<string, unknown>;

  constructor(details: ViberApiErrorDetails) {
    const statusName = viberStatusName(details.status);
    const text = details.statusMessage ? `: ${details.statusMessage}` : '';
    super(`Viber ${details.endpoint} failed with status ${details.status} (${statusName})${text}`);
    this.status = details.status;
    this.statusName = statusName;
    this.statusMessage = details.statusMessage;
    this.endpoint = details.endpoint;
    this.httpStatus = details.httpStatus;
    this.chatHostname = details.chatHostname;
    this.retryable = isRetryableViberStatus(details.status);
    this.response = details.response;
  }
}
