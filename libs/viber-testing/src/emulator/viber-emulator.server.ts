/*
 * The emulator's parts, one role per folder (all under `emulator/`):
 *
 *   transport/     the HTTP server: reads bodies, hands paths to the chat page or the API router
 *   endpoints/     the Viber API: routing and auth checks (api.router), one file per endpoint
 *                  group (webhook, messaging, account) and the answers' format (api-answer.builder)
 *   webhook/       the registered webhook and which events it receives
 *   users/         the simulated users (the user model itself is simulated-user.model.ts)
 *   messages/      accepted bot messages: conversation, log, `botMessage` event, welcome messages
 *   receipts/      `delivered` / `seen` / `failed` after each bot message
 *   waiters/       waits on events and on the bot's replies to a user's action
 *   logs/          the request, callback, bot message and post logs (bounded)
 *   lifecycle/     timers, background work, and what `close()` cancels or rejects
 *   chat-page/     the web chat page (its browser script is chat-page/client/)
 *
 * Callbacks are built by viber-callbacks.factory.ts and posted (with re-sends) by
 * callback-delivery.service.ts; request bodies are checked by api-request.validator.ts; the
 * option defaults are in emulator.defaults.ts, the public types in viber-emulator.types.ts and
 * the events in viber-emulator.events.ts. This file only wires the parts behind `ViberEmulator`.
 */
import { EventEmitter } from 'node:events';
import type { ViberOutgoingMessage, ViberValidationIssue } from 'nestjs-viber';
import { isRecord } from 'nestjs-viber/internal';
import { CallbackDeliveryService } from './callback-delivery.service';
import { ChatPageRouter } from './chat-page/chat-page.router';
import {
  DEFAULT_RETRY_SCHEDULE,
  randomViberToken,
  resolveAccount,
  resolveEmulatorOptions,
  resolveReplyDefaults,
  type ResolvedEmulatorOptions,
} from './emulator.defaults';
import { AccountEndpoints } from './endpoints/account.endpoints';
import { ApiAnswerBuilder } from './endpoints/api-answer.builder';
import { ApiRouter } from './endpoints/api.router';
import { MessagingEndpoints } from './endpoints/messaging.endpoints';
import { WebhookEndpoints } from './endpoints/webhook.endpoints';
import { EmulatorLifecycle } from './lifecycle/emulator.lifecycle';
import { EmulatorLogs } from './logs/emulator.logs';
import { BotMessageRecorder } from './messages/bot-message.recorder';
import { MessageTokenGenerator } from './raw-json.util';
import { ReceiptScheduler } from './receipts/receipt.scheduler';
import type { SimulatedUser, SimulatedUserHost } from './simulated-user.model';
import { EmulatorHttpTransport } from './transport/emulator-http.transport';
import { UserRegistry } from './users/user.registry';
import { ViberCallbackFactory, type SignedViberCallback } from './viber-callbacks.factory';
import type { ViberEmulatorEvents } from './viber-emulator.events';
import type {
  EmulatorAccount,
  EmulatorApiRequest,
  EmulatorBotMessage,
  EmulatorCallbackAttempt,
  EmulatorCallbackDelivery,
  EmulatorUserActivity,
  EmulatorWarning,
  EmulatorWebhook,
  EmulatorWebhookPreset,
  ReplyWaitOptions,
  SimulatedUserProfile,
  ViberEmulatorOptions,
} from './viber-emulator.types';
import { EventWaiters } from './waiters/event.waiters';
import { ReplyWaiters } from './waiters/reply.waiters';
import { WebhookRegistry } from './webhook/webhook.registry';

// Names that live in their own files, exported with the emulator (the package index exports this file).
export {
  ALL_WEBHOOK_EVENT_TYPES,
  DEFAULT_RETRY_SCHEDULE,
  randomViberToken,
} from './emulator.defaults';
export { EMULATOR_ENDPOINTS, MISSING_AUTH_TOKEN_MESSAGE } from './endpoints/api.router';
export type { ViberEmulatorEvents } from './viber-emulator.events';

/**
 * A local Viber REST Bot API for development and tests (docs/protocol/: endpoints.md,
 * status-codes.md, callbacks.md, signature.md, delivery.md, limits.md). It serves every endpoint
 * under `{url}` (`http://127.0.0.1:PORT/pa`), checks the auth token and each request body
 * against Viber's documented rules and answers with the documented statuses, keeps simulated
 * users, and posts signed callbacks to the bot's webhook the way Viber does — the `webhook`
 * check on `set_webhook`, `conversation_started` with its welcome answer, `message`,
 * `subscribed`, `unsubscribed`, `delivered` + `seen` after each bot message, `failed` —
 * re-sending callbacks not answered 200 on a schedule.
 *
 * ```ts
 * const emulator = await ViberEmulator.start({ webhook: `${appUrl}/viber/webhook` });
 * // ViberModule.forRoot({ token: emulator.token, apiUrl: emulator.url, … })
 * const replies = await emulator.user('alice').send('hi');
 * await emulator.close();
 * ```
 *
 * Decisions where Viber's documentation is silent (all answers are HTTP 200 with a JSON body,
 * like Viber):
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
 * - A field sent as `null` counts as absent, as Viber treats it (docs/protocol/null-fields.md):
 *   `keyboard: null` is no keyboard, a required field sent as `null` is missing (4).
 * - Fields Viber does not know (a misspelled `OpenUrlType`, a `Colums`) are accepted, as Viber
 *   ignores them, and flagged as {@link warnings} (docs/protocol/unknown-fields.md).
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

  private readonly options: ResolvedEmulatorOptions;
  private readonly accountInfo: EmulatorAccount;
  private readonly tokens = new MessageTokenGenerator();
  private readonly lifecycle = new EmulatorLifecycle();
  private readonly logs: EmulatorLogs;
  private readonly webhooks = new WebhookRegistry();
  private readonly userRegistry: UserRegistry;
  private readonly delivery: CallbackDeliveryService;
  private readonly recorder: BotMessageRecorder;
  private readonly eventWaiters: EventWaiters;
  private readonly replyWaiters: ReplyWaiters;
  private readonly chatPage: ChatPageRouter;
  private readonly transport: EmulatorHttpTransport;

  private constructor(options: ViberEmulatorOptions) {
    super();
    this.token = options.token ?? randomViberToken();
    this.options = resolveEmulatorOptions(options);
    this.replyDefaults = resolveReplyDefaults(options);
    this.accountInfo = resolveAccount(options, this.tokens.take().toString());
    this.logs = new EmulatorLogs(this.options.maxLogEntries);
    const emit = this.safeEmit.bind(this);
    this.callbacks = new ViberCallbackFactory(this.token, {
      chatHostname: this.options.chatHostname,
      nextToken: () => this.tokens.take(),
    });
    this.delivery = new CallbackDeliveryService({
      retrySchedule: [...(options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE)],
      timeoutMs: this.options.callbackTimeoutMs,
      webhookUrl: () => this.webhooks.current?.url,
      onAttempt: (delivery, attempt) => this.safeEmit('callback', delivery, attempt),
    });
    const receipts = new ReceiptScheduler({
      enabled: this.options.deliveryReceipts,
      delayMs: this.options.receiptDelayMs,
      lifecycle: this.lifecycle,
      webhook: this.webhooks,
      callbacks: this.callbacks,
      postCallback: (callback, userId) => this.postCallback(callback, userId),
      emit,
    });
    this.recorder = new BotMessageRecorder(
      this.logs,
      receipts,
      this.tokens,
      emit,
      this.reportWarnings.bind(this),
    );
    this.eventWaiters = new EventWaiters(this, this.lifecycle, this.logs.botMessages);
    this.replyWaiters = new ReplyWaiters(this, this.lifecycle, this.replyDefaults);
    this.userRegistry = new UserRegistry(this, (user) => this.safeEmit('userAdded', user));
    if (options.webhook !== undefined) this.setWebhook(options.webhook);
    for (const user of options.users ?? []) this.user(user);
    this.chatPage = new ChatPageRouter(this);
    const answers = new ApiAnswerBuilder(this.options.chatHostname);
    const api = new ApiRouter({
      token: this.token,
      basePath: this.options.basePath,
      answers,
      webhook: new WebhookEndpoints({
        answers,
        webhook: this.webhooks,
        callbacks: this.callbacks,
        delivery: this.delivery,
        logs: this.logs,
        requireHttps: this.options.requireHttps,
      }),
      messaging: new MessagingEndpoints({
        answers,
        users: this.userRegistry,
        webhook: this.webhooks,
        tokens: this.tokens,
        recorder: this.recorder,
        logs: this.logs,
        account: this.accountInfo,
        enforceRateLimits: this.options.enforceRateLimits,
        broadcastRateLimit: this.options.broadcastRateLimit,
      }),
      account: new AccountEndpoints({
        answers,
        account: this.accountInfo,
        users: this.userRegistry,
        webhook: this.webhooks,
        tokens: this.tokens,
        enforceRateLimits: this.options.enforceRateLimits,
      }),
    });
    this.transport = new EmulatorHttpTransport({
      chatPage: this.chatPage,
      api,
      onApiRequest: (record) => {
        this.logs.push(this.logs.requests, record);
        this.safeEmit('request', record);
        const receiver = isRecord(record.body) ? record.body.receiver : undefined;
        this.reportWarnings(
          record.endpoint,
          record.warnings,
          typeof receiver === 'string' ? receiver : undefined,
        );
      },
    });
  }

  /** Starts an emulator listening on `host:port` (default `127.0.0.1`, any free port). */
  static async start(options: ViberEmulatorOptions = {}): Promise<ViberEmulator> {
    const emulator = new ViberEmulator(options);
    await emulator.transport.listen(emulator.options.port, emulator.options.host);
    return emulator;
  }

  /** The port the emulator listens on. */
  get port(): number {
    return this.transport.port;
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
    return this.webhooks.current;
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
    return this.logs.requests;
  }

  /** Every callback posted, with its attempts (most recent last, at most `maxLogEntries`). */
  get deliveries(): readonly EmulatorCallbackDelivery[] {
    return this.logs.deliveries;
  }

  /** Every bot message accepted, to any user (most recent last, at most `maxLogEntries`). */
  get botMessages(): readonly EmulatorBotMessage[] {
    return this.logs.botMessages;
  }

  /**
   * Every warning (most recent last, at most `maxLogEntries`): fields Viber does not know in a
   * request or a welcome message (Viber ignores them silently, e.g. a misspelled `OpenUrlType`),
   * and the documented rules Viber's own examples break. Warned, never refused; each one is also
   * emitted as a `warning` event and shown on the chat page.
   */
  get warnings(): readonly EmulatorWarning[] {
    return this.logs.warnings;
  }

  /** Messages accepted by the `post` endpoint. */
  get posts(): ReadonlyArray<{ token: string; from: string; message: ViberOutgoingMessage }> {
    return this.logs.posts;
  }

  /** Every simulated user. */
  get users(): readonly SimulatedUser[] {
    return this.userRegistry.all();
  }

  /** The subscribed users. */
  get subscribers(): readonly SimulatedUser[] {
    return this.userRegistry.subscribers();
  }

  /**
   * Returns the simulated user with this id, creating it (registered with Viber, not subscribed
   * unless `subscribed: true`) on first use. A profile given for an existing id is ignored.
   */
  user(idOrProfile: string | SimulatedUserProfile): SimulatedUser {
    return this.userRegistry.getOrCreate(idOrProfile);
  }

  /** Whether a user with this id exists. */
  hasUser(id: string): boolean {
    return this.userRegistry.has(id);
  }

  /**
   * Registers (or with `undefined` removes) the webhook directly, without the `webhook` check
   * callback. Names and avatars are sent unless the preset says otherwise.
   */
  setWebhook(webhook: string | EmulatorWebhookPreset | undefined): void {
    this.webhooks.preset(webhook);
  }

  /** Whether the current webhook receives `event` (mandatory events always). */
  eventEnabled(event: string): boolean {
    return this.webhooks.eventEnabled(event);
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
    if (result.first.attempt > 0) this.logs.push(this.logs.deliveries, result.delivery);
    return result;
  }

  /**
   * Resolves with the first event of this kind (matching `predicate`) emitted from now on;
   * rejects after `timeoutMs` (default 3000) or when the emulator closes.
   */
  waitFor<K extends keyof ViberEmulatorEvents>(
    event: K,
    predicate: (...args: ViberEmulatorEvents[K]) => boolean = () => true,
    timeoutMs = 3000,
  ): Promise<ViberEmulatorEvents[K][0]> {
    return this.eventWaiters.waitFor(event, predicate, timeoutMs);
  }

  /**
   * Waits until at least `count` bot messages (to `receiver`, when given) were accepted in total
   * and resolves to them; rejects after `timeoutMs` (default 3000, below jest's own 5 s).
   */
  waitForBotMessages(
    count: number,
    options: { receiver?: string; timeoutMs?: number } = {},
  ): Promise<EmulatorBotMessage[]> {
    return this.eventWaiters.waitForBotMessages(count, {
      receiver: options.receiver,
      timeoutMs: options.timeoutMs ?? 3000,
    });
  }

  /**
   * Resolves once nothing is left to do: every callback answered, dropped or abandoned (re-sends
   * included) and every scheduled receipt posted.
   */
  async settled(): Promise<void> {
    while (!this.lifecycle.closed) {
      if (this.lifecycle.pendingTasks > 0) {
        await this.lifecycle.tasksSettled();
        continue;
      }
      await this.delivery.idle();
      if (this.lifecycle.pendingTasks === 0) return;
    }
  }

  /**
   * Stops the server, cancels every scheduled re-send and receipt, aborts callbacks in flight,
   * and rejects pending waits. Leaves no timer or socket behind.
   */
  async close(): Promise<void> {
    if (!this.lifecycle.beginClose()) return;
    this.delivery.close();
    this.lifecycle.rejectWaits();
    this.chatPage.close();
    await this.transport.close();
    this.removeAllListeners();
  }

  // ---------------------------------------------------------------- SimulatedUserHost

  /** @internal Waits for the bot's replies to a user action (see {@link ReplyWaitOptions}). */
  collectReplies(
    user: SimulatedUser,
    start: number,
    options: ReplyWaitOptions,
  ): Promise<EmulatorBotMessage[]> {
    return this.replyWaiters.collectReplies(user, start, options);
  }

  /** @internal Waits until `user` received at least `count` bot messages after `start`. */
  waitForUserMessages(
    user: SimulatedUser,
    start: number,
    count: number,
    timeoutMs: number,
  ): Promise<EmulatorBotMessage[]> {
    return this.replyWaiters.waitForUserMessages(user, start, count, timeoutMs);
  }

  /** @internal Emits a user's action as `userActivity` (called by {@link SimulatedUser}). */
  reportActivity(activity: EmulatorUserActivity): void {
    this.safeEmit('userActivity', activity);
  }

  /** @internal Validates and records the welcome message of a `conversation_started` answer. */
  acceptWelcome(user: SimulatedUser, answer: string): EmulatorBotMessage | null {
    return this.recorder.acceptWelcome(user, answer);
  }

  // ---------------------------------------------------------------- helpers

  private reportWarnings(
    source: string,
    issues: readonly ViberValidationIssue[],
    userId: string | undefined,
  ): void {
    for (const issue of issues) {
      const warning: EmulatorWarning = {
        source,
        path: issue.path,
        message: issue.message,
        userId,
        timestamp: Date.now(),
      };
      this.logs.push(this.logs.warnings, warning);
      this.safeEmit('warning', warning);
    }
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
