import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ValidationContext,
  VIBER_LIMITS,
  ViberStatus,
  isRecord,
  parseJsonLossless,
  validateRequestSize,
  viberStatusName,
  type ViberOutgoingMessage,
  type ViberWebhookEventType,
} from 'nestjs-viber';
import { checkMessageBody, messageFields, refuse, type ApiRefusal } from './api-request.validator';
import { CallbackDeliveryService } from './callback-delivery.service';
import { ChatPageRouter } from './chat-page/chat-page.router';
import { SimulatedUser, type SimulatedUserHost } from './simulated-user.model';
import { MessageTokenGenerator, stringifyJson } from './raw-json.util';
import {
  DEFAULT_CHAT_HOSTNAME,
  ViberCallbackFactory,
  type SignedViberCallback,
} from './viber-callbacks.factory';
import { ViberEmulatorError } from './viber-emulator.error';
import {
  ALL_WEBHOOK_EVENT_TYPES,
  DEFAULT_RETRY_SCHEDULE,
  randomViberToken,
} from './emulator.defaults';
import type { ViberEmulatorEvents } from './viber-emulator.events';
import type {
  EmulatorAccount,
  EmulatorApiRequest,
  EmulatorBotMessage,
  EmulatorCallbackAttempt,
  EmulatorCallbackDelivery,
  EmulatorMessageSource,
  EmulatorReceipt,
  EmulatorUserActivity,
  EmulatorWebhook,
  EmulatorWebhookPreset,
  ReplyWaitOptions,
  SimulatedUserProfile,
  ViberEmulatorOptions,
} from './viber-emulator.types';

// Names that live in their own files, exported with the emulator (the package index exports this file).
export {
  ALL_WEBHOOK_EVENT_TYPES,
  DEFAULT_RETRY_SCHEDULE,
  randomViberToken,
} from './emulator.defaults';
export type { ViberEmulatorEvents } from './viber-emulator.events';

/** The endpoints the emulator serves under its base path (SPEC §1). */
export const EMULATOR_ENDPOINTS = [
  'set_webhook',
  'send_message',
  'broadcast_message',
  'get_account_info',
  'get_user_details',
  'get_online',
  'post',
] as const;

/** `status_message` of a request without any auth token (SPEC §1; numeric status undocumented). */
export const MISSING_AUTH_TOKEN_MESSAGE = 'missing_auth_token';

/** Bodies above this many bytes are not even kept (they are refused with status 3 anyway). */
const HARD_BODY_LIMIT = 1024 * 1024;
/** Events that cannot be filtered out with `event_types` (SPEC §1.1). */
const MANDATORY_EVENTS: ReadonlySet<string> = new Set([
  'webhook',
  'message',
  'subscribed',
  'unsubscribed',
  'client_status',
]);
/** Values accepted in `set_webhook.event_types`. */
const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set([
  ...ALL_WEBHOOK_EVENT_TYPES,
  'message',
  'client_status',
]);
const ONLINE_STATUS_MESSAGES = ['online', 'offline', 'undisclosed', 'tryLater', 'unavailable'];
const HOUR_MS = 60 * 60 * 1000;

/** An answer to an API request: the JSON body (bigints become raw numbers) and follow-up work. */
interface ApiAnswer {
  httpStatus: number;
  body: Record<string, unknown>;
  after?: () => void;
}

/**
 * A local Viber REST Bot API for development and tests (SPEC §1–§5, §8). It serves every
 * endpoint under `{url}` (`http://127.0.0.1:PORT/pa`), checks the auth token and each request
 * body against the spec and answers with the documented statuses, keeps simulated users, and
 * posts signed callbacks to the bot's webhook the way Viber does — the `webhook` check on
 * `set_webhook`, `conversation_started` with its welcome answer, `message`, `subscribed`,
 * `unsubscribed`, `delivered` + `seen` after each bot message, `failed` — re-sending callbacks
 * not answered 200 on a schedule.
 *
 * ```ts
 * const emulator = await ViberEmulator.start({ webhook: `${appUrl}/viber/webhook` });
 * // ViberModule.forRoot({ token: emulator.token, apiUrl: emulator.url, … })
 * const replies = await emulator.user('alice').send('hi');
 * await emulator.close();
 * ```
 *
 * Decisions where the spec is silent (all answers are HTTP 200 with a JSON body, like Viber):
 * - No token at all (no `X-Viber-Auth-Token` header, no body `auth_token`) → status 2 with
 *   `status_message` `"missing_auth_token"`; a wrong token → 2 `invalidAuthToken`. The header
 *   wins over the body field. The token is checked before anything else.
 * - Then: body over 30 KB (`VIBER_LIMITS.requestBytes`) → 3; not JSON or not an object → 3;
 *   a required field absent → 4; a field of the wrong type or outside its documented range → 3;
 *   fields needing a higher API level than `min_api_version` → 14; `send_message` /
 *   `broadcast_message` without a webhook set → 10; unknown receiver → 5; unsubscribed → 6;
 *   rate limits (opt-in) → 12; user's `api_version` below `min_api_version` → 13.
 * - Empty `broadcast_list` / `ids` → 4; more than 300 / 100 → 3; `receiver: ""` → 4.
 * - `status_message` is the status name, followed by `: <details>` when the emulator knows why.
 * - Unknown paths answer HTTP 404, other methods than POST HTTP 405 (`GET get_account_info` is
 *   also served, as in the 2023 docs).
 * - `event_types` filters `delivered`, `seen`, `failed`, `conversation_started`; `message`,
 *   `subscribed`, `unsubscribed` are always sent. Without `send_name`, callbacks carry the name
 *   `"Subscriber"`; without `send_photo`, no avatar.
 * - `post` accepts only `from` = the account's admin id (`account.adminId`), refuses keyboards
 *   (3), and posts no callbacks.
 *
 * The same server serves a web chat page at {@link chatUrl} (`/` or `/chat`) where a person talks
 * to the bot as a simulated user, with its JSON endpoints and Server-Sent Events under
 * `/_emulator/` (the chat page's router); these requests are not logged in {@link requests}.
 */
export class ViberEmulator extends EventEmitter<ViberEmulatorEvents> implements SimulatedUserHost {
  /** The bot's auth token the emulator accepts and signs callbacks with. */
  readonly token: string;
  /** Builds callbacks signed with this emulator's token (for posting them by hand). */
  readonly callbacks: ViberCallbackFactory;
  /** Default reply-waiting options of the user helpers. */
  readonly replyDefaults: ReplyWaitOptions;

  private readonly server: http.Server;
  private readonly tokens = new MessageTokenGenerator();
  private readonly delivery: CallbackDeliveryService;
  private readonly options: Required<
    Pick<
      ViberEmulatorOptions,
      | 'host'
      | 'port'
      | 'basePath'
      | 'callbackTimeoutMs'
      | 'deliveryReceipts'
      | 'receiptDelayMs'
      | 'chatHostname'
      | 'requireHttps'
      | 'enforceRateLimits'
      | 'maxLogEntries'
    >
  >;
  private readonly accountInfo: EmulatorAccount;
  private readonly userMap = new Map<string, SimulatedUser>();
  private readonly requestLog: EmulatorApiRequest[] = [];
  private readonly deliveryLog: EmulatorCallbackDelivery[] = [];
  private readonly messageLog: EmulatorBotMessage[] = [];
  private readonly postLog: Array<{ token: string; from: string; message: ViberOutgoingMessage }> =
    [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly closeHooks = new Set<(error: Error) => void>();
  private readonly chatPage: ChatPageRouter;
  private currentWebhook: EmulatorWebhook | undefined;
  private listening = false;
  private closed = false;

  private constructor(options: ViberEmulatorOptions) {
    super();
    this.token = options.token ?? randomViberToken();
    this.options = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      basePath: normalizeBasePath(options.basePath ?? '/pa'),
      callbackTimeoutMs: options.callbackTimeoutMs ?? 5000,
      deliveryReceipts: options.deliveryReceipts ?? true,
      receiptDelayMs: options.receiptDelayMs ?? 0,
      chatHostname: options.chatHostname ?? DEFAULT_CHAT_HOSTNAME,
      requireHttps: options.requireHttps ?? false,
      enforceRateLimits: options.enforceRateLimits ?? false,
      maxLogEntries: options.maxLogEntries ?? 1000,
    };
    this.replyDefaults = {
      quietMs: options.replies?.quietMs ?? 150,
      timeoutMs: options.replies?.timeoutMs ?? 5000,
      expectOk: options.replies?.expectOk ?? true,
      ...(options.replies?.count !== undefined ? { count: options.replies.count } : {}),
    };
    const digits = this.tokens.take().toString();
    this.accountInfo = {
      id: `pa:${digits}`,
      name: options.botName ?? 'Emulator Bot',
      uri: 'emulatorbot',
      icon: 'https://emulator.invalid/icon.jpg',
      background: 'https://emulator.invalid/background.jpg',
      category: 'Local',
      subcategory: 'Emulator',
      location: { lat: 0, lon: 0 },
      country: 'UA',
      adminId: `adm${digits.slice(-10)}==`,
      adminName: 'Emulator Admin',
      ...options.account,
    };
    this.callbacks = new ViberCallbackFactory(this.token, {
      chatHostname: this.options.chatHostname,
      nextToken: () => this.tokens.take(),
    });
    this.delivery = new CallbackDeliveryService({
      retrySchedule: [...(options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE)],
      timeoutMs: this.options.callbackTimeoutMs,
      webhookUrl: () => this.currentWebhook?.url,
      onAttempt: (delivery, attempt) => this.safeEmit('callback', delivery, attempt),
    });
    if (options.webhook !== undefined) this.setWebhook(options.webhook);
    for (const user of options.users ?? []) this.user(user);
    this.chatPage = new ChatPageRouter(this);
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(error instanceof Error ? error.message : String(error));
        }
      });
    });
  }

  /** Starts an emulator listening on `host:port` (default `127.0.0.1`, any free port). */
  static async start(options: ViberEmulatorOptions = {}): Promise<ViberEmulator> {
    const emulator = new ViberEmulator(options);
    await new Promise<void>((resolve, reject) => {
      emulator.server.once('error', reject);
      emulator.server.listen(emulator.options.port, emulator.options.host, () => {
        emulator.server.off('error', reject);
        resolve();
      });
    });
    emulator.listening = true;
    return emulator;
  }

  /** The port the emulator listens on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The server's origin, e.g. `http://127.0.0.1:41234`. */
  get origin(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}`;
  }

  /**
   * The web chat page, e.g. `http://127.0.0.1:41234/`: pick or create a simulated user, open the
   * conversation, send text, pictures, locations and contacts, see the bot's messages (keyboards
   * and rich media drawn and tappable) live.
   */
  get chatUrl(): string {
    return `${this.origin}/`;
  }

  /** The API base URL to give the bot's client as `apiUrl`, e.g. `http://127.0.0.1:41234/pa`. */
  get url(): string {
    return `${this.origin}${this.options.basePath}`;
  }

  /**
   * What the bot's client needs to talk to this emulator: spread it into the module options,
   * `ViberModule.forRoot({ ...emulator.clientOptions, sender: … })`.
   */
  get clientOptions(): { token: string; apiUrl: string } {
    return { token: this.token, apiUrl: this.url };
  }

  /** The registered webhook, if any. */
  get webhook(): EmulatorWebhook | undefined {
    return this.currentWebhook;
  }

  /** The bot's account, as `get_account_info` reports it. */
  get account(): Readonly<EmulatorAccount> {
    return this.accountInfo;
  }

  /** `chat_hostname` of answers and callbacks. */
  get chatHostname(): string {
    return this.options.chatHostname;
  }

  /** Every API request answered (most recent last, at most `maxLogEntries`). */
  get requests(): readonly EmulatorApiRequest[] {
    return this.requestLog;
  }

  /** Every callback posted, with its attempts (most recent last, at most `maxLogEntries`). */
  get deliveries(): readonly EmulatorCallbackDelivery[] {
    return this.deliveryLog;
  }

  /** Every bot message accepted, to any user (most recent last, at most `maxLogEntries`). */
  get botMessages(): readonly EmulatorBotMessage[] {
    return this.messageLog;
  }

  /** Messages accepted by the `post` endpoint. */
  get posts(): ReadonlyArray<{ token: string; from: string; message: ViberOutgoingMessage }> {
    return this.postLog;
  }

  /** Every simulated user. */
  get users(): readonly SimulatedUser[] {
    return [...this.userMap.values()];
  }

  /** The subscribed users. */
  get subscribers(): readonly SimulatedUser[] {
    return this.users.filter((user) => user.subscribed);
  }

  /**
   * Returns the simulated user with this id, creating it (registered with Viber, not subscribed
   * unless `subscribed: true`) on first use. A profile given for an existing id is ignored.
   */
  user(idOrProfile: string | SimulatedUserProfile): SimulatedUser {
    const profile = typeof idOrProfile === 'string' ? { id: idOrProfile } : idOrProfile;
    const existing = this.userMap.get(profile.id);
    if (existing !== undefined) return existing;
    const created = new SimulatedUser(profile, this);
    this.userMap.set(created.id, created);
    this.safeEmit('userAdded', created);
    return created;
  }

  /** Whether a user with this id exists. */
  hasUser(id: string): boolean {
    return this.userMap.has(id);
  }

  /**
   * Registers (or with `undefined` removes) the webhook directly, without the `webhook` check
   * callback. Names and avatars are sent unless the preset says otherwise.
   */
  setWebhook(webhook: string | EmulatorWebhookPreset | undefined): void {
    if (webhook === undefined || webhook === '') {
      this.currentWebhook = undefined;
      return;
    }
    const preset = typeof webhook === 'string' ? { url: webhook } : webhook;
    if (typeof preset.url !== 'string' || !isWebUrl(preset.url)) {
      throw new TypeError(`ViberEmulator: webhook URL must be an http(s) URL, got ${preset.url}`);
    }
    this.currentWebhook = {
      url: preset.url,
      eventTypes: [...(preset.eventTypes ?? ALL_WEBHOOK_EVENT_TYPES)],
      sendName: preset.sendName ?? true,
      sendPhoto: preset.sendPhoto ?? true,
    };
  }

  /** Whether the current webhook receives `event` (mandatory events always). */
  eventEnabled(event: string): boolean {
    if (this.currentWebhook === undefined) return false;
    if (MANDATORY_EVENTS.has(event)) return true;
    return (this.currentWebhook.eventTypes as readonly string[]).includes(event);
  }

  /**
   * Posts a signed callback to the webhook (re-sent on the schedule while not answered 200) and
   * resolves after the first attempt. Use it for hand-made callbacks: `emulator.postCallback(
   * emulator.callbacks.message('alice', 'hi'))`.
   */
  async postCallback(
    callback: SignedViberCallback,
    userId?: string,
  ): Promise<{ delivery: EmulatorCallbackDelivery; first: EmulatorCallbackAttempt }> {
    const result = await this.delivery.deliver(callback, { userId });
    if (result.first.attempt > 0) this.pushLog(this.deliveryLog, result.delivery);
    return result;
  }

  /**
   * Resolves with the first event of this kind (matching `predicate`) emitted from now on;
   * rejects after `timeoutMs` (default 5000) or when the emulator closes.
   */
  waitFor<K extends keyof ViberEmulatorEvents>(
    event: K,
    predicate: (...args: ViberEmulatorEvents[K]) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ViberEmulatorEvents[K][0]> {
    return this.wait<ViberEmulatorEvents[K][0]>(timeoutMs, `a "${String(event)}" event`, (done) => {
      const listener = (...args: ViberEmulatorEvents[K]): void => {
        if (predicate(...args)) done(args[0]);
      };
      const emitter = this as unknown as EventEmitter;
      emitter.on(event, listener as (...args: unknown[]) => void);
      return () => emitter.off(event, listener as (...args: unknown[]) => void);
    });
  }

  /**
   * Waits until at least `count` bot messages (to `receiver`, when given) were accepted in total
   * and resolves to them; rejects after `timeoutMs` (default 5000).
   */
  waitForBotMessages(
    count: number,
    options: { receiver?: string; timeoutMs?: number } = {},
  ): Promise<EmulatorBotMessage[]> {
    const matching = (): EmulatorBotMessage[] =>
      this.messageLog.filter(
        (message) => options.receiver === undefined || message.receiver === options.receiver,
      );
    return this.wait(options.timeoutMs ?? 5000, `${count} bot messages`, (done) => {
      const check = (): void => {
        const found = matching();
        if (found.length >= count) done(found);
      };
      this.on('botMessage', check);
      check();
      return () => this.off('botMessage', check);
    });
  }

  /**
   * Resolves once nothing is left to do: every callback answered, dropped or abandoned (re-sends
   * included) and every scheduled receipt posted.
   */
  async settled(): Promise<void> {
    while (!this.closed) {
      if (this.background.size > 0) {
        await Promise.allSettled([...this.background]);
        continue;
      }
      await this.delivery.idle();
      if (this.background.size === 0) return;
    }
  }

  /**
   * Stops the server, cancels every scheduled re-send and receipt, aborts callbacks in flight,
   * and rejects pending waits. Leaves no timer or socket behind.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.delivery.close();
    const error = new ViberEmulatorError('The Viber emulator was closed');
    for (const hook of [...this.closeHooks]) hook(error);
    this.closeHooks.clear();
    this.chatPage.close();
    if (this.listening) {
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      });
    }
    this.removeAllListeners();
  }

  // ---------------------------------------------------------------- SimulatedUserHost

  /** @internal Waits for the bot's replies to a user action (see {@link ReplyWaitOptions}). */
  collectReplies(
    user: SimulatedUser,
    start: number,
    options: ReplyWaitOptions,
  ): Promise<EmulatorBotMessage[]> {
    const quietMs = options.quietMs ?? this.replyDefaults.quietMs ?? 150;
    const timeoutMs = options.timeoutMs ?? this.replyDefaults.timeoutMs ?? 5000;
    const count = options.count ?? this.replyDefaults.count;
    const replies = (): EmulatorBotMessage[] => user.botMessages.slice(start);
    if (count !== undefined) {
      return this.waitForUserMessages(user, start, count, timeoutMs).then((found) =>
        found.slice(0, count),
      );
    }
    return new Promise<EmulatorBotMessage[]>((resolve, reject) => {
      let quiet: NodeJS.Timeout | undefined;
      const finish = (): void => {
        cleanup();
        resolve(replies());
      };
      const armQuiet = (): void => {
        if (quiet !== undefined) this.clearTimer(quiet);
        quiet = this.setTimer(finish, quietMs);
      };
      const onMessage = (message: EmulatorBotMessage): void => {
        if (message.receiver === user.id) armQuiet();
      };
      const onClose = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const overall = this.setTimer(finish, timeoutMs);
      const cleanup = (): void => {
        if (quiet !== undefined) this.clearTimer(quiet);
        this.clearTimer(overall);
        this.off('botMessage', onMessage);
        this.closeHooks.delete(onClose);
      };
      if (this.closed) {
        onClose(new ViberEmulatorError('The Viber emulator was closed'));
        return;
      }
      this.closeHooks.add(onClose);
      this.on('botMessage', onMessage);
      armQuiet();
    });
  }

  /** @internal Waits until `user` received at least `count` bot messages after `start`. */
  waitForUserMessages(
    user: SimulatedUser,
    start: number,
    count: number,
    timeoutMs: number,
  ): Promise<EmulatorBotMessage[]> {
    return this.wait<EmulatorBotMessage[]>(
      timeoutMs,
      `${count} bot messages to ${user.id}`,
      (done) => {
        const check = (): void => {
          const found = user.botMessages.slice(start);
          if (found.length >= count) done(found);
        };
        this.on('botMessage', check);
        check();
        return () => this.off('botMessage', check);
      },
    ).catch((error: unknown) => {
      if (error instanceof ViberEmulatorError && error.message.startsWith('Timed out')) {
        const got = user.botMessages.slice(start);
        throw new ViberEmulatorError(
          `Expected ${count} bot messages to ${user.id} within ${timeoutMs} ms, got ${got.length}: ${JSON.stringify(got.map((message) => message.message))}`,
        );
      }
      throw error;
    });
  }

  /** @internal Emits a user's action as `userActivity` (called by {@link SimulatedUser}). */
  reportActivity(activity: EmulatorUserActivity): void {
    this.safeEmit('userActivity', activity);
  }

  /** @internal Validates and records the welcome message of a `conversation_started` answer. */
  acceptWelcome(user: SimulatedUser, answer: string): EmulatorBotMessage | null {
    const text = answer.trim();
    if (text.length === 0) return null;
    let parsed: unknown;
    try {
      parsed = parseJsonLossless(text);
    } catch {
      return null;
    }
    if (!isRecord(parsed)) return null;
    if (parsed.type === undefined && parsed.keyboard === undefined && parsed.text === undefined) {
      return null;
    }
    const ctx = new ValidationContext();
    validateRequestSize(ctx, text);
    const refusal =
      ctx.issues.length > 0
        ? refuse(ViberStatus.badData, `welcome message over ${VIBER_LIMITS.requestBytes} bytes`)
        : (checkMessageBody(parsed, false) ?? this.apiVersionRefusal(user, parsed));
    if (refusal !== undefined) {
      throw new ViberEmulatorError(
        `The welcome message was refused with status ${refusal.status} (${viberStatusName(refusal.status)}): ${refusal.detail}`,
        { status: refusal.status },
      );
    }
    return this.recordBotMessage(user, messageFields(parsed), 'welcome', this.tokens.take(), false);
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const { text, bytes } = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://emulator').pathname.replace(/\/+$/, '');
    if (this.chatPage.matches(path)) {
      await this.chatPage.handle(request, response, path, text);
      return;
    }
    const prefix = `${this.options.basePath}/`;
    const endpoint = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
    const method = request.method ?? 'GET';
    let answer: ApiAnswer;
    if (endpoint === undefined || !(EMULATOR_ENDPOINTS as readonly string[]).includes(endpoint)) {
      answer = { httpStatus: 404, body: { status: -1, status_message: 'Not found' } };
    } else if (method !== 'POST' && !(method === 'GET' && endpoint === 'get_account_info')) {
      answer = { httpStatus: 405, body: { status: -1, status_message: 'Method not allowed' } };
    } else {
      answer = await this.answer(endpoint, request, method === 'GET' ? '{}' : text, bytes);
    }
    const responseBody = stringifyJson(answer.body);
    response.writeHead(answer.httpStatus, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(responseBody),
    });
    response.end(responseBody);
    const record: EmulatorApiRequest = {
      endpoint: endpoint ?? path,
      method,
      rawBody: text,
      body: safeParse(text),
      status: typeof answer.body.status === 'number' ? answer.body.status : -1,
      statusMessage: String(answer.body.status_message ?? ''),
      httpStatus: answer.httpStatus,
      responseBody,
      timestamp: Date.now(),
    };
    this.pushLog(this.requestLog, record);
    this.safeEmit('request', record);
    answer.after?.();
  }

  private async answer(
    endpoint: string,
    request: http.IncomingMessage,
    text: string,
    bytes: number,
  ): Promise<ApiAnswer> {
    const headerToken = request.headers['x-viber-auth-token'];
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
      return this.reply(ViberStatus.invalidAuthToken, {}, MISSING_AUTH_TOKEN_MESSAGE);
    }
    if (token !== this.token) return this.fail(refuse(ViberStatus.invalidAuthToken, ''));
    if (bytes > VIBER_LIMITS.requestBytes) {
      return this.fail(
        refuse(
          ViberStatus.badData,
          `the request is ${bytes} bytes, over the ${VIBER_LIMITS.requestBytes}-byte limit`,
        ),
      );
    }
    if (parseError) return this.fail(refuse(ViberStatus.badData, 'the body is not valid JSON'));
    if (!isRecord(parsed)) {
      return this.fail(refuse(ViberStatus.badData, 'the body must be a JSON object'));
    }
    switch (endpoint as (typeof EMULATOR_ENDPOINTS)[number]) {
      case 'set_webhook':
        return this.setWebhookEndpoint(parsed);
      case 'send_message':
        return this.sendMessageEndpoint(parsed, text);
      case 'broadcast_message':
        return this.broadcastEndpoint(parsed, text);
      case 'get_account_info':
        return this.accountInfoEndpoint();
      case 'get_user_details':
        return this.userDetailsEndpoint(parsed);
      case 'get_online':
        return this.onlineEndpoint(parsed);
      case 'post':
        return this.postEndpoint(parsed, text);
    }
  }

  // ---------------------------------------------------------------- endpoints

  private async setWebhookEndpoint(body: Record<string, unknown>): Promise<ApiAnswer> {
    const { url } = body;
    if (url === undefined || url === null) {
      return this.fail(refuse(ViberStatus.missingData, 'url is required'));
    }
    if (typeof url !== 'string')
      return this.fail(refuse(ViberStatus.badData, 'url must be a string'));
    for (const flag of ['send_name', 'send_photo', 'is_inline']) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean') {
        return this.fail(refuse(ViberStatus.badData, `${flag} must be a boolean`));
      }
    }
    const eventTypes = body.event_types;
    if (eventTypes !== undefined) {
      if (!Array.isArray(eventTypes) || eventTypes.some((item) => typeof item !== 'string')) {
        return this.fail(refuse(ViberStatus.badData, 'event_types must be an array of strings'));
      }
      const unknown = (eventTypes as string[]).filter((item) => !KNOWN_EVENT_TYPES.has(item));
      if (unknown.length > 0) {
        return this.fail(
          refuse(ViberStatus.badData, `event_types has unknown values: ${unknown.join(', ')}`),
        );
      }
    }
    if (url === '') {
      this.currentWebhook = undefined;
      return this.reply(ViberStatus.ok, {});
    }
    if (!isWebUrl(url) || (this.options.requireHttps && !url.startsWith('https:'))) {
      return this.fail(
        refuse(
          ViberStatus.invalidUrl,
          this.options.requireHttps ? 'the URL must be https' : 'the URL must be http(s)',
        ),
      );
    }
    const check = this.callbacks.webhook();
    const { delivery, first } = await this.delivery.deliver(check, { retry: false, url });
    if (first.attempt > 0) this.pushLog(this.deliveryLog, delivery);
    if (!first.ok) {
      const why =
        first.httpStatus !== undefined
          ? `the webhook answered HTTP ${first.httpStatus} to the webhook callback`
          : `the webhook callback failed: ${first.error ?? 'no answer'}`;
      return this.fail(refuse(ViberStatus.invalidUrl, why));
    }
    const requested = eventTypes as ViberWebhookEventType[] | undefined;
    const registered =
      requested === undefined ? [...ALL_WEBHOOK_EVENT_TYPES] : [...new Set(requested)];
    this.currentWebhook = {
      url,
      eventTypes: registered,
      sendName: body.send_name === true,
      sendPhoto: body.send_photo === true,
    };
    return this.reply(ViberStatus.ok, { event_types: registered });
  }

  private sendMessageEndpoint(body: Record<string, unknown>, text: string): ApiAnswer {
    const receiver = body.receiver;
    if (receiver === undefined || receiver === null || receiver === '') {
      return this.fail(refuse(ViberStatus.missingData, 'receiver is required'));
    }
    if (typeof receiver !== 'string') {
      return this.fail(refuse(ViberStatus.badData, 'receiver must be a string'));
    }
    const refusal = this.checkRequestMessage(body, text, true);
    if (refusal !== undefined) return this.fail(refusal);
    if (this.currentWebhook === undefined) {
      return this.fail(refuse(ViberStatus.webhookNotSet, 'set a webhook first'));
    }
    const user = this.userMap.get(receiver);
    if (user === undefined) {
      return this.fail(refuse(ViberStatus.receiverNotRegistered, `no user ${receiver}`));
    }
    if (!user.subscribed) {
      return this.fail(refuse(ViberStatus.receiverNotSubscribed, `${receiver} is not subscribed`));
    }
    if (this.options.enforceRateLimits) {
      const since = Date.now() - HOUR_MS;
      const recent = user.unansweredSends.filter((time) => time > since).length;
      if (recent >= 100) {
        return this.fail(
          refuse(
            ViberStatus.tooManyRequests,
            '100 messages to this user without a reply in an hour',
          ),
        );
      }
    }
    const versionRefusal = this.apiVersionRefusal(user, body);
    if (versionRefusal !== undefined) return this.fail(versionRefusal);
    const token = this.tokens.take();
    return {
      ...this.reply(ViberStatus.ok, { message_token: token, billing_status: 0 }),
      after: () => {
        this.recordBotMessage(user, messageFields(body), 'send_message', token, true);
      },
    };
  }

  private broadcastEndpoint(body: Record<string, unknown>, text: string): ApiAnswer {
    const list = body.broadcast_list;
    if (list === undefined || list === null) {
      return this.fail(refuse(ViberStatus.missingData, 'broadcast_list is required'));
    }
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
      return this.fail(refuse(ViberStatus.badData, 'broadcast_list must be an array of user ids'));
    }
    if (list.length === 0) {
      return this.fail(refuse(ViberStatus.missingData, 'broadcast_list is empty'));
    }
    if (list.length > VIBER_LIMITS.broadcastReceivers) {
      return this.fail(
        refuse(
          ViberStatus.badData,
          `broadcast_list has ${list.length} receivers, over the limit of ${VIBER_LIMITS.broadcastReceivers}`,
        ),
      );
    }
    const refusal = this.checkRequestMessage(body, text, true);
    if (refusal !== undefined) return this.fail(refusal);
    if (this.currentWebhook === undefined) {
      return this.fail(refuse(ViberStatus.webhookNotSet, 'set a webhook first'));
    }
    const failed: Array<{ receiver: string; status: number; status_message: string }> = [];
    const reached: SimulatedUser[] = [];
    for (const id of new Set(list as string[])) {
      const user = this.userMap.get(id);
      if (user === undefined) {
        failed.push({
          receiver: id,
          status: ViberStatus.receiverNotRegistered,
          status_message: 'Not found',
        });
      } else if (!user.subscribed) {
        failed.push({
          receiver: id,
          status: ViberStatus.receiverNotSubscribed,
          status_message: 'Not subscribed',
        });
      } else if (this.apiVersionRefusal(user, body) !== undefined) {
        failed.push({
          receiver: id,
          status: ViberStatus.apiVersionNotSupported,
          status_message: 'apiVersionNotSupported',
        });
      } else {
        reached.push(user);
      }
    }
    const token = this.tokens.take();
    const message = messageFields(body);
    return {
      ...this.reply(ViberStatus.ok, { message_token: token, failed_list: failed }),
      after: () => {
        for (const user of reached) {
          this.recordBotMessage(
            user,
            replacePlaceholders(message, user),
            'broadcast_message',
            token,
            true,
          );
        }
      },
    };
  }

  private accountInfoEndpoint(): ApiAnswer {
    const account = this.accountInfo;
    return this.reply(ViberStatus.ok, {
      id: account.id,
      name: account.name,
      uri: account.uri,
      icon: account.icon,
      background: account.background,
      category: account.category,
      subcategory: account.subcategory,
      location: account.location,
      country: account.country,
      webhook: this.currentWebhook?.url ?? '',
      event_types: [...(this.currentWebhook?.eventTypes ?? [])],
      subscribers_count: this.subscribers.length,
      members: [{ id: account.adminId, name: account.adminName, role: 'admin' }],
    });
  }

  private userDetailsEndpoint(body: Record<string, unknown>): ApiAnswer {
    const id = body.id;
    if (id === undefined || id === null || id === '') {
      return this.fail(refuse(ViberStatus.missingData, 'id is required'));
    }
    if (typeof id !== 'string')
      return this.fail(refuse(ViberStatus.badData, 'id must be a string'));
    const user = this.userMap.get(id);
    if (user === undefined) {
      return this.fail(refuse(ViberStatus.receiverNotRegistered, `no user ${id}`));
    }
    if (this.options.enforceRateLimits) {
      const since = Date.now() - 12 * HOUR_MS;
      const recent = user.detailsCalls.filter((time) => time > since);
      if (recent.length >= 2) {
        return this.fail(
          refuse(
            ViberStatus.tooManyRequests,
            'get_user_details is allowed twice per user per 12 h',
          ),
        );
      }
    }
    user.detailsCalls.push(Date.now());
    return this.reply(ViberStatus.ok, {
      message_token: this.tokens.take(),
      user: { ...user.details },
    });
  }

  private onlineEndpoint(body: Record<string, unknown>): ApiAnswer {
    const ids = body.ids;
    if (ids === undefined || ids === null) {
      return this.fail(refuse(ViberStatus.missingData, 'ids is required'));
    }
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) {
      return this.fail(refuse(ViberStatus.badData, 'ids must be an array of user ids'));
    }
    if (ids.length === 0) return this.fail(refuse(ViberStatus.missingData, 'ids is empty'));
    if (ids.length > VIBER_LIMITS.onlineIds) {
      return this.fail(
        refuse(
          ViberStatus.badData,
          `ids has ${ids.length} entries, over the limit of ${VIBER_LIMITS.onlineIds}`,
        ),
      );
    }
    const users = (ids as string[]).map((id) => {
      const user = this.userMap.get(id);
      const status = user === undefined || !user.subscribed ? 4 : user.onlineStatus;
      const entry: Record<string, unknown> = {
        id,
        online_status: status,
        online_status_message: ONLINE_STATUS_MESSAGES[status],
      };
      if (status === 1 && user !== undefined) entry.last_online = user.lastOnline;
      return entry;
    });
    return this.reply(ViberStatus.ok, { users });
  }

  private postEndpoint(body: Record<string, unknown>, text: string): ApiAnswer {
    const from = body.from;
    if (from === undefined || from === null || from === '') {
      return this.fail(refuse(ViberStatus.missingData, 'from is required'));
    }
    if (typeof from !== 'string')
      return this.fail(refuse(ViberStatus.badData, 'from must be a string'));
    if (body.keyboard !== undefined) {
      return this.fail(refuse(ViberStatus.badData, 'keyboards are not supported in posts'));
    }
    const refusal = this.checkRequestMessage(body, text, false);
    if (refusal !== undefined) return this.fail(refusal);
    if (from !== this.accountInfo.adminId) {
      return this.fail(
        refuse(ViberStatus.badData, `from must be the admin id (get_account_info members)`),
      );
    }
    const token = this.tokens.take();
    this.pushLog(this.postLog, {
      token: token.toString(),
      from,
      message: messageFields(body) as unknown as ViberOutgoingMessage,
    });
    return this.reply(ViberStatus.ok, { message_token: token });
  }

  // ---------------------------------------------------------------- helpers

  private checkRequestMessage(
    body: Record<string, unknown>,
    text: string,
    senderRequired: boolean,
  ): ApiRefusal | undefined {
    const ctx = new ValidationContext();
    validateRequestSize(ctx, text);
    if (ctx.issues.length > 0) {
      return refuse(ViberStatus.badData, ctx.issues.map((issue) => issue.message).join('; '));
    }
    return checkMessageBody(body, senderRequired);
  }

  private apiVersionRefusal(
    user: SimulatedUser,
    body: Record<string, unknown>,
  ): ApiRefusal | undefined {
    const needed = typeof body.min_api_version === 'number' ? body.min_api_version : 1;
    if (user.apiVersion >= needed) return undefined;
    return refuse(
      ViberStatus.apiVersionNotSupported,
      `${user.id} supports API ${user.apiVersion}, the message needs ${needed}`,
    );
  }

  /** Records an accepted bot message, emits it, and schedules its receipts. */
  private recordBotMessage(
    user: SimulatedUser,
    fields: Record<string, unknown>,
    source: EmulatorMessageSource,
    token: bigint,
    receipts: boolean,
  ): EmulatorBotMessage {
    const message = fields as unknown as ViberOutgoingMessage;
    const record: EmulatorBotMessage = {
      token: token.toString(),
      receiver: user.id,
      source,
      message,
      type: message.type,
      text: 'text' in message && typeof message.text === 'string' ? message.text : undefined,
      keyboard: message.keyboard,
      trackingData: message.tracking_data,
      timestamp: Date.now(),
    };
    user.receive(record);
    this.pushLog(this.messageLog, record);
    this.safeEmit('botMessage', record);
    if (receipts && this.options.deliveryReceipts && !this.closed)
      this.scheduleReceipts(user, record);
    return record;
  }

  private scheduleReceipts(user: SimulatedUser, record: EmulatorBotMessage): void {
    let release: () => void = () => undefined;
    const task = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.track(task);
    const onClose = (): void => release();
    this.closeHooks.add(onClose);
    this.setTimer(() => {
      this.closeHooks.delete(onClose);
      void this.sendReceipts(user, record).finally(release);
    }, this.options.receiptDelayMs);
  }

  private async sendReceipts(user: SimulatedUser, record: EmulatorBotMessage): Promise<void> {
    if (this.closed || this.currentWebhook === undefined) return;
    const failure = !user.subscribed ? 'receiver unsubscribed' : user.simulatedFailure;
    const receipt = (status: EmulatorReceipt['status'], desc?: string): void =>
      this.safeEmit('receipt', {
        userId: user.id,
        token: record.token,
        status,
        ...(desc !== undefined ? { desc } : {}),
        timestamp: Date.now(),
      });
    if (failure !== undefined) {
      receipt('failed', failure);
      if (this.eventEnabled('failed')) {
        await this.postCallback(this.callbacks.failed(user.id, record.token, failure), user.id);
      }
      return;
    }
    receipt('delivered');
    if (this.eventEnabled('delivered')) {
      await this.postCallback(this.callbacks.delivered(user.id, record.token), user.id);
    }
    if (this.closed) return;
    receipt('seen');
    if (this.eventEnabled('seen')) {
      await this.postCallback(this.callbacks.seen(user.id, record.token), user.id);
    }
  }

  private reply(status: ViberStatus, fields: Record<string, unknown>, message?: string): ApiAnswer {
    return {
      httpStatus: 200,
      body: {
        status,
        status_message: message ?? viberStatusName(status),
        ...fields,
        chat_hostname: this.options.chatHostname,
      },
    };
  }

  private fail(refusal: ApiRefusal): ApiAnswer {
    const name = viberStatusName(refusal.status);
    return this.reply(refusal.status, {}, refusal.detail ? `${name}: ${refusal.detail}` : name);
  }

  private wait<T>(
    timeoutMs: number,
    what: string,
    subscribe: (done: (value: T) => void) => () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(new ViberEmulatorError('The Viber emulator was closed'));
        return;
      }
      let settled = false;
      let unsubscribe: () => void = () => undefined;
      const end = (): void => {
        settled = true;
        this.clearTimer(timer);
        unsubscribe();
        this.closeHooks.delete(onClose);
      };
      const onClose = (error: Error): void => {
        if (settled) return;
        end();
        reject(error);
      };
      const timer = this.setTimer(() => {
        if (settled) return;
        end();
        reject(new ViberEmulatorError(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.closeHooks.add(onClose);
      unsubscribe = subscribe((value) => {
        if (settled) return;
        end();
        resolve(value);
      });
    });
  }

  private setTimer(callback: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        callback();
      },
      Math.max(0, ms),
    );
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private track(task: Promise<unknown>): void {
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }

  private pushLog<T>(log: T[], entry: T): void {
    log.push(entry);
    if (log.length > this.options.maxLogEntries)
      log.splice(0, log.length - this.options.maxLogEntries);
  }

  private safeEmit<K extends keyof ViberEmulatorEvents>(
    event: K,
    ...args: ViberEmulatorEvents[K]
  ): void {
    try {
      (this as unknown as EventEmitter).emit(event, ...args);
    } catch {
      // A throwing listener must not break the emulator's own bookkeeping.
    }
  }
}

function normalizeBasePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

function safeParse(text: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    return undefined;
  }
}

/** Reads a request body; only the first {@link HARD_BODY_LIMIT} bytes are kept. */
function readBody(request: http.IncomingMessage): Promise<{ text: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= HARD_BODY_LIMIT) chunks.push(chunk);
    });
    request.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), bytes }));
    request.on('error', reject);
  });
}

/** Replaces the broadcast placeholders (SPEC §1.3) in every string of a message. */
function replacePlaceholders(
  message: Record<string, unknown>,
  user: SimulatedUser,
): Record<string, unknown> {
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value
        .replaceAll('replace_me_with_url_encoded_receiver_id', encodeURIComponent(user.id))
        .replaceAll('replace_me_with_receiver_id', user.id)
        .replaceAll('replace_me_with_user_name', user.name);
    }
    if (Array.isArray(value)) return value.map(replace);
    if (isRecord(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item)]));
    }
    return value;
  };
  return replace(message) as Record<string, unknown>;
}
