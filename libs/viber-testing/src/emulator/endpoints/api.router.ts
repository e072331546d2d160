import type { IncomingHttpHeaders } from 'node:http';
import { VIBER_LIMITS, ViberStatus, type ViberValidationIssue } from 'nestjs-viber';
import { isRecord, parseJsonLossless } from 'nestjs-viber/internal';
import { refuse } from '../api-request.validator';
import { HARD_BODY_LIMIT } from '../emulator.defaults';
import { unknownFieldWarnings } from '../unknown-fields.validator';
import type { AccountEndpoints } from './account.endpoints';
import type { ApiAnswer, ApiAnswerBuilder } from './api-answer.builder';
import type { MessagingEndpoints } from './messaging.endpoints';
import type { WebhookEndpoints } from './webhook.endpoints';

/** The endpoints the emulator serves under its base path (docs/protocol/endpoints.md). */
export const EMULATOR_ENDPOINTS = [
  'set_webhook',
  'send_message',
  'broadcast_message',
  'get_account_info',
  'get_user_details',
  'get_online',
  'post',
] as const;

/**
 * `status_message` of a request without any auth token (docs/protocol/endpoints.md,
 * "Authentication": Viber documents no numeric status for it).
 */
export const MISSING_AUTH_TOKEN_MESSAGE = 'missing_auth_token';

/** One HTTP request to the API, as the transport read it. */
export interface ApiHttpRequest {
  /** HTTP method. */
  method: string;
  /** The path, without the query and trailing slashes. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body text (only its first bytes when it is huge). */
  text: string;
  /** The body's full length in bytes. */
  bytes: number;
}

/** The answer to an API request and the endpoint it went to (`undefined`: not an endpoint). */
export interface RoutedApiAnswer {
  endpoint: string | undefined;
  answer: ApiAnswer;
}

/** What the {@link ApiRouter} works with. */
export interface ApiRouterDeps {
  /** The bot's auth token. */
  token: string;
  /** Path prefix of the endpoints (e.g. `/pa`). */
  basePath: string;
  answers: ApiAnswerBuilder;
  webhook: WebhookEndpoints;
  messaging: MessagingEndpoints;
  account: AccountEndpoints;
}

/**
 * Routes an API request to its endpoint: unknown paths answer HTTP 404, other methods than POST
 * HTTP 405 (`GET get_account_info` is served too); then, in this order, the auth token (header
 * first, else the body's `auth_token`), the 30 KB limit and the JSON object body are checked
 * before the endpoint sees the body.
 */
export class ApiRouter {
  constructor(private readonly deps: ApiRouterDeps) {}

  async route(request: ApiHttpRequest): Promise<RoutedApiAnswer> {
    const { method, path } = request;
    const prefix = `${this.deps.basePath}/`;
    const endpoint = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
    let answer: ApiAnswer;
    if (endpoint === undefined || !(EMULATOR_ENDPOINTS as readonly string[]).includes(endpoint)) {
      answer = { httpStatus: 404, body: { status: -1, status_message: 'Not found' } };
    } else if (method !== 'POST' && !(method === 'GET' && endpoint === 'get_account_info')) {
      answer = { httpStatus: 405, body: { status: -1, status_message: 'Method not allowed' } };
    } else {
      answer = await this.answer(
        endpoint,
        request.headers,
        method === 'GET' ? '{}' : request.text,
        request.bytes,
      );
    }
    return { endpoint, answer };
  }

  private async answer(
    endpoint: string,
    headers: IncomingHttpHeaders,
    text: string,
    bytes: number,
  ): Promise<ApiAnswer> {
    const { answers } = this.deps;
    const headerToken = headers['x-viber-auth-token'];
    const header = Array.isArray(headerToken) ? headerToken[0] : headerToken;
    let parsed: unknown;
    let parseError = false;
    try {
      parsed = bytes > HARD_BODY_LIMIT ? undefined : parseJsonLossless(text);
      if (bytes > HARD_BODY_LIMIT) parseError = true;
    } catch {
      parseError = true;
    }
    const bodyToken =
      isRecord(parsed) && typeof parsed.auth_token === 'string' && parsed.auth_token.length > 0
        ? parsed.auth_token
        : undefined;
    const token = header !== undefined && header.length > 0 ? header : bodyToken;
    if (token === undefined) {
      return answers.reply(ViberStatus.invalidAuthToken, {}, MISSING_AUTH_TOKEN_MESSAGE);
    }
    if (token !== this.deps.token) return answers.fail(refuse(ViberStatus.invalidAuthToken, ''));
    if (bytes > VIBER_LIMITS.requestBytes) {
      return answers.fail(
        refuse(
          ViberStatus.badData,
          `the request is ${bytes} bytes, over the ${VIBER_LIMITS.requestBytes}-byte limit`,
        ),
      );
    }
    if (parseError) return answers.fail(refuse(ViberStatus.badData, 'the body is not valid JSON'));
    if (!isRecord(parsed)) {
      return answers.fail(refuse(ViberStatus.badData, 'the body must be a JSON object'));
    }
    // Fields Viber does not know: flagged, never refused (docs/protocol/unknown-fields.md).
    const unknown = unknownFieldWarnings(endpoint, parsed);
    const answer = await this.endpoint(endpoint, parsed, text, unknown);
    const warnings = [...unknown, ...(answer.warnings ?? [])];
    return warnings.length > 0 ? { ...answer, warnings } : answer;
  }

  private async endpoint(
    endpoint: string,
    parsed: Record<string, unknown>,
    text: string,
    unknown: ViberValidationIssue[],
  ): Promise<ApiAnswer> {
    switch (endpoint as (typeof EMULATOR_ENDPOINTS)[number]) {
      case 'set_webhook':
        return this.deps.webhook.setWebhook(parsed);
      case 'send_message':
        return this.deps.messaging.sendMessage(parsed, text, unknown);
      case 'broadcast_message':
        return this.deps.messaging.broadcastMessage(parsed, text, unknown);
      case 'get_account_info':
        return this.deps.account.accountInfo();
      case 'get_user_details':
        return this.deps.account.userDetails(parsed);
      case 'get_online':
        return this.deps.account.online(parsed);
      case 'post':
        return this.deps.messaging.post(parsed, text);
    }
  }
}
