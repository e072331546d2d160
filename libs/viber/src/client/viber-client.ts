import { Logger, type LoggerService } from '@nestjs/common';
import type { HttpService } from '@nestjs/axios';
import { AxiosError } from 'axios';
import { ViberApiError } from '../errors/viber-api.error';
import {
  ViberAbortedError,
  ViberHttpError,
  ViberNetworkError,
  ViberResponseParseError,
  ViberTimeoutError,
  ViberTransportError,
} from '../errors/viber-transport.error';
import { ViberBroadcastSourceError } from '../errors/viber-broadcast-source.error';
import { ViberOptionsError } from '../errors/viber-options.error';
import { ViberValidationError } from '../errors/viber-validation.error';
import { parseJsonLossless } from '../json/lossless-json';
import {
  NOOP_INSTRUMENTATION,
  type ViberInstrumentation,
} from '../observability/viber-instrumentation';
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
  VIBER_DEFAULT_BROADCAST_CONCURRENCY,
  VIBER_DEFAULT_TIMEOUT_MS,
} from '../viber.defaults';
import {
  type ViberBroadcastOptions,
  type ViberClientOptions,
  type ViberRequestOptions,
} from './viber-client.options';
import type { ViberHttpAnswer, ViberHttpTransport } from './viber-node.transport';
import {
  ViberRateLimiters,
  abortableSleep,
  type ViberRateLimitRelease,
} from './viber-rate-limiter';
import {
  backoffDelay,
  isRetryableFailure,
  resolveRetryPolicy,
  type ResolvedViberRetryPolicy,
} from './viber-retry.policy';

const SNIPPET_LENGTH = 200;

/**
 * Statuses after which no other batch of the same broadcast can succeed.
 * @internal
 */
export const BROADCAST_FATAL_STATUSES: ReadonlySet<number> = new Set([
  ViberStatus.invalidAuthToken,
  ViberStatus.publicAccountBlocked,
  ViberStatus.publicAccountNotFound,
  ViberStatus.publicAccountSuspended,
  ViberStatus.webhookNotSet,
  ViberStatus.publicAccountNotAuthorized,
  ViberStatus.cannotSendBroadcast,
  ViberStatus.broadcastNotAllowed,
]);

/**
 * Status recorded in a broadcast's `failed_list` for receivers of a request that provably never
 * reached Viber (connection refused, DNS failure, reset before the body was written): safe to
 * send again. A request that left but got no answer puts its receivers in `uncertain_list`.
 */
export const VIBER_TRANSPORT_FAILURE_STATUS = -1;
/** Status recorded in a broadcast's `failed_list` for receivers never sent (the broadcast stopped). */
export const VIBER_NOT_SENT_STATUS = -2;

/** Network error codes that prove the request never left this machine. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_INVALID_URL',
]);

/**
 * Whether a failed request had been written in full before it failed: then Viber may have
 * received it. Read from Node's `ClientRequest` (`writableFinished`), which axios keeps on its
 * errors; without one, assume it had (the cautious answer).
 */
function requestWasWritten(error: unknown): boolean {
  if (!(error instanceof AxiosError)) return true;
  if (typeof error.code === 'string' && NOT_SENT_CODES.has(error.code)) return false;
  const request = error.request as { writableFinished?: unknown } | undefined;
  return typeof request?.writableFinished === 'boolean' ? request.writableFinished : true;
}

/** Internal options of one request: `stop` ends waits (rate limiter, backoff), not the request on the wire. */
interface InternalRequestOptions extends ViberRequestOptions {
  stop?: AbortSignal;
}

/** Keeps the answer's text as is: it is parsed losslessly here, never by axios. */
const KEEP_TEXT = [(data: unknown): unknown => data];
/** Every HTTP status is an answer to look at, not an axios error. */
const ANY_STATUS = (): boolean => true;

/** Why a broadcast stopped: the status and text its unsent receivers are reported with. */
interface BroadcastStop {
  status: number;
  message: string;
}

/** A broadcast stopped by its signal, `stopBroadcasts` or the client closing. */
const STOPPED: BroadcastStop = {
  status: VIBER_NOT_SENT_STATUS,
  message: 'not sent: the broadcast was stopped',
};

/** Whether a broadcast's receivers are a list (not an async iterable). */
function isReceiverList(
  receivers: readonly string[] | AsyncIterable<string | readonly string[]>,
): receivers is readonly string[] {
  return Array.isArray(receivers);
}

/**
 * Counts the receivers, from the first, whose requests have all ended: requests end out of
 * order (several in flight), so a request's receivers count once every earlier one has ended.
 */
class SettledReceivers {
  count = 0;
  private next = 0;
  private readonly ended = new Map<number, number>();

  /** Request `index` (in reading order) with `size` receivers has ended. */
  done(index: number, size: number): void {
    this.ended.set(index, size);
    for (let s = this.ended.get(this.next); s !== undefined; s = this.ended.get(this.next)) {
      this.ended.delete(this.next++);
      this.count += s;
    }
  }
}

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
  private readonly headers: Readonly<Record<string, string>>;
  private readonly baseUrl: string;
  private readonly timeout: number;
  private readonly validate: boolean;
  private readonly logger: LoggerService;
  private readonly retry: ResolvedViberRetryPolicy;
  private readonly limiters: ViberRateLimiters;
  private readonly broadcastConcurrency: number;
  private readonly closing = new AbortController();
  private readonly stopping = new AbortController();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly notSubscribedListeners: Array<(receiver: string) => void> = [];
  private readonly ownedAgents: ReadonlyArray<{ destroy(): void }>;
  private readonly instrumentation: ViberInstrumentation;
  private readonly transport?: ViberHttpTransport;
  /** The default sender of outgoing messages, if configured. */
  readonly sender?: ViberSender;

  constructor(
    private readonly http: HttpService,
    options: ViberClientOptions,
  ) {
    if (typeof options.token !== 'string' || options.token.length === 0) {
      throw new ViberOptionsError('ViberClient', 'token', 'is required (the bot auth token)');
    }
    this.token = options.token;
    this.headers = { 'Content-Type': 'application/json', 'X-Viber-Auth-Token': options.token };
    this.baseUrl = (options.apiUrl ?? VIBER_DEFAULT_API_URL).replace(/\/+$/, '');
    this.timeout = options.timeout ?? VIBER_DEFAULT_TIMEOUT_MS;
    this.validate = options.validate ?? true;
    this.sender = options.sender;
    this.logger = options.logger ?? new Logger(ViberClient.name);
    this.retry = resolveRetryPolicy(options.retry);
    this.limiters = new ViberRateLimiters(options.rateLimits);
    this.broadcastConcurrency = options.broadcastConcurrency ?? VIBER_DEFAULT_BROADCAST_CONCURRENCY;
    if (options.onReceiverNotSubscribed)
      this.notSubscribedListeners.push(options.onReceiverNotSubscribed);
    this.ownedAgents = options.ownedAgents ?? [];
    this.instrumentation = options.instrumentation ?? NOOP_INSTRUMENTATION;
    this.transport = options.transport;
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
    if (!Array.isArray(message)) return this.sendPrepared(receiver, bodies[0]!, requestOptions);
    const answers: ViberSendMessageResponse[] = [];
    for (const body of bodies)
      answers.push(await this.sendPrepared(receiver, body, requestOptions));
    return answers;
  }

  /**
   * Sends one message to any number of subscribers (`broadcast_message`, at most 300 receivers
   * per request, `concurrency` requests at once, paced by the rate limiter). Every receiver is
   * accounted for, exactly once: `sent` counts the receivers Viber accepted; `failed_list` merges
   * Viber's per-receiver failures and, for a request that failed as a whole (after its retries),
   * each of its receivers with that request's status (`-1` when it provably never reached Viber);
   * `uncertain_list` holds the receivers of a request that left but got no answer (a timeout, a
   * reset after the body was written, an abort in flight): Viber may have delivered to them, so
   * sending them again may duplicate the message. Such a request is never retried. After a
   * status that no later request could survive (invalid token, broadcast not allowed, …), or when
   * stopped (abort signal, `stopBroadcasts`, client closing), no further request starts and the
   * remaining receivers are reported with status `-2` (never sent).
   *
   * `receivers` may also be an async iterable of ids or of lists of ids (pages read from a
   * database): it is read lazily, 300 receivers ahead of each request, so memory stays bounded
   * and the first request leaves as soon as 300 receivers are read, whatever the audience size.
   * When such a broadcast stops, reading stops too (the iterator's `return()` is called): only
   * the receivers already read and not sent are reported with `-2`; progress and result say how
   * many were read (`total`) and how many leading ones are settled (`settled`), so the caller
   * knows where to continue. If the iterable throws, the broadcast stops the same way and
   * rejects with a {@link ViberBroadcastSourceError} carrying that result.
   */
  async broadcast(
    receivers: readonly string[] | AsyncIterable<string | readonly string[]>,
    message: ViberOutgoingMessage | string,
    options: ViberBroadcastOptions = {},
  ): Promise<ViberBroadcastResult> {
    const [outgoing] = toOutgoingMessages(message);
    const prepared = this.withSender(outgoing!);
    // Validate the message once; each request's size is checked as it is built.
    this.prepareBody({ ...prepared, broadcast_list: [] }, '');
    const result: ViberBroadcastResult = {
      requests: 0,
      sent: 0,
      total: 0,
      message_tokens: [],
      failed_list: [],
      uncertain_list: [],
      aborted: false,
    };
    const signal = this.combineSignals(options.signal);
    // The message is serialized once; each request only adds its list of receivers.
    const messageJson = JSON.stringify(prepared);
    const head = messageJson === '{}' ? '{' : `${messageJson.slice(0, -1)},`;
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? this.broadcastConcurrency));
    if (!isReceiverList(receivers))
      return this.broadcastStream(receivers, head, signal, concurrency, options, result);
    result.total = receivers.length;
    const batches = chunk(receivers, VIBER_LIMITS.broadcastReceivers);
    const settled = new SettledReceivers();
    let next = 0;
    let stop: BroadcastStop | undefined;
    const report = (): void => {
      options.onProgress?.({
        total: receivers.length,
        sent: result.sent,
        failed: result.failed_list.length,
        uncertain: result.uncertain_list.length,
        requests: result.requests,
        settled: settled.count,
        complete: true,
      });
    };
    const worker = async (): Promise<void> => {
      while (next < batches.length && !stop) {
        if (signal.aborted || this.stopping.signal.aborted) {
          stop = STOPPED;
          break;
        }
        const index = next++;
        const batch = batches[index]!;
        const failure = await this.sendBroadcastBatch(batch, head, signal, result);
        // Stryker disable next-line ConditionalExpression: `stop ??= undefined` changes nothing
        if (failure) stop ??= failure;
        result.requests++;
        settled.done(index, batch.length);
        report();
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(concurrency, batches.length) }, () => worker()),
    );
    if (stop) {
      result.aborted = true;
      const rests = batches.slice(next).flat();
      for (const rest of rests) {
        result.failed_list.push({
          receiver: rest,
          status: stop.status,
          status_message: stop.message,
        });
      }
      this.instrumentation.broadcastReceivers('not_sent', rests.length);
      settled.count = receivers.length;
      if (next < batches.length) report();
    }
    return result;
  }

  /** {@link broadcast} over an async iterable: read lazily, 300 receivers ahead of each request. */
  private async broadcastStream(
    source: AsyncIterable<string | readonly string[]>,
    head: string,
    signal: AbortSignal,
    concurrency: number,
    options: ViberBroadcastOptions,
    result: ViberBroadcastResult,
  ): Promise<ViberBroadcastResult> {
    const iterator = source[Symbol.asyncIterator]();
    const size = VIBER_LIMITS.broadcastReceivers;
    const settled = new SettledReceivers();
    /** Receivers read from the source and not yet put in a request. */
    let buffer: readonly string[] = [];
    let offset = 0;
    let exhausted = false;
    let sourceError: { error: unknown } | undefined;
    let batches = 0;
    let stop: BroadcastStop | undefined;
    /** Requests taken from the source but not sent because the broadcast stopped. */
    const unsent: string[][] = [];
    const report = (): void => {
      options.onProgress?.({
        total: result.total,
        sent: result.sent,
        failed: result.failed_list.length,
        uncertain: result.uncertain_list.length,
        requests: result.requests,
        settled: settled.count,
        complete: exhausted,
      });
    };
    const read = async (): Promise<{ index: number; receivers: string[] } | undefined> => {
      const batch: string[] = [];
      while (batch.length < size && !stop) {
        if (offset < buffer.length) {
          const end = Math.min(buffer.length, offset + size - batch.length);
          for (let i = offset; i < end; i++) batch.push(buffer[i]!);
          offset = end;
          continue;
        }
        if (exhausted) break;
        let step: IteratorResult<string | readonly string[]>;
        try {
          step = await iterator.next();
        } catch (error) {
          sourceError = { error };
          exhausted = true;
          stop ??= {
            status: VIBER_NOT_SENT_STATUS,
            message: `not sent: reading the receivers failed: ${error instanceof Error ? error.message : String(error)}`,
          };
          break;
        }
        if (step.done) {
          exhausted = true;
          break;
        }
        buffer = typeof step.value === 'string' ? [step.value] : step.value;
        offset = 0;
        result.total += buffer.length;
      }
      return batch.length === 0 ? undefined : { index: batches++, receivers: batch };
    };
    // One read at a time: requests keep the source's order.
    let reading: Promise<unknown> = Promise.resolve();
    const nextBatch = (): Promise<{ index: number; receivers: string[] } | undefined> => {
      const batch = reading.then(read);
      reading = batch;
      return batch;
    };
    const worker = async (): Promise<void> => {
      while (!stop) {
        if (signal.aborted || this.stopping.signal.aborted) {
          stop = STOPPED;
          break;
        }
        const batch = await nextBatch();
        if (!batch) break;
        if (stop || signal.aborted || this.stopping.signal.aborted) {
          stop ??= STOPPED;
          unsent.push(batch.receivers);
          settled.done(batch.index, batch.receivers.length);
          break;
        }
        const failure = await this.sendBroadcastBatch(batch.receivers, head, signal, result);
        // Stryker disable next-line ConditionalExpression: `stop ??= undefined` changes nothing
        if (failure) stop ??= failure;
        result.requests++;
        settled.done(batch.index, batch.receivers.length);
        report();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    if (stop) {
      result.aborted = true;
      if (offset < buffer.length) unsent.push(buffer.slice(offset));
      for (const list of unsent) {
        for (const receiver of list)
          result.failed_list.push({ receiver, status: stop.status, status_message: stop.message });
        this.instrumentation.broadcastReceivers('not_sent', list.length);
      }
      settled.count = result.total;
      if (!exhausted) {
        exhausted = true;
        try {
          await iterator.return?.();
        } catch {
          // The source's own cleanup failing changes nothing that was sent.
        }
      }
      if (unsent.length > 0) report();
    }
    if (sourceError) throw new ViberBroadcastSourceError(result, sourceError.error);
    return result;
  }

  /**
   * Sends one request of a broadcast and merges its outcome into `result`. Returns why the
   * broadcast must stop (aborted, or a status no later request could survive), if it must.
   */
  private async sendBroadcastBatch(
    batch: readonly string[],
    head: string,
    signal: AbortSignal,
    result: ViberBroadcastResult,
  ): Promise<BroadcastStop | undefined> {
    const json = `${head}"broadcast_list":${JSON.stringify(batch)}}`;
    try {
      this.checkSize(json);
      const answer = await this.requestJson<ViberBroadcastResponse>('broadcast_message', json, {
        signal,
        stop: this.stopping.signal,
      });
      if (answer.message_token !== undefined) result.message_tokens.push(answer.message_token);
      const failed = answer.failed_list ?? [];
      result.failed_list.push(...failed);
      for (const entry of failed)
        if (entry.status === ViberStatus.receiverNotSubscribed) this.notSubscribed(entry.receiver);
      result.sent += batch.length - failed.length;
      this.instrumentation.broadcastReceivers('sent', batch.length - failed.length);
      this.instrumentation.broadcastReceivers('failed', failed.length);
      return undefined;
    } catch (error) {
      const aborted = error instanceof ViberAbortedError;
      const status =
        error instanceof ViberApiError
          ? error.status
          : aborted
            ? VIBER_NOT_SENT_STATUS
            : VIBER_TRANSPORT_FAILURE_STATUS;
      const statusMessage = aborted
        ? STOPPED.message
        : error instanceof Error
          ? error.message
          : String(error);
      if (error instanceof ViberTransportError && error.outcomeUnknown) {
        result.uncertain_list.push(...batch);
        this.instrumentation.broadcastReceivers('uncertain', batch.length);
      } else {
        for (const receiver of batch)
          result.failed_list.push({ receiver, status, status_message: statusMessage });
        this.instrumentation.broadcastReceivers(
          status === VIBER_NOT_SENT_STATUS ? 'not_sent' : 'failed',
          batch.length,
        );
      }
      return aborted ||
        (error instanceof ViberApiError && BROADCAST_FATAL_STATUSES.has(error.status))
        ? { status, message: statusMessage }
        : undefined;
    }
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
    return this.requestJson<ViberPostResponse>('post', body, requestOptions);
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
      this.logger.warn?.(
        `Sending despite documented rules that Viber's own examples break: ${list}`,
      );
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

  private async sendPrepared(
    receiver: string,
    json: string,
    requestOptions?: ViberRequestOptions,
  ): Promise<ViberSendMessageResponse> {
    try {
      return await this.requestJson<ViberSendMessageResponse>('send_message', json, requestOptions);
    } catch (error) {
      if (error instanceof ViberApiError && error.status === ViberStatus.receiverNotSubscribed)
        this.notSubscribed(receiver);
      throw error;
    }
  }

  private notSubscribed(receiver: string): void {
    for (const listener of this.notSubscribedListeners) {
      try {
        listener(receiver);
      } catch {
        // A listener's failure must not change the send's outcome.
      }
    }
  }

  private async requestJson<T extends ViberResponseEnvelope>(
    endpoint: ViberEndpoint,
    json: string,
    requestOptions?: InternalRequestOptions,
  ): Promise<T> {
    const signal = this.combineSignals(requestOptions?.signal);
    // Waits end on `stop` too; a request already on the wire is left to finish.
    const waitSignal = requestOptions?.stop
      ? AbortSignal.any([signal, requestOptions.stop])
      : signal;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const release = await this.acquireSlot(endpoint, waitSignal);
      let error: unknown;
      this.inFlight++;
      const probe = this.instrumentation.apiRequestStarted(endpoint, attempt);
      try {
        const answer = await probe.run(() => this.attempt<T>(endpoint, json, signal));
        probe.end();
        return answer;
      } catch (failure) {
        error = failure;
        probe.end(failure);
      } finally {
        // The slot counts from the end of the request: at most `limit` arrivals per window.
        release();
        this.requestEnded();
      }
      const delay = backoffDelay(this.retry, attempt);
      const canRetry =
        attempt < this.retry.maxAttempts &&
        isRetryableFailure(error, endpoint) &&
        Date.now() - started + delay <= this.retry.maxTotalMs &&
        !waitSignal.aborted;
      if (!canRetry) throw error;
      this.instrumentation.apiRetried(endpoint);
      this.logger.debug?.(
        `Retrying ${endpoint} in ${delay} ms (attempt ${attempt + 1}/${this.retry.maxAttempts}): ${error instanceof Error ? error.message : String(error)}`,
      );
      await abortableSleep(delay, waitSignal, endpoint);
    }
  }

  /** Waits for the endpoint's rate limiter; timed for the metrics when they are on. */
  private acquireSlot(
    endpoint: ViberEndpoint,
    signal: AbortSignal,
  ): Promise<ViberRateLimitRelease> {
    if (!this.instrumentation.active || !this.limiters.limits(endpoint)) {
      return this.limiters.acquire(endpoint, signal);
    }
    const started = performance.now();
    return this.limiters.acquire(endpoint, signal).then((release) => {
      this.instrumentation.rateLimitWaited(endpoint, (performance.now() - started) / 1000);
      return release;
    });
  }

  /**
   * One request, once: no rate limiter, no retry (the queue's workers pace requests with the
   * shared limiter and decide about retries), with its own timeout. Receivers Viber reports as
   * not subscribed (status 6) reach the listeners, as with the other methods.
   * @internal
   */
  async requestOnce<T extends ViberResponseEnvelope>(
    endpoint: ViberEndpoint,
    body: object,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const json = JSON.stringify(body);
    this.checkSize(json);
    const signal = this.combineSignals(options.signal);
    this.inFlight++;
    const probe = this.instrumentation.apiRequestStarted(endpoint, 1);
    try {
      const answer = await probe.run(() =>
        this.attempt<T>(endpoint, json, signal, options.timeoutMs),
      );
      probe.end();
      if (endpoint === 'broadcast_message') {
        for (const entry of (answer as { failed_list?: ViberBroadcastResponse['failed_list'] })
          .failed_list ?? [])
          if (entry.status === ViberStatus.receiverNotSubscribed)
            this.notSubscribed(entry.receiver);
      }
      return answer;
    } catch (error) {
      probe.end(error);
      const receiver = (body as { receiver?: unknown }).receiver;
      if (
        endpoint === 'send_message' &&
        typeof receiver === 'string' &&
        error instanceof ViberApiError &&
        error.status === ViberStatus.receiverNotSubscribed
      )
        this.notSubscribed(receiver);
      throw error;
    } finally {
      this.requestEnded();
    }
  }

  /**
   * The message a queued broadcast or send stores: the default sender filled in and checked
   * against the documented limits (throws `ViberValidationError`, nothing queued).
   * @internal
   */
  prepareQueuedMessage(message: ViberOutgoingMessage | string): ViberOutgoingMessage {
    const [outgoing] = toOutgoingMessages(message);
    const prepared = this.withSender(outgoing!);
    this.prepareBody({ ...prepared, broadcast_list: [] }, '');
    return prepared;
  }

  /** One HTTP request and its parsed answer. */
  private async attempt<T extends ViberResponseEnvelope>(
    endpoint: ViberEndpoint,
    json: string,
    signal: AbortSignal,
    timeoutMs: number = this.timeout,
  ): Promise<T> {
    this.logger.debug?.(`POST ${endpoint} (${json.length} bytes)`);
    // One controller per attempt: the whole-request deadline and the outer signal (caller,
    // client closing) abort it. Cheaper than AbortSignal.timeout + AbortSignal.any per request.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = (): void => controller.abort();
    if (signal.aborted) controller.abort();
    else signal.addEventListener('abort', onAbort, { once: true });
    let response: ViberHttpAnswer;
    try {
      const url = `${this.baseUrl}/${endpoint}`;
      response = this.transport
        ? await this.transport(url, json, this.headers, controller.signal)
        : await this.axiosRequest(url, json, controller.signal);
    } catch (error) {
      throw this.transportError(endpoint, error, timedOut, signal, timeoutMs);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    return this.parseAnswer<T>(endpoint, response);
  }

  /** One request through the `HttpService`'s axios instance. */
  private async axiosRequest(
    url: string,
    json: string,
    signal: AbortSignal,
  ): Promise<ViberHttpAnswer> {
    const response = await this.http.axiosRef.request<string>({
      method: 'POST',
      url,
      data: json,
      headers: this.headers,
      responseType: 'text',
      transformResponse: KEEP_TEXT,
      validateStatus: ANY_STATUS,
      maxRedirects: 0,
      signal,
    });
    return {
      status: response.status,
      data: typeof response.data === 'string' ? response.data : '',
    };
  }

  /** The caller's signal joined with the client's own (aborted by `close()`). */
  private combineSignals(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
  }

  /**
   * Stops the client at once: requests on the wire are aborted (a broadcast reports their
   * receivers as uncertain, since Viber may have received them), waiting and future requests
   * reject with `ViberAbortedError`, and running broadcasts report their unsent receivers. At
   * application shutdown the module first calls {@link stopBroadcasts} and {@link drain}, so that
   * requests in flight can finish within the shutdown timeout.
   */
  close(): void {
    this.stopping.abort();
    this.closing.abort();
    for (const agent of this.ownedAgents) agent.destroy();
  }

  /**
   * Adds a listener for receivers Viber reports as not subscribed (status 6).
   * @internal
   */
  addReceiverNotSubscribedListener(listener: (receiver: string) => void): void {
    this.notSubscribedListeners.push(listener);
  }

  /**
   * Stops running broadcasts cleanly: requests in flight complete and are reported as Viber
   * answered, no new request starts (requests waiting for the rate limiter or a retry do not
   * start), and each broadcast reports its unsent receivers (status `-2`). Other requests are
   * not affected.
   */
  stopBroadcasts(): void {
    this.stopping.abort();
  }

  /** Number of requests on the wire right now. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /**
   * Resolves once no request is on the wire, or after `timeoutMs`; resolves `true` when idle.
   * Does not stop anything: call {@link stopBroadcasts} first so that no new request starts.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    let waiter: (() => void) | undefined;
    const idle = new Promise<boolean>((resolve) => {
      waiter = () => resolve(true);
      this.idleWaiters.push(waiter);
    });
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, false);
    });
    try {
      return await Promise.race([idle, late]);
    } finally {
      clearTimeout(timer);
      this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
    }
  }

  private requestEnded(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private parseAnswer<T extends ViberResponseEnvelope>(
    endpoint: ViberEndpoint,
    response: ViberHttpAnswer,
  ): T {
    // The token never leaves in an error: not in its message, snippet or parsed `response`.
    const text = this.redact(typeof response.data === 'string' ? response.data : '');
    const snippet = text.slice(0, SNIPPET_LENGTH);
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
          typeof parsed.status_message === 'string' ? parsed.status_message : undefined,
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
    timedOut: boolean,
    outerSignal: AbortSignal,
    timeoutMs: number,
  ): Error {
    const written = requestWasWritten(error);
    if (timedOut) return new ViberTimeoutError(endpoint, timeoutMs, written);
    if (outerSignal.aborted) return new ViberAbortedError(endpoint, written);
    if (error instanceof AxiosError) {
      if (error.code === AxiosError.ETIMEDOUT || error.code === AxiosError.ECONNABORTED) {
        return new ViberTimeoutError(endpoint, timeoutMs, written);
      }
      const code = typeof error.code === 'string' ? error.code : undefined;
      return new ViberNetworkError(endpoint, code, this.redact(error.message), written);
    }
    if (error instanceof ViberValidationError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new ViberNetworkError(endpoint, undefined, this.redact(detail), written);
  }

  /** Removes the token from any text that could reach an error or a log line. */
  private redact(text: string): string {
    return text.includes(this.token) ? text.split(this.token).join('[redacted]') : text;
  }
}
