import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import {
  type ViberButton,
  type ViberIncomingMessage,
  type ViberValidationIssue,
} from 'nestjs-viber';
import { isRecord } from 'nestjs-viber/internal';
import { stringifyJson } from '../raw-json.util';
import type { SimulatedUser, UserSendOptions } from '../simulated-user.model';
import { ViberEmulatorError } from '../viber-emulator.error';
import type {
  EmulatorApiRequest,
  EmulatorBotMessage,
  EmulatorCallbackAttempt,
  EmulatorCallbackDelivery,
  EmulatorReceipt,
  EmulatorUserActivity,
  EmulatorTranscriptEntry,
} from '../viber-emulator.types';
import { ChatEventStream } from './chat-event.stream';
import type { ChatPageHost } from './chat-page.host';
import { renderChatPage } from './chat-page.html';
import {
  CHAT_PAGE_API_PREFIX,
  type ChatPageConversation,
  type ChatPageEntry,
  type ChatPageEvents,
  type ChatPageInfo,
  type ChatPageKeyboard,
  type ChatPageUser,
} from './chat-page.types';

/** Receipt states kept for page reloads (oldest dropped first). */
const MAX_RECEIPTS = 5000;
/** Largest JSON body the page's endpoints accept. */
const MAX_BODY_CHARS = 64 * 1024;
/** Paths that serve the page itself (after trailing slashes are removed). */
const PAGE_PATHS: ReadonlySet<string> = new Set(['', '/chat', '/index.html']);

/** An error answer of the page's endpoints. */
class ChatPageRequestError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

/** The router's listeners on the emulator's events. */
interface ChatPageListeners {
  userAdded: (user: SimulatedUser) => void;
  userActivity: (activity: EmulatorUserActivity) => void;
  botMessage: (message: EmulatorBotMessage) => void;
  receipt: (receipt: EmulatorReceipt) => void;
  request: (request: EmulatorApiRequest) => void;
  callback: (delivery: EmulatorCallbackDelivery, attempt: EmulatorCallbackAttempt) => void;
}

/**
 * Serves the emulator's web chat page and its endpoints (everything under `/_emulator/` is
 * JSON; the page is `GET /` or `GET /chat`):
 *
 * | Method | Path | Body / answer |
 * | --- | --- | --- |
 * | GET | `/_emulator/info` | {@link ChatPageInfo} |
 * | GET | `/_emulator/users` | {@link ChatPageUser}[] |
 * | POST | `/_emulator/users` | `{id?, name?, avatar?}` → the user (created unless it exists) |
 * | GET | `/_emulator/users/:id/messages` | {@link ChatPageConversation} |
 * | POST | `/_emulator/users/:id/open` | `{context?}`: `conversation_started` |
 * | POST | `/_emulator/users/:id/send` | `{text}` \| `{picture}` \| `{location}` \| `{contact}` \| `{sticker_id}` \| `{url}` |
 * | POST | `/_emulator/users/:id/tap` | `{token, from, index}` or `{actionBody}` |
 * | POST | `/_emulator/users/:id/subscribe`, `…/unsubscribe` | |
 * | GET | `/_emulator/events` | Server-Sent Events, see {@link ChatPageEvents} |
 *
 * Actions answer `{ok: true}` once the webhook answered the callback (the bot's replies arrive
 * on the event stream), or `{ok: false, error}` with HTTP 400 (bad request), 404 (no such user)
 * or 409 (the emulator refused: no webhook set, the webhook did not answer 200, …).
 */
export class ChatPageRouter {
  private readonly stream = new ChatEventStream();
  private readonly receipts = new Map<
    string,
    { status: EmulatorReceipt['status']; desc?: string }
  >();
  private readonly listeners: ChatPageListeners;

  constructor(private readonly emulator: ChatPageHost) {
    this.listeners = {
      userAdded: (user) => this.publish('user', summarize(user)),
      userActivity: (activity) => this.onActivity(activity),
      botMessage: (message) => this.onBotMessage(message),
      receipt: (receipt) => this.onReceipt(receipt),
      request: (request) => this.onApiRequest(request),
      callback: (delivery, attempt) => this.onCallbackAttempt(delivery, attempt),
    };
    emulator.on('userAdded', this.listeners.userAdded);
    emulator.on('userActivity', this.listeners.userActivity);
    emulator.on('botMessage', this.listeners.botMessage);
    emulator.on('receipt', this.listeners.receipt);
    emulator.on('request', this.listeners.request);
    emulator.on('callback', this.listeners.callback);
  }

  /** Whether a request path belongs to the chat page (the page itself or `/_emulator/…`). */
  matches(path: string): boolean {
    return (
      PAGE_PATHS.has(path) ||
      path === CHAT_PAGE_API_PREFIX ||
      path.startsWith(`${CHAT_PAGE_API_PREFIX}/`)
    );
  }

  /** Answers a request whose path {@link matches}. */
  async handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    path: string,
    body: string,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    if (PAGE_PATHS.has(path)) {
      if (method !== 'GET' && method !== 'HEAD') {
        sendJson(response, 405, { ok: false, error: 'Method not allowed' });
        return;
      }
      this.sendPage(response, method === 'HEAD');
      return;
    }
    if (path === `${CHAT_PAGE_API_PREFIX}/events` && method === 'GET') {
      this.stream.open(request, response, [{ event: 'info', data: this.info() }]);
      return;
    }
    try {
      const result = await this.route(method, path, body);
      sendJson(response, result.httpStatus ?? 200, result.body);
    } catch (error: unknown) {
      const status =
        error instanceof ChatPageRequestError
          ? error.httpStatus
          : error instanceof ViberEmulatorError
            ? 409
            : 500;
      sendJson(response, status, {
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** Ends the event streams and stops listening to the emulator. */
  close(): void {
    this.stream.close();
    this.emulator.off('userAdded', this.listeners.userAdded);
    this.emulator.off('userActivity', this.listeners.userActivity);
    this.emulator.off('botMessage', this.listeners.botMessage);
    this.emulator.off('receipt', this.listeners.receipt);
    this.emulator.off('request', this.listeners.request);
    this.emulator.off('callback', this.listeners.callback);
  }

  // ---------------------------------------------------------------- routing

  private async route(
    method: string,
    path: string,
    text: string,
  ): Promise<{ httpStatus?: number; body: unknown }> {
    const segments = path
      .slice(CHAT_PAGE_API_PREFIX.length + 1)
      .split('/')
      .map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          throw new ChatPageRequestError(400, `Bad path segment: ${segment}`);
        }
      });
    const [resource, id, action, ...rest] = segments;
    const allow = (expected: string): void => {
      if (method !== expected) throw new ChatPageRequestError(405, 'Method not allowed');
    };
    if (resource === 'info' && id === undefined) {
      allow('GET');
      return { body: this.info() };
    }
    if (resource !== 'users' || rest.length > 0) {
      throw new ChatPageRequestError(404, `Not found: ${path}`);
    }
    if (id === undefined) {
      if (method === 'GET') return { body: this.emulator.users.map(summarize) };
      allow('POST');
      return this.createUser(parseBody(text));
    }
    if (action === 'messages') {
      allow('GET');
      return { body: this.conversation(this.existingUser(id)) };
    }
    if (action === undefined) {
      allow('GET');
      return { body: summarize(this.existingUser(id)) };
    }
    allow('POST');
    const user = this.existingUser(id);
    const input = parseBody(text);
    // Replies arrive on the event stream: answer as soon as the webhook answered.
    const wait: UserSendOptions = { count: 0, expectOk: true };
    switch (action) {
      case 'open': {
        const context = input.context;
        if (context !== undefined && typeof context !== 'string') {
          throw new ChatPageRequestError(400, 'context must be a string');
        }
        const welcome = await user.openConversation({ context, expectOk: true });
        return { body: { ok: true, welcome: welcome?.token ?? null } };
      }
      case 'send':
        await user.send(incomingMessage(input), wait);
        return { body: { ok: true } };
      case 'tap':
        return { body: await this.tap(user, input, wait) };
      case 'subscribe':
        await user.subscribe({ expectOk: true });
        return { body: { ok: true } };
      case 'unsubscribe':
        await user.unsubscribe({ expectOk: true });
        return { body: { ok: true } };
      default:
        throw new ChatPageRequestError(404, `Not found: ${path}`);
    }
  }

  private createUser(input: Record<string, unknown>): { httpStatus: number; body: unknown } {
    const { id, name, avatar } = input;
    for (const [field, value] of Object.entries({ id, name, avatar })) {
      if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
        throw new ChatPageRequestError(400, `${field} must be a non-empty string`);
      }
    }
    const displayName = typeof name === 'string' ? name.trim() : undefined;
    let userId = typeof id === 'string' ? id.trim() : undefined;
    if (userId === undefined) {
      // Viber ids look like base64 of 16 bytes: `fd4HsWT33Yf1BkRZ8KcBsk==`.
      userId = randomBytes(16).toString('base64');
    }
    if (userId.length > 64) throw new ChatPageRequestError(400, 'id is longer than 64 characters');
    if (displayName !== undefined && displayName.length > 100) {
      throw new ChatPageRequestError(400, 'name is longer than 100 characters');
    }
    const existed = this.emulator.hasUser(userId);
    const user = this.emulator.user({
      id: userId,
      ...(displayName !== undefined ? { name: displayName } : {}),
      ...(typeof avatar === 'string' ? { avatar } : {}),
    });
    return { httpStatus: existed ? 200 : 201, body: summarize(user) };
  }

  private async tap(
    user: SimulatedUser,
    input: Record<string, unknown>,
    wait: UserSendOptions,
  ): Promise<{ ok: true; action: string; url?: string }> {
    if (typeof input.actionBody === 'string') {
      const actionBody = input.actionBody;
      const type = user.keyboard?.Buttons.find((b) => b.ActionBody === actionBody)?.ActionType;
      await user.tap(actionBody, wait);
      // The simulated user acts as the button says (share-phone: a contact, …).
      const action = type === 'share-phone' || type === 'location-picker' ? type : 'reply';
      return { ok: true, action };
    }
    const { token, from, index } = input;
    if (typeof token !== 'string' || (from !== 'keyboard' && from !== 'rich_media')) {
      throw new ChatPageRequestError(
        400,
        'tap needs {token, from: "keyboard" | "rich_media", index} or {actionBody}',
      );
    }
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      throw new ChatPageRequestError(400, 'index must be a button index');
    }
    const record = user.botMessages.find((message) => message.token === token);
    if (record === undefined) {
      throw new ChatPageRequestError(404, `No bot message ${token} to ${user.id}`);
    }
    const message = record.message;
    const buttons: unknown =
      from === 'keyboard'
        ? message.keyboard?.Buttons
        : message.type === 'rich_media'
          ? message.rich_media.Buttons
          : undefined;
    const button: unknown = Array.isArray(buttons) ? buttons[index] : undefined;
    if (!isRecord(button)) {
      throw new ChatPageRequestError(404, `Message ${token} has no ${from} button ${index}`);
    }
    const { ActionType, ActionBody, Silent } = button as Partial<ViberButton>;
    const options: UserSendOptions = { ...wait, silent: Silent === true };
    const action = typeof ActionType === 'string' ? ActionType : 'reply';
    switch (action) {
      case 'reply':
      case 'open-url':
        if (typeof ActionBody !== 'string') {
          throw new ChatPageRequestError(409, 'The button has no ActionBody');
        }
        await user.tap(ActionBody, options);
        return action === 'open-url' ? { ok: true, action, url: ActionBody } : { ok: true, action };
      case 'share-phone':
        await user.sendContact(user.name, user.sharedPhoneNumber, options);
        return { ok: true, action };
      case 'location-picker':
        await user.sendLocation(user.pickedLocation.lat, user.pickedLocation.lon, options);
        return { ok: true, action };
      default:
        // `none` (and `buy`, which needs a payment provider): nothing is sent.
        return { ok: true, action };
    }
  }

  private existingUser(id: string): SimulatedUser {
    if (!this.emulator.hasUser(id)) throw new ChatPageRequestError(404, `No user ${id}`);
    return this.emulator.user(id);
  }

  // ---------------------------------------------------------------- views

  private info(): ChatPageInfo {
    const webhook = this.emulator.webhook;
    return {
      botName: this.emulator.account.name,
      apiUrl: this.emulator.url,
      webhook: webhook?.url ?? null,
      eventTypes: [...(webhook?.eventTypes ?? [])],
    };
  }

  private conversation(user: SimulatedUser): ChatPageConversation {
    return {
      user: summarize(user),
      entries: user.messages.map((entry) => this.toEntry(user.id, entry)),
      keyboard: currentKeyboard(user),
    };
  }

  private toEntry(userId: string, entry: EmulatorTranscriptEntry): ChatPageEntry {
    if (entry.from === 'user') {
      return {
        kind: 'user',
        userId,
        token: entry.token,
        message: entry.message,
        silent: entry.silent ?? false,
        timestamp: entry.timestamp,
      };
    }
    return this.botEntry(entry.record);
  }

  private botEntry(record: EmulatorBotMessage): ChatPageEntry {
    const receipt = this.receipts.get(record.token);
    return {
      kind: 'bot',
      userId: record.receiver,
      token: record.token,
      source: record.source,
      message: record.message,
      status: receipt?.status ?? 'sent',
      ...(receipt?.desc !== undefined ? { statusDetail: receipt.desc } : {}),
      ...(record.warnings.length > 0 ? { warnings: record.warnings.map(describeIssue) } : {}),
      timestamp: record.timestamp,
    };
  }

  // ---------------------------------------------------------------- emulator events

  private onActivity(activity: EmulatorUserActivity): void {
    if (activity.kind === 'message') {
      this.publish('entry', {
        kind: 'user',
        userId: activity.userId,
        token: activity.token,
        message: activity.message,
        silent: activity.silent,
        timestamp: activity.timestamp,
      });
    } else {
      const text =
        activity.kind === 'conversation_started'
          ? `Conversation opened (conversation_started${activity.context !== undefined ? `, context "${activity.context}"` : ''}; ${activity.subscribed ? 'subscribed' : 'not subscribed'})`
          : activity.kind === 'subscribed'
            ? 'Subscribed to the bot (subscribed)'
            : 'Unsubscribed from the bot (unsubscribed)';
      this.note(activity.userId, 'info', text);
    }
    this.publishUser(activity.userId);
  }

  private onBotMessage(message: EmulatorBotMessage): void {
    this.publish('entry', this.botEntry(message));
    this.publishUser(message.receiver);
  }

  private onReceipt(receipt: EmulatorReceipt): void {
    this.receipts.delete(receipt.token);
    this.receipts.set(receipt.token, {
      status: receipt.status,
      ...(receipt.desc !== undefined ? { desc: receipt.desc } : {}),
    });
    if (this.receipts.size > MAX_RECEIPTS) {
      const oldest = this.receipts.keys().next();
      if (oldest.done !== true) this.receipts.delete(oldest.value);
    }
    this.publish('receipt', receipt);
  }

  private onApiRequest(request: EmulatorApiRequest): void {
    const receiver =
      isRecord(request.body) && typeof request.body.receiver === 'string'
        ? request.body.receiver
        : null;
    const userId = receiver !== null && this.emulator.hasUser(receiver) ? receiver : null;
    const messages =
      request.endpoint === 'send_message' || request.endpoint === 'broadcast_message';
    if (request.status !== 0 && (messages || request.endpoint === 'set_webhook')) {
      this.note(
        userId,
        'error',
        `The bot's ${request.endpoint} was refused: ${describe(request)}` +
          (request.warnings.length > 0 ? `. ${warningList(request)}` : ''),
      );
    } else if (request.warnings.length > 0 && !messages) {
      // Accepted messages carry their warnings themselves (the bot entries).
      this.note(userId, 'warning', `The bot's ${request.endpoint}: ${warningList(request)}`);
    }
    if (request.endpoint === 'set_webhook' && request.status === 0) {
      this.publish('info', this.info());
    }
  }

  private onCallbackAttempt(
    delivery: EmulatorCallbackDelivery,
    attempt: EmulatorCallbackAttempt,
  ): void {
    if (attempt.ok || delivery.event === 'webhook') return;
    const answer =
      attempt.httpStatus !== undefined
        ? `HTTP ${attempt.httpStatus}`
        : (attempt.error ?? 'no answer');
    const next =
      delivery.state === 'retrying' ? 'Viber will re-send it' : 'no more re-sends are scheduled';
    this.note(
      delivery.userId !== undefined && this.emulator.hasUser(delivery.userId)
        ? delivery.userId
        : null,
      'error',
      `The webhook answered the ${delivery.event} callback with ${answer} (attempt ${attempt.attempt}; ${next})`,
    );
  }

  private publishUser(userId: string): void {
    if (this.emulator.hasUser(userId)) this.publish('user', summarize(this.emulator.user(userId)));
  }

  private note(userId: string | null, level: 'info' | 'warning' | 'error', text: string): void {
    this.publish('entry', { kind: 'note', userId, level, text, timestamp: Date.now() });
  }

  private publish<K extends keyof ChatPageEvents>(event: K, data: ChatPageEvents[K]): void {
    this.stream.publish(event, data);
  }

  private sendPage(response: http.ServerResponse, headOnly: boolean): void {
    const nonce = randomBytes(16).toString('base64');
    const html = renderChatPage(nonce);
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src 'nonce-${nonce}'`,
        "connect-src 'self'",
        'img-src http: https: data: blob:',
        'media-src http: https:',
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
      ].join('; '),
    });
    response.end(headOnly ? undefined : html);
  }
}

/** A user as the page lists it. */
function summarize(user: SimulatedUser): ChatPageUser {
  return {
    id: user.id,
    name: user.name,
    ...(user.details.avatar !== undefined ? { avatar: user.details.avatar } : {}),
    subscribed: user.subscribed,
    apiVersion: user.apiVersion,
    messageCount: user.messages.length,
  };
}

function currentKeyboard(user: SimulatedUser): ChatPageKeyboard | null {
  const messages = user.botMessages;
  for (let index = messages.length - 1; index >= 0; index--) {
    const record = messages[index]!;
    if (record.keyboard !== undefined) return { token: record.token, keyboard: record.keyboard };
  }
  return null;
}

function describe(request: EmulatorApiRequest): string {
  return `status ${request.status} (${request.statusMessage})`;
}

/** `path message` of one warning. */
function describeIssue(issue: ViberValidationIssue): string {
  return `${issue.path} ${issue.message}`;
}

/** The request's warnings in one sentence. */
function warningList(request: EmulatorApiRequest): string {
  return `Warning: ${request.warnings.map(describeIssue).join('; ')}`;
}

function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  if (text.length > MAX_BODY_CHARS) throw new ChatPageRequestError(413, 'The body is too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ChatPageRequestError(400, 'The body is not valid JSON');
  }
  if (!isRecord(parsed)) throw new ChatPageRequestError(400, 'The body must be a JSON object');
  return parsed;
}

/** Turns the body of `POST …/send` into the message the user sends. */
function incomingMessage(input: Record<string, unknown>): ViberIncomingMessage {
  const keys = Object.keys(input);
  if (keys.length !== 1) {
    throw new ChatPageRequestError(
      400,
      'send needs exactly one of: text, picture, location, contact, sticker_id, url',
    );
  }
  const value = input[keys[0]!];
  switch (keys[0]) {
    case 'text':
      if (typeof value !== 'string' || value.length === 0) {
        throw new ChatPageRequestError(400, 'text must be a non-empty string');
      }
      return { type: 'text', text: value };
    case 'picture': {
      const picture = typeof value === 'string' ? { media: value } : value;
      if (!isRecord(picture) || !isWebUrl(picture.media)) {
        throw new ChatPageRequestError(400, 'picture must be an http(s) URL or {media, text?}');
      }
      if (picture.text !== undefined && typeof picture.text !== 'string') {
        throw new ChatPageRequestError(400, 'picture.text must be a string');
      }
      return {
        type: 'picture',
        media: picture.media,
        ...(typeof picture.text === 'string' && picture.text !== '' ? { text: picture.text } : {}),
      };
    }
    case 'location': {
      const lat = isRecord(value) ? value.lat : undefined;
      const lon = isRecord(value) ? value.lon : undefined;
      if (
        typeof lat !== 'number' ||
        typeof lon !== 'number' ||
        !(Math.abs(lat) <= 90) ||
        !(Math.abs(lon) <= 180)
      ) {
        throw new ChatPageRequestError(400, 'location must be {lat: -90..90, lon: -180..180}');
      }
      return { type: 'location', location: { lat, lon } };
    }
    case 'contact': {
      const name = isRecord(value) ? value.name : undefined;
      const phone = isRecord(value) ? value.phone_number : undefined;
      if (typeof name !== 'string' || name === '' || typeof phone !== 'string' || phone === '') {
        throw new ChatPageRequestError(400, 'contact must be {name, phone_number}');
      }
      return { type: 'contact', contact: { name, phone_number: phone } };
    }
    case 'sticker_id':
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
        throw new ChatPageRequestError(400, 'sticker_id must be a positive integer');
      }
      return { type: 'sticker', sticker_id: value };
    case 'url':
      if (!isWebUrl(value)) throw new ChatPageRequestError(400, 'url must be an http(s) URL');
      return { type: 'url', media: value };
    default:
      throw new ChatPageRequestError(400, `Unknown message kind: ${keys[0]}`);
  }
}

function isWebUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = stringifyJson(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}
