import type { ViberClient } from '../client/viber-client';
import type {
  ViberConversationHandle,
  ViberSceneContext,
  ViberWizardContext,
} from '../conversations/viber-conversation.types';
import type { ViberSessionData } from '../conversations/viber-session.types';
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

/** Where a context keeps the conversation of its callback (non-enumerable, copied by withMatch). */
const CONVERSATION: unique symbol = Symbol('nestjs-viber:conversation');

/**
 * Gives a context the conversation of its callback (when `conversations` is configured).
 * @internal
 */
export function attachConversation(ctx: ViberContext, conversation: ViberConversationHandle): void {
  Object.defineProperty(ctx, CONVERSATION, { value: conversation, configurable: true });
}

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

  /**
   * The user's session (per user and bot): mutate it in place or assign a new object; it is saved
   * after the handlers ran, when it changed. Throws a `ViberUsageError` when `conversations` is
   * not configured, and for events that run outside conversations (receipts, `webhook`).
   */
  get session(): ViberSessionData {
    return this.conversation('ctx.session').session;
  }

  set session(value: ViberSessionData) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ViberUsageError('ctx.session must be an object (use {} to empty it)');
    }
    this.conversation('ctx.session').session = value;
  }

  /** The scene the user is in, and moving between scenes (`enter`, `leave`, `state`). */
  get scene(): ViberSceneContext {
    return this.conversation('ctx.scene').scene;
  }

  /** The wizard the user is in: `step`, `next()`, `back()`, `selectStep(n)`, `state`. */
  get wizard(): ViberWizardContext {
    return this.conversation('ctx.wizard').wizard;
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
  async reply(given: ViberReply): Promise<ViberSendMessageResponse[]> {
    const reply = this[CONVERSATION]?.outgoing(given) ?? given;
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
    const conversation = this[CONVERSATION];
    if (conversation) attachConversation(copy, conversation);
    return copy;
  }

  declare private readonly [CONVERSATION]?: ViberConversationHandle;

  private conversation(what: string): ViberConversationHandle {
    const conversation = this[CONVERSATION];
    if (conversation) return conversation;
    throw new ViberUsageError(
      `${what} is not available for this ${this.event} callback: add \`conversations: {}\` to ViberModule.forRoot (sessions, scenes and wizards), and use it in handlers of message, conversation_started, subscribed, unsubscribed or client_status callbacks`,
    );
  }

  /** True when this context is for the given event (narrows the type). */
  is<E extends ViberEventName>(event: E): this is ViberContext<ViberCallbackOf<E>> {
    return this.callback.event === event;
  }
}

/** The context of a given event: `ViberContextOf<'message'>`. */
export type ViberContextOf<E extends ViberEventName> = ViberContext<ViberCallbackOf<E>>;
