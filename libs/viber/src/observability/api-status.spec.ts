import { ViberApiError } from '../errors/viber-api.error';
import {
  ViberAbortedError,
  ViberHttpError,
  ViberNetworkError,
  ViberResponseParseError,
  ViberTimeoutError,
} from '../errors/viber-transport.error';
import { apiStatusLabel } from './api-status';

describe('apiStatusLabel: the status label comes from a fixed set', () => {
  it.each([
    [undefined, 'ok'],
    [new ViberApiError({ status: 6, endpoint: 'send_message' }), 'receiverNotSubscribed'],
    [new ViberApiError({ status: 12, endpoint: 'send_message' }), 'tooManyRequests'],
    [new ViberApiError({ status: 999, endpoint: 'send_message' }), 'unknown'],
    [new ViberHttpError('send_message', 503, ''), 'http_503'],
    [new ViberHttpError('send_message', 429, ''), 'http_429'],
    [new ViberResponseParseError('send_message', 200, 'not JSON', 'x'), 'bad_response'],
    [new ViberTimeoutError('send_message', 10, true), 'timeout'],
    [new ViberNetworkError('send_message', 'ECONNREFUSED', 'refused', false), 'network_error'],
    [new ViberAbortedError('send_message', false), 'aborted'],
    [new Error('anything else, with a user id 42 in it'), 'error'],
  ])('%s → %s', (error, label) => {
    expect(apiStatusLabel(error)).toBe(label);
  });
});
