import { Logger, type LoggerService } from '@nestjs/common';
import type { HttpService } from '@nestjs/axios';
import { AxiosError, type AxiosResponse } from 'axios';
import { ViberApiError } from '../errors/viber-api.error';
import {
  ViberAbortedError,
  ViberHttpError,
  ViberNetworkError,
  ViberResponseParseError,
  ViberTimeoutError,
} from '../errors/viber-transport.error';
import { ViberValidationError } from '../errors/viber-validation.error';
import { parseJsonLossless } from '../json/lossless-json';
import type {
  ViberAccountInfo,
  ViberBroadcastResponse,
  ViberBroadcastResult,
  ViberEndpoint,
  ViberGetOnlineResponse,
  ViberPostResponse,
  ViberResponseEnvelope,
  ViberSendMessageResponse,
  ViberSetWebhookOptions,
  ViberSetWebhookRequest,
  ViberSetWebhookResponse,
  ViberUserDetailsResponse,
} from '../types/api.types';
import type { ViberOutgoingMessage, ViberReply, ViberSender } from '../types/message.types';
import { ViberStatus } from '../types/viber-status.enum';
import {
  throwIfInvalid,
  validateOutgoingMessage,
  validateRequestSize,
} from '../validation/message.validator';
import { deriveMinApiVersion } from '../validation/min-api-version';
import { ValidationContext, isRecord } from '../validation/validation-context';
import { VIBER_LIMITS } from '../validation/viber-limits';
import {
  VIBER_DEFAULT_API_URL,
  VIBER_DEFAULT_TIMEOUT_MS,
  type ViberClientOptions,
  type ViberRequestOptions,
} from './viber-client.options';

const SNIPPET_LENGTH = 200;

/** Statuses after which no other batch of the same broadcast can succeed. */
const BROADCAST_FATAL_STATUSES: ReadonlySet<number> = new Set([
  ViberStatus.invalidAuthToken,
  ViberStatus.publicAccountBlocked,
  ViberStatus.publicAccountNotFound,
  ViberStatus.publicAccountSuspended,
  ViberStatus.webhookNotSet,
  ViberStatus.publicAccountNotAuthorized,
  ViberStatus.cannotSendBroadcast,
  ViberStatus.broadcastNotAllowed,
]);

/** Status recorded in a broadcast's `failed_list` for receivers of a request that got no Viber answer. */
export const VIBER_TRANSPORT_FAILURE_STATUS = -1;

/** Splits a list into chunks of at most `size` items. */
function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/** Normalizes a reply (string, message or list) into a list of messages. */
export function toOutgoingMessages(reply: ViberReply): ViberOutgoingMessage[] {
  const list: ReadonlyArray<ViberOutgoingMessage | string> =
    typeof reply === 'string' || !Array.isArray(reply)
      ? [reply as ViberOutgoingMessage | string]
      : (reply as ReadonlyArray<ViberOutgoingMessage | string>);
  return list.map((item) => (typeof item === 'string' ? { type: 'text', text: item } : item));
}

/**
 * Typed client of the Viber REST Bot API, one method per endpoint. Every failure is a
 * {@link ViberApiError} (Viber said `status != 0`), a transport error (`ViberHttpError`,
 * `ViberResponseParseError`, `ViberTimeoutError`, `ViberNetworkError`, `ViberAbortedError`) or a
 * {@link ViberValidationError} (nothing was sent). The token appears in none of them.
 */
export class ViberClient {
  private readonly token: string;
  private readonly baseUrl: string;
  private readonly timeout: number;
  private readonly validate: boolean;
  private readonly logger: LoggerService;
  /** The default sender of outgoing messages, if configured. */
  readonly sender?: ViberSender;

  constructor(
    private readonly http: HttpService,
    options: ViberClientOptions,
  ) {
    if (typeof options.token !== 'string' || options.token.length === 0) {
      throw new TypeError('ViberClient: option "token" is required (the bot auth token)');
    }
    this.token = options.token;
    this.baseUrl = (options.apiUrl ?? VIBER_DEFAULT_API_URL).replace(/\/+$/, '');
    this.timeout = options.timeout ?? VIBER_DEFAULT_TIMEOUT_MS;
    this.validate = options.validate ?? true;
    this.sender = options.sender;
    this.logger = options.logger ?? new Logger(ViberClient.name);
  }

  /** The base URL requests go to. */
  get apiUrl(): string {
    return this.baseUrl;
  }

  /**
   * Sets the webhook (`set_webhook`). Viber calls the URL back with a `webhook` event during
   * this request: the endpoint must already be listening and answer 200.
   */
  async setWebhook(
    url: string,
    options: ViberSetWebhookOptions = {},
    requestOptions?: ViberRequestOptions,
  ): Promise<ViberSetWebhookResponse> {
    const body: ViberSetWebhookRequest = { url };
    if (options.eventTypes !== undefined) body.event_types = [...options.eventTypes];
    if (options.sendName !== undefined) body.send_name = options.sendName;
    if (options.sendPhoto !== undefined) body.send_photo = options.sendPhoto;
    if (options.isInline !== undefined) body.is_inline = options.isInline;
    return this.request<ViberSetWebhookResponse>('set_webhook', body, requestOptions);
  }

  /** Removes the webhook (`set_webhook` with an empty URL); 1-on-1 chats stop. */
  async removeWebhook(requestOptions?: ViberRequestOptions): Promise<ViberSetWebhookResponse> {
    return this.request<ViberSetWebhookResponse>('set_webhook', { url: '' }, requestOptions);
  }

  /** Sends one message to a subscriber (`send_message`). A string is sent as a text message. */
  sendMessage(
    receiver: string,
    message: ViberOutgoingMessage | string,
    requestOptions?: ViberRequestOptions,
  ): Promise<ViberSendMessageResponse>;
  /**
   * Sends several messages to a subscriber, one `send_message` each, in order. Resolves to
   * one answer per message (each with its exact `message_token`); the first failure rejects and
   * the remaining messages are not sent.
   */
  sendMessage(
    receiver: string,
    messages: ReadonlyArray<ViberOutgoingMessage | string>,
    requestOptions?: ViberRequestOptions,
  ): Promise<ViberSendMessageResponse[]>;
  async sendMessage(
    receiver: string,
    message: ViberReply,
    requestOptions?: ViberRequestOptions,
  ): Promise<ViberSendMessageResponse | ViberSendMessageResponse[]> {
    const messages = toOutgoingMessages(message);
    const bodies = messages.map((item, index) =>
      this.prepareBody(
        { ...this.withSender(item), receiver },
        Array.isArray(message) ? `[${index}]` : '',
      ),
    );
    if (!Array.isArray(message)) {
      return this.requestPrepared<ViberSendMessageResponse>(
        'send_message',
        bodies[0]!,
        requestOptions,
      );
    }
    const answers: ViberSendMessageResponse[] = [];
    for (const body of bodies) {
      answers.push(
        await this.requestPrepared<ViberSendMessageResponse>('send_message', body, requestOptions),
      );
    }
    return answers;
  }

  /**
   * Sends one message to any number of subscribers (`broadcast_message`, at most 300 receivers
   * per request). Every receiver is accounted for: the result's `failed_list` merges Viber's
   * per-receiver failures and, for a request that failed as a whole, each of its receivers with
   * that request's status (`-1` when no Viber answer arrived). After a status that no later
   * request could survive (invalid token, broadcast not allowed, …) the remaining receivers are
   * reported with it and not sent.
   */
  async broadcast(
    receivers: readonly string[],
    message: ViberOutgoingMessage | string,
    requestOptions?: ViberRequestOptions,
  ): Promise<ViberBroadcastResult> {
    const [outgoing] = toOutgoingMessages(message);
    const prepared = this.withSender(outgoing!);
    // Validate the message once, with a full-size list of placeholder ids for the size check.
    this.prepareBody({ ...prepared, broadcast_list: [] }, '');
    const result: ViberBroadcastResult = { requests: 0, message_tokens: [], failed_list: [] };
    const batches = chunk(receivers, VIBER_LIMITS.broadcastReceivers);
    for (let index = 0; index < batches.length; index++) {
      const batch = batches[index]!;
      const json = JSON.stringify({ ...prepared, broadcast_list: batch });
      this.checkSize(json);
      result.requests++;
      try {
        const answer = await this.requestJson<ViberBroadcastResponse>(
          'broadcast_message',
          json,
          requestOptions,
        );
        if (answer.message_token !== undefined) result.message_tokens.push(answer.message_token);
        for (const failed of answer.failed_list ?? []) result.failed_list.push(failed);
      } catch (error) {
        const status =
          error instanceof ViberApiError ? error.status : VIBER_TRANSPORT_FAILURE_STATUS;
        const statusMessage = error instanceof Error ? error.message : String(error);
        for (const receiver of batch)
          result.failed_list.push({ receiver, status, status_message: statusMessage });
        const fatal = error instanceof ViberApiError && BROADCAST_FATAL_STATUSES.has(error.status);
        if (fatal || error instanceof ViberAbortedError) {
          for (const rest of batches.slice(index + 1).flat()) {
            result.failed_list.push({ receiver: rest, status, status_message: statusMessage });
          }
          break;
        }
      }
    }
    return result;
  }

  /** Reads the bot's account details (`get_account_info`). */
  async getAccountInfo(requestOptions?: ViberRequestOptions): Promise<ViberAccountInfo> {
    return this.request<ViberAccountInfo>('get_account_info', {}, requestOptions);
  }

  /** Reads one user's details (`get_user_details`; Viber allows 2 calls per user per 12 h). */
  async getUserDetails(
    id: string,
    requestOptions?: ViberRequestOptions,
  ): Promise<ViberUserDetailsResponse> {
    return this.request<ViberUserDetailsResponse>('get_user_details', { id }, requestOptions);
  }

  /** Reads the online status of any number of users (`get_online`, 100 ids per request, merged). */
  async getOnline(
    ids: readonly string[],
    requestOptions?: ViberRequestOptions,
  ): Promise<ViberGetOnlineResponse> {
    const merged: ViberGetOnlineResponse = { status: 0, status_message: 'ok', users: [] };
    for (const batch of chunk(ids, VIBER_LIMITS.onlineIds)) {
      const answer = await this.request<ViberGetOnlineResponse>(
        'get_online',
        { ids: batch },
        requestOptions,
      );
      merged.users.push(...(answer.users ?? []));
      if (answer.chat_hostname !== undefined) merged.chat_hostname = answer.chat_hostname;
    }
    return merged;
  }

  /** Posts a message as `from` (`post`: legacy public chat and the Channels Post API). */
  async post(
    from: string,
    message: ViberOutgoingMessage | string,
    requestOptions?: ViberRequestOptions,
  ): Promise<ViberPostResponse> {
    const [outgoing] = toOutgoingMessages(message);
    const body = this.prepareBody({ ...this.withSender(outgoing!), from }, '');
    return this.requestPrepared<ViberPostResponse>('post', body, requestOptions);
  }

  /**
   * Returns the message with the default sender filled in, checked against the documented
   * limits: the body of a welcome message (the answer to `conversation_started`).
   */
  prepareWelcomeMessage(message: ViberOutgoingMessage | string): ViberOutgoingMessage {
    const [outgoing] = toOutgoingMessages(message);
    const prepared = this.withSender(outgoing!);
    this.prepareBody(prepared as unknown as Record<string, unknown>, '');
    return prepared;
  }

  /** Calls any endpoint with a JSON body and returns its parsed, successful answer. */
  async request<T extends ViberResponseEnvelope>(
    endpoint: ViberEndpoint,
    body: object,
    requestOptions?: ViberRequestOptions,
  ): Promise<T> {
    const json = JSON.stringify(body);
    this.checkSize(json);
    return this.requestJson<T>(endpoint, json, requestOptions);
  }

  /**
   * Fills what the message leaves out: the default sender and, when the features used need an
   * API level above 1, `min_api_version` (an explicit value is kept and checked instead).
   */
  private withSender(message: ViberOutgoingMessage): ViberOutgoingMessage {
    const needsSender = message.sender === undefined && this.sender !== undefined;
    const level = message.min_api_version === undefined ? deriveMinApiVersion(message) : 1;
    if (!needsSender && level <= 1) return message;
    const prepared: ViberOutgoingMessage = { ...message };
    if (needsSender) prepared.sender = this.sender;
    if (level > 1) prepared.min_api_version = level;
    return prepared;
  }

  /** Validates a body (unless validation is off) and serializes it. */
  private prepareBody(body: object, path: string): string {
    const json = JSON.stringify(body);
    if (!this.validate) return json;
    const ctx = new ValidationContext();
    const record = body as Record<string, unknown>;
    if (!isRecord(record.sender))
      ctx.fail(
        path ? `${path}.sender` : 'sender',
        'is required (set a default sender in the options or one per message)',
      );
    validateOutgoingMessage(ctx, body, path);
    validateRequestSize(ctx, json);
    if (ctx.warnings.length > 0) {
      const list = ctx.warnings.map((warning) => `${warning.path} ${warning.message}`).join('; ');
      this.logger.warn?.(`Sending despite documented rules that Viber's own examples break: ${list}`);
    }
    throwIfInvalid(ctx);
    return json;
  }

  private checkSize(json: string): void {
    if (!this.validate) return;
    const ctx = new ValidationContext();
    validateRequestSize(ctx, json);
    throwIfInvalid(ctx);
  }

  private requestPrepared<T extends ViberResponseEnvelope>(
    endpoint: ViberEndpoint,
    json: string,
    requestOptions?: ViberRequestOptions,
  ): Promise<T> {
    return this.requestJson<T>(endpoint, json, requestOptions);
  }

  private async requestJson<T extends ViberResponseEnvelope>(
    endpoint: ViberEndpoint,
    json: string,
    requestOptions?: ViberRequestOptions,
  ): Promise<T> {
    const timeoutSignal = AbortSignal.timeout(this.timeout);
    const userSignal = requestOptions?.signal;
    const signal = userSignal ? AbortSignal.any([timeoutSignal, userSignal]) : timeoutSignal;
    this.logger.debug?.(`POST ${endpoint} (${json.length} bytes)`);
    let response: AxiosResponse<string>;
    try {
      response = await this.http.axiosRef.request<string>({
        method: 'POST',
        url: `${this.baseUrl}/${endpoint}`,
        data: json,
        headers: { 'Content-Type': 'application/json', 'X-Viber-Auth-Token': this.token },
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        timeout: this.timeout,
        maxRedirects: 0,
        signal,
      });
    } catch (error) {
      throw this.transportError(endpoint, error, timeoutSignal, userSignal);
    }
    return this.parseAnswer<T>(endpoint, response);
  }

  private parseAnswer<T extends ViberResponseEnvelope>(
    endpoint: ViberEndpoint,
    response: AxiosResponse<string>,
  ): T {
    const text = typeof response.data === 'string' ? response.data : '';
    const snippet = this.redact(text.slice(0, SNIPPET_LENGTH));
    if (response.status < 200 || response.status >= 300) {
      throw new ViberHttpError(endpoint, response.status, snippet);
    }
    if (text.trim().length === 0) {
      throw new ViberResponseParseError(endpoint, response.status, 'empty body', snippet);
    }
    let parsed: unknown;
    try {
      parsed = parseJsonLossless(text);
    } catch {
      throw new ViberResponseParseError(endpoint, response.status, 'not JSON', snippet);
    }
    if (!isRecord(parsed) || typeof parsed.status !== 'number') {
      throw new ViberResponseParseError(endpoint, response.status, 'no status', snippet);
    }
    if (parsed.status !== 0) {
      throw new ViberApiError({
        status: parsed.status,
        statusMessage:
          typeof parsed.status_message === 'string'
            ? this.redact(parsed.status_message)
            : undefined,
        endpoint,
        httpStatus: response.status,
        chatHostname: typeof parsed.chat_hostname === 'string' ? parsed.chat_hostname : undefined,
        response: parsed,
      });
    }
    return parsed as unknown as T;
  }

  private transportError(
    endpoint: ViberEndpoint,
    error: unknown,
    timeoutSignal: AbortSignal,
    userSignal: AbortSignal | undefined,
  ): Error {
    if (userSignal?.aborted && !timeoutSignal.aborted) return new ViberAbortedError(endpoint);
    if (timeoutSignal.aborted) return new ViberTimeoutError(endpoint, this.timeout);
    if (error instanceof AxiosError) {
      if (error.code === AxiosError.ETIMEDOUT || error.code === AxiosError.ECONNABORTED) {
        return new ViberTimeoutError(endpoint, this.timeout);
      }
      const code = typeof error.code === 'string' ? error.code : undefined;
      return new ViberNetworkError(endpoint, code, this.redact(error.message));
    }
    if (error instanceof ViberValidationError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new ViberNetworkError(endpoint, undefined, this.redact(detail));
  }

  /** Removes the token from any text that could reach an error or a log line. */
  private redact(text: string): string {
    return text.includes(this.token) ? text.split(this.token).join('[redacted]') : text;
  }
}
