import {
  ViberApiError,
  ViberHttpError,
  ViberNetworkError,
  ViberOptionsError,
  ViberResponseParseError,
  ViberStatus,
  ViberTimeoutError,
  ViberTransportError,
  ViberValidationError,
} from 'nestjs-viber';
import { EXIT_CODES, type ExitCode } from './exit-codes';

/** A failure the command line explains itself: what went wrong, its exit code, what to do. */
export class CliError extends Error {
  constructor(
    message: string,
    /** The process exit code. */
    readonly exitCode: ExitCode,
    /** What to do about it, in plain words. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong usage (exit 2): a missing or conflicting option, an unreadable file, bad input. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, EXIT_CODES.usage, hint);
}

/** How a failure is reported: the exit code, one line saying what happened, and a hint. */
export interface DescribedError {
  exitCode: ExitCode;
  /** Machine-readable kind, for `--json`. */
  kind: 'usage' | 'viber' | 'validation' | 'network' | 'internal';
  message: string;
  hint?: string;
  /** Viber's status, for `kind: 'viber'`. */
  status?: number;
  /** Name of Viber's status. */
  statusName?: string;
}

/** Where the requests went (for the hints). */
export interface ErrorContext {
  apiUrl: string;
  /** Whether the API URL is Viber's own (not the emulator or a proxy). */
  isViberApi: boolean;
}

/** Hints for the Viber statuses a newcomer meets first. */
const STATUS_HINTS: Partial<Record<number, string>> = {
  [ViberStatus.invalidUrl]:
    'Viber calls the webhook URL during set_webhook: the server must already run, over HTTPS with ' +
    'a certificate from a trusted authority, and answer the `webhook` event with HTTP 200. ' +
    '`nestjs-viber webhook doctor <url>` checks all of this and says what to fix.',
  [ViberStatus.invalidAuthToken]:
    'The token is not valid: copy it again from the bot (Viber app → the bot → Edit → "Token", or ' +
    'the Viber admin panel) and pass it in VIBER_TOKEN.',
  [ViberStatus.receiverNotRegistered]:
    'This id is not a Viber user of this bot: user ids are per bot, take them from the callbacks.',
  [ViberStatus.receiverNotSubscribed]:
    'The user is not subscribed: a user subscribes by sending the bot a message (or the subscribe ' +
    'button); until then the bot can only answer conversation_started with a welcome message.',
  [ViberStatus.webhookNotSet]:
    'The bot has no webhook: set one first (`nestjs-viber webhook set <url>`), Viber delivers ' +
    'messages only for bots with a webhook.',
  [ViberStatus.tooManyRequests]:
    'Viber is rate limiting the bot: wait and try again (at most 100 messages to a user who has not ' +
    'answered per hour; broadcasts at most 500 requests per 10 s).',
  [ViberStatus.apiVersionNotSupported]:
    "The user's Viber is too old for this message: lower min_api_version or drop the newer features.",
  [ViberStatus.incompatibleWithVersion]:
    'The message uses features above its min_api_version: leave min_api_version out and it is ' +
    'computed from the features.',
  [ViberStatus.broadcastNotAllowed]:
    'This bot may not broadcast: Viber enables broadcast_message per bot (ask Viber support).',
  [ViberStatus.freeMessagesExceeded]:
    'The bot used its free messages for the month: see the commercial terms in the Viber admin panel.',
  [ViberStatus.noBalance]: 'The bot has no balance left: top it up in the Viber admin panel.',
};

/** Turns any failure into its exit code and words; never includes the token. */
export function describeError(error: unknown, context: ErrorContext): DescribedError {
  if (error instanceof CliError) {
    const kind =
      error.exitCode === EXIT_CODES.usage
        ? 'usage'
        : error.exitCode === EXIT_CODES.network
          ? 'network'
          : error.exitCode === EXIT_CODES.refused
            ? 'viber'
            : 'internal';
    return { exitCode: error.exitCode, kind, message: error.message, hint: error.hint };
  }
  if (error instanceof ViberApiError) {
    return {
      exitCode: EXIT_CODES.refused,
      kind: 'viber',
      message: `Viber refused ${error.endpoint}: status ${error.status} (${error.statusName})${statusDetail(error)}`,
      hint: STATUS_HINTS[error.status],
      status: error.status,
      statusName: error.statusName,
    };
  }
  if (error instanceof ViberValidationError) {
    return {
      exitCode: EXIT_CODES.usage,
      kind: 'validation',
      message: `The message breaks Viber's documented limits (nothing was sent): ${error.issues
        .map((issue) => `${issue.path} ${issue.message}`)
        .join('; ')}`,
    };
  }
  if (error instanceof ViberOptionsError) {
    return { exitCode: EXIT_CODES.usage, kind: 'usage', message: error.message };
  }
  if (error instanceof ViberTransportError) {
    return {
      exitCode: EXIT_CODES.network,
      kind: 'network',
      message: error.message,
      hint: transportHint(error, context),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    exitCode: EXIT_CODES.internal,
    kind: 'internal',
    message: `Unexpected error: ${message}`,
    hint: 'This is a bug in the command line: please report it with the command you ran (without the token).',
  };
}

/** `status_message` without the status name Viber (and the emulator) often start it with. */
function statusDetail(error: ViberApiError): string {
  const text = (error.statusMessage ?? '').trim();
  const detail = text.startsWith(error.statusName)
    ? text.slice(error.statusName.length).replace(/^[:\s]+/, '')
    : text;
  return detail === '' ? '' : `: ${detail}`;
}

function transportHint(error: ViberTransportError, context: ErrorContext): string | undefined {
  const where = context.isViberApi ? 'Viber' : `the API at ${context.apiUrl}`;
  if (error instanceof ViberNetworkError) {
    if (error.code === 'ECONNREFUSED') {
      return context.isViberApi
        ? 'The connection was refused: check the network (a proxy or firewall?).'
        : `Nothing listens at ${context.apiUrl}: is the emulator running (\`nestjs-viber emulator\`), and is --api-url / VIBER_API_URL right?`;
    }
    if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
      return `The host name of ${context.apiUrl} does not resolve: check the URL and the DNS.`;
    }
    return `Check the network between this machine and ${where}.`;
  }
  if (error instanceof ViberTimeoutError) {
    return `${where} did not answer in time: try again, or raise --timeout.`;
  }
  if (error instanceof ViberHttpError) {
    return error.httpStatus >= 500
      ? `${where} failed (HTTP ${error.httpStatus}): try again later.`
      : `HTTP ${error.httpStatus} instead of Viber's JSON: is --api-url right (it ends with /pa)?`;
  }
  if (error instanceof ViberResponseParseError) {
    return `The answer is not Viber's JSON: is --api-url right (it ends with /pa)?`;
  }
  return undefined;
}
