import { ViberApiError } from '../errors/viber-api.error';
import {
  ViberAbortedError,
  ViberHttpError,
  ViberNetworkError,
  ViberResponseParseError,
  ViberTimeoutError,
} from '../errors/viber-transport.error';

/**
 * The `status` label of an API request's outcome, from a bounded set: `ok`; Viber's status name
 * (`receiverNotSubscribed`, `tooManyRequests`, …, `unknown` for a code outside the table);
 * `http_<code>` for a non-2xx answer; `bad_response`, `timeout`, `network_error`, `aborted`;
 * `error` for anything else.
 */
export function apiStatusLabel(error?: unknown): string {
  if (error === undefined) return 'ok';
  if (error instanceof ViberApiError) return error.statusName;
  if (error instanceof ViberHttpError) {
    const code = error.httpStatus;
    return Number.isInteger(code) && code >= 100 && code <= 599 ? `http_${code}` : 'http_error';
  }
  if (error instanceof ViberResponseParseError) return 'bad_response';
  if (error instanceof ViberTimeoutError) return 'timeout';
  if (error instanceof ViberNetworkError) return 'network_error';
  if (error instanceof ViberAbortedError) return 'aborted';
  return 'error';
}
