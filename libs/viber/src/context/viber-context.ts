import type { ViberClient } from '../client/viber-client';
import { ViberUsageError } from '../errors/viber-usage.error';
import type { ViberSendMessageResponse } from '../types/api.types';
import type {
  ViberCallback,
  ViberCallbackOf,
  ViberEventName,
  ViberIncomingMessage,
  ViberUser,
} from '../types/callback.types';
import type { ViberOutgoingMessage, ViberReply } from '../types/message.types';

/** Receives the welcome message of a `conversation_started` callback; false once answered. */
export type ViberWelcomeSink = (message: ViberReply) => boolean;

/**
 * Everything a handler needs about one callback: the validated callback, the bot's client, the
 * user, the message, and `reply`. One context per callback; a handler whose pattern matched
 * (`@OnText(RegExp)`, `@OnAction('buy/:sku')`) gets its own copy with that `match` and those
 * `params` as plain properties (`console.log(ctx)` shows them).
 */
export class ViberContext<C extends ViberCallback = ViberCallback> {
  /** The user who caused the callback (`user`/`sender`; `{ id }` for events that carry only `user_id`). */
  readonly sender: ViberUser | undefined;
  /** The user's message, for `message` callbacks. */
  readonly message: ViberIncomingMessage | undefined;
  /** The tracking data echoed back by the user's client, if any. */
  readonly trackingData: string | undefined;
  /** The match of the running handler's `@OnText(RegExp)` / `@OnAction` pattern, if any. */
  readonly match: RegExpExecArray | null = null;
  /** Parameters of the running handler's `@OnAction('buy/:sku')` pattern. */
  readonly params: Readonly<Record<string, string>> = {};

  constructor(
    /** The validated callback. */
    readonly callback: C,
    /** The client of the bot that received the callback. */
    readonly client: ViberClient,
    /** The name of that bot. */
    readonly botName: string,
    private readonly welcome?: ViberWelcomeSink,
  ) {
    const record = callback as unknown as Record<string, unknown>;
    const user = (record.sender ?? record.user) as ViberUser | undefined;
    this.sender = user ?? (typeof record.user_id === 'string' ? { id: record.user_id } : undefined);
    this.message = callback.event === 'message' ? callback.message : undefined;
    this.trackingData =
      callback.event === 'message'
        ? callback.message.tracking_data
        : callback.event === 'client_status'
          ? callback.status.tracking_data
          : undefined;
  }

  /** The event name. */
  get event(): C['event'] {
    return this.callback.event;
  }

  /** The text of a text message (keyboard taps included). */
  get text(): string | undefined {
    return this.message?.text;
  }

  /** The id of the user, if the callback names one. */
  get userId(): string | undefined {
    return this.sender?.id;
  }

  /**
   * Answers the user. In a `conversation_started` handler the first reply becomes the welcome
   * message in the HTTP response (resolves to `[]`); otherwise each message goes out through
   * `send_message`, in order, and the answers are returned.
   */
  async reply(reply: ViberReply): Promise<ViberSendMessageResponse[]> {
    if (this.welcome?.(reply)) return [];
    const receiver = this.userId;
    if (receiver === undefined) {
      throw new ViberUsageError(`cannot reply to a ${this.event} callback: it names no user`);
    }
    const messages: Array<ViberOutgoingMessage | string> =
      typeof reply === 'string' || !Array.isArray(reply)
        ? [reply as ViberOutgoingMessage | string]
        : [...reply];
    return this.client.sendMessage(receiver, messages);
  }

  /**
   * A copy of this context for one handler, with the handler's own `match` and `params`.
   * @internal
   */
  withMatch(match: RegExpExecArray | null, params: Readonly<Record<string, string>>): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this);
    (copy as { match: RegExpExecArray | null }).match = match;
    (copy as { params: Readonly<Record<string, string>> }).params = params;
    return copy;
  }

  /** True when this context is for the given event (narrows the type). */
  is<E extends ViberEventName>(event: E): this is ViberContext<ViberCallbackOf<E>> {
    return this.callback.event === event;
  }
}

/** The context of a given event: `ViberContextOf<'message'>`. */
export type ViberContextOf<E extends ViberEventName> = ViberContext<ViberCallbackOf<E>>;
