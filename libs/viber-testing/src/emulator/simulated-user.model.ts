import type {
  ViberIncomingMessage,
  ViberKeyboard,
  ViberButton,
  ViberUser,
  ViberUserDetails,
} from 'nestjs-viber';
import type { SignedViberCallback } from './viber-callbacks.factory';
import type { ViberCallbackFactory } from './viber-callbacks.factory';
import { SIMULATED_USER_SAMPLES } from './emulator.defaults';
import { ViberEmulatorError } from './viber-emulator.error';
import type {
  EmulatorBotMessage,
  EmulatorCallbackAttempt,
  EmulatorCallbackDelivery,
  EmulatorOnlineStatus,
  EmulatorTranscriptEntry,
  EmulatorUserActivity,
  EmulatorWebhook,
  ReplyWaitOptions,
  SimulatedUserProfile,
} from './viber-emulator.types';

/** What a {@link SimulatedUser} needs from its emulator (internal contract). */
export interface SimulatedUserHost {
  /** Signs callbacks with the bot token. */
  readonly callbacks: ViberCallbackFactory;
  /** The current webhook. */
  readonly webhook: EmulatorWebhook | undefined;
  /** Whether the webhook receives `event`. */
  eventEnabled(event: string): boolean;
  /** Posts a callback about `userId` (with re-sends) and resolves after the first attempt. */
  postCallback(
    callback: SignedViberCallback,
    userId: string,
  ): Promise<{ delivery: EmulatorCallbackDelivery; first: EmulatorCallbackAttempt }>;
  /** Waits for the bot's messages to `user` from index `start` of its list. */
  collectReplies(
    user: SimulatedUser,
    start: number,
    options: ReplyWaitOptions,
  ): Promise<EmulatorBotMessage[]>;
  /** Waits until `user` has received at least `count` bot messages after index `start`. */
  waitForUserMessages(
    user: SimulatedUser,
    start: number,
    count: number,
    timeoutMs: number,
  ): Promise<EmulatorBotMessage[]>;
  /** Turns the body of a `conversation_started` answer into a welcome message, or `null`. */
  acceptWelcome(user: SimulatedUser, answer: string): EmulatorBotMessage | null;
  /** Default reply-waiting options. */
  readonly replyDefaults: ReplyWaitOptions;
  /** Told about each user action before its callback is posted (the emulator emits `userActivity`). */
  reportActivity?(activity: EmulatorUserActivity): void;
}

/** Name sent in callbacks when the webhook did not ask for names (`send_name: false`). */
export const PLACEHOLDER_USER_NAME = 'Subscriber';

/** Options of {@link SimulatedUser.openConversation}. */
export interface OpenConversationOptions {
  /** Deep-link `context` (left out of the callback when undefined). */
  context?: string;
  /** Reject when the webhook does not answer 200. Default `true`. */
  expectOk?: boolean;
}

/** Options of the `send*` helpers: how to wait for replies, plus message extras. */
export interface UserSendOptions extends ReplyWaitOptions {
  /** The callback's top-level `silent` flag. Default `false` (or the tapped button's `Silent`). */
  silent?: boolean;
}

/**
 * A Viber user living in the emulator. Its actions post signed callbacks to the bot's webhook
 * and resolve to what the bot answered:
 *
 * ```ts
 * const alice = emulator.user('alice');
 * const welcome = await alice.openConversation();   // the welcome message, or null
 * const replies = await alice.send('hi');           // the bot's send_message calls to alice
 * ```
 *
 * Subscription follows Viber (docs/protocol/callbacks.md, "Subscription"): the first message
 * makes the user a subscriber **without** a `subscribed` callback; {@link subscribe} is the
 * explicit subscription that posts one; {@link unsubscribe} posts `unsubscribed`, after which
 * `send_message` to the user answers 6.
 */
export class SimulatedUser {
  /** The user's id. */
  readonly id: string;
  /** The full profile, as `get_user_details` reports it. */
  readonly details: Readonly<Required<Omit<ViberUserDetails, 'avatar'>>> & { avatar?: string };
  /** The phone number a tapped `share-phone` button shares. */
  readonly sharedPhoneNumber: string;
  /** The location a tapped `location-picker` button sends. */
  readonly pickedLocation: { readonly lat: number; readonly lon: number };

  private isSubscribed: boolean;
  private online: EmulatorOnlineStatus;
  private lastOnlineAt = Date.now();
  private trackingData: string | undefined;
  private clientFailure: string | undefined;
  private readonly transcript: EmulatorTranscriptEntry[] = [];
  private readonly received: EmulatorBotMessage[] = [];
  /** Timestamps of bot messages since the user last wrote (rate limit). */
  readonly unansweredSends: number[] = [];
  /** Timestamps of `get_user_details` calls about this user (rate limit). */
  readonly detailsCalls: number[] = [];

  constructor(
    profile: SimulatedUserProfile,
    private readonly host: SimulatedUserHost,
  ) {
    if (typeof profile.id !== 'string' || profile.id.length === 0) {
      throw new TypeError('SimulatedUser: id must be a non-empty string');
    }
    this.id = profile.id;
    this.details = {
      id: profile.id,
      name: profile.name ?? profile.id,
      ...(profile.avatar !== undefined ? { avatar: profile.avatar } : {}),
      country: profile.country ?? 'UA',
      language: profile.language ?? 'en',
      primary_device_os: profile.primary_device_os ?? 'android 13',
      api_version: profile.api_version ?? 10,
      viber_version: profile.viber_version ?? '21.0.0',
      mcc: profile.mcc ?? 255,
      mnc: profile.mnc ?? 1,
      device_type: profile.device_type ?? 'Pixel 7',
    };
    this.isSubscribed = profile.subscribed ?? false;
    this.online = profile.onlineStatus ?? 0;
    this.sharedPhoneNumber = profile.phoneNumber ?? SIMULATED_USER_SAMPLES.phoneNumber;
    this.pickedLocation = { ...(profile.location ?? SIMULATED_USER_SAMPLES.location) };
  }

  /** Display name. */
  get name(): string {
    return this.details.name;
  }

  /** Maximum API level of the user's devices. */
  get apiVersion(): number {
    return this.details.api_version;
  }

  /** Whether the user is a subscriber of the bot. */
  get subscribed(): boolean {
    return this.isSubscribed;
  }

  /** `get_online` status of the user. */
  get onlineStatus(): EmulatorOnlineStatus {
    return this.online;
  }

  /** When the user was last online (epoch ms), reported with status 1. */
  get lastOnline(): number {
    return this.lastOnlineAt;
  }

  /** The tracking data the user's next message will carry (from the bot's last message). */
  get pendingTrackingData(): string | undefined {
    return this.trackingData;
  }

  /** Description sent in `failed` callbacks while client failures are simulated. */
  get simulatedFailure(): string | undefined {
    return this.clientFailure;
  }

  /** The whole conversation, both directions, in order. */
  get messages(): readonly EmulatorTranscriptEntry[] {
    return this.transcript;
  }

  /** Only the bot's messages to this user, in order. */
  get botMessages(): readonly EmulatorBotMessage[] {
    return this.received;
  }

  /** The keyboard the user's client shows: the last one the bot sent. */
  get keyboard(): ViberKeyboard | undefined {
    for (let index = this.received.length - 1; index >= 0; index--) {
      const keyboard = this.received[index]!.keyboard;
      if (keyboard !== undefined) return keyboard;
    }
    return undefined;
  }

  /** The user as callbacks show it (name and avatar depend on `send_name` / `send_photo`). */
  toCallbackUser(): ViberUser {
    const webhook = this.host.webhook;
    const user: ViberUser = {
      id: this.id,
      name: webhook === undefined || webhook.sendName ? this.details.name : PLACEHOLDER_USER_NAME,
    };
    if (this.details.avatar !== undefined && (webhook === undefined || webhook.sendPhoto)) {
      user.avatar = this.details.avatar;
    }
    user.language = this.details.language;
    user.country = this.details.country;
    user.api_version = this.details.api_version;
    return user;
  }

  /** Sets the `get_online` status (1 = offline records "last online" now). */
  setOnlineStatus(status: EmulatorOnlineStatus): void {
    if (status === 1 && this.online !== 1) this.lastOnlineAt = Date.now();
    this.online = status;
  }

  /**
   * Simulates the user's client refusing the bot's messages: while set, each accepted message
   * produces a `failed` callback with `desc` instead of `delivered`/`seen`. `null` stops it.
   */
  simulateClientFailure(desc: string | null = 'message validation failed'): void {
    this.clientFailure = desc ?? undefined;
  }

  /**
   * Opens the 1-on-1 chat (`conversation_started`, with `subscribed` telling whether the user
   * already is). Resolves to the welcome message the bot put in the HTTP answer, or `null` when
   * it sent none (or did not register `conversation_started` in `event_types`, in which case no
   * callback is posted). Opening a chat does not subscribe the user.
   */
  async openConversation(
    options: OpenConversationOptions = {},
  ): Promise<EmulatorBotMessage | null> {
    this.requireWebhook('open a conversation');
    if (!this.host.eventEnabled('conversation_started')) return null;
    const callback = this.host.callbacks.conversationStarted(this.toCallbackUser(), {
      context: options.context,
      subscribed: this.isSubscribed,
    });
    this.host.reportActivity?.({
      kind: 'conversation_started',
      userId: this.id,
      token: callback.event.message_token,
      context: options.context,
      subscribed: this.isSubscribed,
      timestamp: callback.event.timestamp,
    });
    const { first } = await this.deliverWithin(callback, this.host.replyDefaults.timeoutMs ?? 3000);
    if (!first.ok) {
      if (options.expectOk ?? this.host.replyDefaults.expectOk ?? true)
        throw notOk(callback, first);
      return null;
    }
    return this.host.acceptWelcome(this, first.responseBody);
  }

  /** Subscribes explicitly ("Receive messages"): posts `subscribed`; earlier tracking data is dropped. */
  async subscribe(options: { expectOk?: boolean } = {}): Promise<EmulatorCallbackDelivery> {
    this.requireWebhook('subscribe');
    this.isSubscribed = true;
    this.trackingData = undefined;
    const callback = this.host.callbacks.subscribed(this.toCallbackUser());
    this.reportSubscription('subscribed', callback);
    return this.postSimple(callback, options.expectOk);
  }

  /**
   * Unsubscribes: posts `unsubscribed`. Later `send_message` to the user answers status 6,
   * broadcasts list the user in `failed_list`, and receipts still pending become `failed`.
   */
  async unsubscribe(options: { expectOk?: boolean } = {}): Promise<EmulatorCallbackDelivery> {
    this.requireWebhook('unsubscribe');
    this.isSubscribed = false;
    const callback = this.host.callbacks.unsubscribed(this.id);
    this.reportSubscription('unsubscribed', callback);
    return this.postSimple(callback, options.expectOk);
  }

  /**
   * Sends a message to the bot (a string is a text message) and resolves to the bot's replies:
   * every message the bot sent this user from the moment the callback was posted until no new
   * one arrived for `quietMs` after the webhook answered (or `count` replies, or `timeoutMs`).
   * The first message makes the user a subscriber (no `subscribed` callback:
   * docs/protocol/callbacks.md, "Subscription"). The message carries the tracking data of the
   * bot's last message.
   */
  async send(
    message: string | ViberIncomingMessage,
    options: UserSendOptions = {},
  ): Promise<EmulatorBotMessage[]> {
    this.requireWebhook('send a message');
    const incoming: ViberIncomingMessage =
      typeof message === 'string' ? { type: 'text', text: message } : { ...message };
    if (incoming.tracking_data === undefined && this.trackingData !== undefined) {
      incoming.tracking_data = this.trackingData;
    }
    this.isSubscribed = true;
    this.unansweredSends.length = 0;
    const silent = options.silent ?? false;
    const callback = this.host.callbacks.message(this.toCallbackUser(), incoming, { silent });
    this.transcript.push({
      from: 'user',
      token: callback.event.message_token,
      message: callback.event.message,
      silent,
      timestamp: callback.event.timestamp,
    });
    this.host.reportActivity?.({
      kind: 'message',
      userId: this.id,
      token: callback.event.message_token,
      message: callback.event.message,
      silent,
      timestamp: callback.event.timestamp,
    });
    const start = this.received.length;
    const began = Date.now();
    const timeoutMs = options.timeoutMs ?? this.host.replyDefaults.timeoutMs ?? 3000;
    const { first } = await this.deliverWithin(callback, timeoutMs);
    if (!first.ok && (options.expectOk ?? this.host.replyDefaults.expectOk ?? true)) {
      throw notOk(callback, first);
    }
    // One budget for the whole action: what the answer took is not waited again for replies.
    const left = Math.max(1, timeoutMs - (Date.now() - began));
    return this.host.collectReplies(this, start, { ...options, timeoutMs: left });
  }

  /**
   * Posts a callback and waits for the webhook's first answer, but never longer than the reply
   * wait (`replies.timeoutMs`), so a test sees this message instead of jest's own timeout. The
   * delivery itself goes on as Viber's would (timeouts, re-sends).
   */
  private async deliverWithin(
    callback: SignedViberCallback,
    timeoutMs: number,
  ): Promise<{ delivery: EmulatorCallbackDelivery; first: EmulatorCallbackAttempt }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ViberEmulatorError(
              `The bot did not answer ${this.id}'s ${callback.event.event} callback within ${timeoutMs} ms (replies.timeoutMs): is the app listening at the emulator's webhook, and are its handlers still running? Raise replies.timeoutMs (user.send(text, { timeoutMs }) or the emulator's replies option) for slow handlers.`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.host.postCallback(callback, this.id), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Taps a keyboard button: sends its `ActionBody` as a text message (docs/protocol/keyboards.md,
   * "Button object": `reply` and `open-url`); a `share-phone` button sends a contact (the user's name and
   * {@link sharedPhoneNumber}) and a `location-picker` button a location ({@link pickedLocation}),
   * as Viber does. The button is looked up in the current keyboard and the last rich media by
   * `ActionBody` (or by its text without markup) to copy its `Silent` flag; an unknown value is
   * still sent, as a typed reply would be.
   */
  async tap(
    actionBodyOrText: string,
    options: UserSendOptions = {},
  ): Promise<EmulatorBotMessage[]> {
    const button = this.findButton(actionBodyOrText);
    const sendOptions = { ...options, silent: options.silent ?? button?.Silent === true };
    if (button?.ActionType === 'share-phone') {
      return this.sendContact(this.name, this.sharedPhoneNumber, sendOptions);
    }
    if (button?.ActionType === 'location-picker') {
      return this.sendLocation(this.pickedLocation.lat, this.pickedLocation.lon, sendOptions);
    }
    const text = typeof button?.ActionBody === 'string' ? button.ActionBody : actionBodyOrText;
    return this.send({ type: 'text', text }, sendOptions);
  }

  /** Sends a picture (`media` URL, optional caption). */
  sendPicture(
    media: string,
    text?: string,
    options?: UserSendOptions,
  ): Promise<EmulatorBotMessage[]> {
    const message: ViberIncomingMessage = { type: 'picture', media };
    if (text !== undefined) message.text = text;
    return this.send(message, options);
  }

  /** Sends a location. */
  sendLocation(lat: number, lon: number, options?: UserSendOptions): Promise<EmulatorBotMessage[]> {
    return this.send({ type: 'location', location: { lat, lon } }, options);
  }

  /** Sends a contact (what a `share-phone` button produces). */
  sendContact(
    name: string,
    phoneNumber: string,
    options?: UserSendOptions,
  ): Promise<EmulatorBotMessage[]> {
    return this.send({ type: 'contact', contact: { name, phone_number: phoneNumber } }, options);
  }

  /** Sends a sticker. */
  sendSticker(stickerId: number, options?: UserSendOptions): Promise<EmulatorBotMessage[]> {
    return this.send({ type: 'sticker', sticker_id: stickerId }, options);
  }

  /** Sends a link. */
  sendUrl(url: string, options?: UserSendOptions): Promise<EmulatorBotMessage[]> {
    return this.send({ type: 'url', media: url }, options);
  }

  /**
   * Waits until the user has received at least `count` bot messages in total (since the user was
   * created, or since `after` messages when given) and resolves to them; rejects after
   * `timeoutMs` (default 5000).
   */
  waitForMessages(
    count: number,
    timeoutMs = 5000,
    options: { after?: number } = {},
  ): Promise<EmulatorBotMessage[]> {
    return this.host.waitForUserMessages(this, options.after ?? 0, count, timeoutMs);
  }

  /** @internal Records a bot message accepted for this user (called by the emulator). */
  receive(record: EmulatorBotMessage): void {
    this.received.push(record);
    this.transcript.push({
      from: 'bot',
      token: record.token,
      message: record.message,
      record,
      timestamp: record.timestamp,
    });
    this.trackingData = record.trackingData;
    this.unansweredSends.push(record.timestamp);
  }

  private async postSimple(
    callback: SignedViberCallback,
    expectOk: boolean | undefined,
  ): Promise<EmulatorCallbackDelivery> {
    const { delivery, first } = await this.host.postCallback(callback, this.id);
    if (!first.ok && (expectOk ?? this.host.replyDefaults.expectOk ?? true)) {
      throw notOk(callback, first);
    }
    return delivery;
  }

  private reportSubscription(
    kind: 'subscribed' | 'unsubscribed',
    callback: SignedViberCallback,
  ): void {
    this.host.reportActivity?.({
      kind,
      userId: this.id,
      token: callback.event.message_token,
      timestamp: callback.event.timestamp,
    });
  }

  private requireWebhook(action: string): void {
    if (this.host.webhook === undefined) {
      throw new ViberEmulatorError(
        `User ${this.id} cannot ${action}: no webhook is set (call set_webhook, or start the emulator with the "webhook" option)`,
      );
    }
  }

  private findButton(value: string): ViberButton | undefined {
    const candidates: unknown[] = [...(this.keyboard?.Buttons ?? [])];
    for (let index = this.received.length - 1; index >= 0; index--) {
      const message = this.received[index]!.message;
      if (message.type === 'rich_media') {
        candidates.push(...(message.rich_media.Buttons ?? []));
        break;
      }
    }
    const buttons = candidates as ViberButton[];
    return (
      buttons.find((button) => button.ActionBody === value) ??
      buttons.find(
        (button) =>
          typeof button.Text === 'string' && button.Text.replace(/<[^>]*>/g, '').trim() === value,
      )
    );
  }
}

function notOk(
  callback: SignedViberCallback,
  attempt: EmulatorCallbackAttempt,
): ViberEmulatorError {
  const answer =
    attempt.httpStatus !== undefined
      ? `HTTP ${attempt.httpStatus}`
      : (attempt.error ?? 'no answer');
  return new ViberEmulatorError(
    `The webhook answered the ${callback.event.event} callback with ${answer} instead of 200 (Viber will re-send it)`,
    { attempt },
  );
}
