import {
  ViberApiError,
  ViberHttpError,
  ViberNetworkError,
  ViberTimeoutError,
  ViberValidationError,
} from 'nestjs-viber';
import { CliError, describeError, usageError } from './cli.errors';
import { EXIT_CODES } from './exit-codes';

const viber = { apiUrl: 'https://chatapi.viber.com/pa', isViberApi: true };
const emulator = { apiUrl: 'http://127.0.0.1:3001/pa', isViberApi: false };

describe('describeError (exit codes of the command line)', () => {
  it('Viber said no: exit 1, the status named, the repeated status name dropped, a hint', () => {
    const error = new ViberApiError({
      status: 10,
      statusMessage: 'webhookNotSet: set a webhook first',
      endpoint: 'send_message',
    });
    expect(describeError(error, viber)).toEqual({
      exitCode: EXIT_CODES.refused,
      kind: 'viber',
      message: 'Viber refused send_message: status 10 (webhookNotSet): set a webhook first',
      hint: expect.stringContaining('nestjs-viber webhook set <url>'),
      status: 10,
      statusName: 'webhookNotSet',
    });
  });

  it('an invalid message: exit 2, every issue with its field', () => {
    const error = new ViberValidationError([
      { path: 'text', message: 'must be at most 7000 characters' },
      { path: 'sender.name', message: 'must be at most 28 characters' },
    ]);
    expect(describeError(error, viber)).toMatchObject({
      exitCode: EXIT_CODES.usage,
      kind: 'validation',
      message:
        "The message breaks Viber's documented limits (nothing was sent): text must be at most 7000 characters; sender.name must be at most 28 characters",
    });
  });

  it('the network: exit 3, with a hint that depends on where the requests went', () => {
    const refused = new ViberNetworkError(
      'get_account_info',
      'ECONNREFUSED',
      'connect ECONNREFUSED',
    );
    expect(describeError(refused, emulator)).toMatchObject({
      exitCode: EXIT_CODES.network,
      hint: expect.stringContaining('Nothing listens at http://127.0.0.1:3001/pa'),
    });
    expect(describeError(refused, viber).hint).toContain('check the network');
    expect(describeError(new ViberTimeoutError('get_online', 10_000), viber)).toMatchObject({
      exitCode: EXIT_CODES.network,
      hint: 'Viber did not answer in time: try again, or raise --timeout.',
    });
    expect(
      describeError(new ViberHttpError('get_online', 404, 'Not Found'), emulator),
    ).toMatchObject({
      exitCode: EXIT_CODES.network,
      hint: expect.stringContaining('is --api-url right'),
    });
  });

  it("the command line's own errors keep their code; anything else is a bug (exit 70)", () => {
    expect(describeError(usageError('No receivers.', 'give --to'), viber)).toEqual({
      exitCode: EXIT_CODES.usage,
      kind: 'usage',
      message: 'No receivers.',
      hint: 'give --to',
    });
    expect(describeError(new CliError('x', EXIT_CODES.network), viber).kind).toBe('network');
    expect(describeError(new TypeError('boom'), viber)).toMatchObject({
      exitCode: EXIT_CODES.internal,
      kind: 'internal',
      message: 'Unexpected error: boom',
    });
  });
});
