import {
  VIBER_SIGNATURE_HEADER,
  type ViberCallback,
  type ViberCallbackOf,
  type ViberEventName,
  type ViberIncomingMessage,
  type ViberUser,
} from 'nestjs-viber';
import { parseJsonLossless } from 'nestjs-viber/internal';
import { randomMessageToken, stringifyJson, toTokenBigInt } from './raw-json.util';
import { signViberBody, withSignatureQuery } from './viber-signature.util';

/** The default `chat_hostname` of callbacks and answers made by the test kit. */
export const DEFAULT_CHAT_HOSTNAME = 'SN-EMULATOR_';

/** A callback ready to post: exact JSON text, its signature and the headers to send. */
export interface SignedViberCallback<C extends ViberCallback = ViberCallback> {
  /** The callback as a library handler sees it (`message_token` as an exact string). */
  event: C;
  /** The exact JSON text to post; `message_token` is a raw 19-digit JSON number. */
  body: string;
  /** Lowercase hex HMAC-SHA256 of `body` keyed by the token. */
  signature: string;
  /** Headers to send: `content-type` and `x-viber-content-signature`. */
  headers: { 'content-type': string; 'x-viber-content-signature': string };
  /** The query string Viber appends to the webhook URL: `sig=<signature>`. */
  query: string;
  /** Appends `sig=<signature>` to a webhook URL or path (`/viber/webhook?sig=…`). */
  url(webhookUrl: string): string;
}

/** Fields every callback builder accepts to override the generated envelope. */
export interface CallbackOverrides {
  /** 64-bit token (bigint, decimal string, or safe integer). Default: random 19 digits. */
  message_token?: bigint | string | number;
  /** Epoch ms. Default: now. */
  timestamp?: number;
  /** `chat_hostname`; `null` leaves it out. Default: the factory's. */
  chat_hostname?: string | null;
}

/** Extra fields of a `message` callback. */
export interface MessageCallbackExtras extends CallbackOverrides {
  /** Top-level `silent` flag (real traffic sends `false`). Default `false`. */
  silent?: boolean;
  /** Tracking data of the bot's last message, copied into `message.tracking_data`. */
  tracking_data?: string;
  /** Chat-extension `chat_id` (64-bit). */
  chat_id?: bigint | string;
  /** Chat-extension `reply_type`. */
  reply_type?: 'message' | 'query';
}

/** Extra fields of a `conversation_started` callback. */
export interface ConversationStartedExtras extends CallbackOverrides {
  /** Deep-link `context`; left out when undefined (as Viber does). */
  context?: string;
  /** Whether the user is already subscribed. Default `false`. */
  subscribed?: boolean;
  /** `type`. Default `open`. */
  type?: string;
}

/** Options of a {@link ViberCallbackFactory}. */
export interface ViberCallbackFactoryOptions {
  /** `chat_hostname` of the callbacks. Default `SN-EMULATOR_`; `null` leaves it out. */
  chatHostname?: string | null;
  /** Makes message tokens; default: random 19-digit tokens. */
  nextToken?: () => bigint;
}

/**
 * Builds signed Viber callbacks (docs/protocol/callbacks.md, docs/protocol/signature.md) for
 * tests: the exact JSON text with raw 64-bit `message_token`s, the `X-Viber-Content-Signature`
 * header and the `?sig=` query. Post them to a webhook with supertest or any HTTP client:
 *
 * ```ts
 * const cb = viberCallbacks(TOKEN).message('alice', 'hi');
 * await request(app.getHttpServer()).post(cb.url('/viber/webhook')).set(cb.headers).send(cb.body);
 * ```
 */
export class ViberCallbackFactory {
  private readonly chatHostname: string | null;
  private readonly nextToken: () => bigint;

  constructor(
    private readonly token: string,
    options: ViberCallbackFactoryOptions = {},
  ) {
    if (typeof token !== 'string' || token.length === 0) {
      throw new TypeError('ViberCallbackFactory: the bot token is required to sign callbacks');
    }
    this.chatHostname =
      options.chatHostname === undefined ? DEFAULT_CHAT_HOSTNAME : options.chatHostname;
    this.nextToken = options.nextToken ?? randomMessageToken;
  }

  /** The `webhook` check Viber posts during `set_webhook`. */
  webhook(overrides: CallbackOverrides = {}): SignedViberCallback<ViberCallbackOf<'webhook'>> {
    return this.build('webhook', {}, overrides);
  }

  /** `subscribed`: the user subscribed explicitly. */
  subscribed(
    user: ViberUser | string,
    overrides: CallbackOverrides = {},
  ): SignedViberCallback<ViberCallbackOf<'subscribed'>> {
    return this.build('subscribed', { user: toUser(user) }, overrides);
  }

  /** `unsubscribed`: the user unsubscribed; later `send_message` to them answers 6. */
  unsubscribed(
    userId: string,
    overrides: CallbackOverrides = {},
  ): SignedViberCallback<ViberCallbackOf<'unsubscribed'>> {
    return this.build('unsubscribed', { user_id: userId }, overrides);
  }

  /** `conversation_started`: the user opened the chat; answer it with a welcome message. */
  conversationStarted(
    user: ViberUser | string,
    extras: ConversationStartedExtras = {},
  ): SignedViberCallback<ViberCallbackOf<'conversation_started'>> {
    const fields: Record<string, unknown> = { type: extras.type ?? 'open' };
    if (extras.context !== undefined) fields.context = extras.context;
    fields.user = toUser(user);
    fields.subscribed = extras.subscribed ?? false;
    return this.build('conversation_started', fields, extras);
  }

  /** `message`: the user sent a message (a string is a text message). */
  message(
    user: ViberUser | string,
    message: ViberIncomingMessage | string,
    extras: MessageCallbackExtras = {},
  ): SignedViberCallback<ViberCallbackOf<'message'>> {
    const body: Record<string, unknown> =
      typeof message === 'string' ? { text: message, type: 'text' } : { ...message };
    if (extras.tracking_data !== undefined) body.tracking_data = extras.tracking_data;
    const fields: Record<string, unknown> = { sender: toUser(user), message: body };
    if (extras.chat_id !== undefined) fields.chat_id = toTokenBigInt(extras.chat_id);
    if (extras.reply_type !== undefined) fields.reply_type = extras.reply_type;
    fields.silent = extras.silent ?? false;
    return this.build('message', fields, extras);
  }

  /** `delivered`: the bot's message `messageToken` reached one of the user's devices. */
  delivered(
    userId: string,
    messageToken: bigint | string | number,
    overrides: CallbackOverrides = {},
  ): SignedViberCallback<ViberCallbackOf<'delivered'>> {
    return this.build(
      'delivered',
      { user_id: userId },
      { message_token: messageToken, ...overrides },
    );
  }

  /** `seen`: the user read the bot's message `messageToken`. */
  seen(
    userId: string,
    messageToken: bigint | string | number,
    overrides: CallbackOverrides = {},
  ): SignedViberCallback<ViberCallbackOf<'seen'>> {
    return this.build('seen', { user_id: userId }, { message_token: messageToken, ...overrides });
  }

  /** `failed`: the bot's message `messageToken` failed on the user's client. */
  failed(
    userId: string,
    messageToken: bigint | string | number,
    desc = 'message validation failed',
    overrides: CallbackOverrides = {},
  ): SignedViberCallback<ViberCallbackOf<'failed'>> {
    return this.build(
      'failed',
      { user_id: userId, desc },
      { message_token: messageToken, ...overrides },
    );
  }

  /** Signs any JSON text with the factory's token (for hand-written or deliberately odd bodies). */
  sign(body: string): SignedViberCallback {
    const signature = signViberBody(body, this.token);
    return {
      event: parseJsonLossless(body) as SignedViberCallback['event'],
      body,
      signature,
      headers: { 'content-type': 'application/json', [VIBER_SIGNATURE_HEADER]: signature },
      query: `sig=${signature}`,
      url: (webhookUrl: string) => withSignatureQuery(webhookUrl, signature),
    };
  }

  private build<E extends ViberEventName>(
    event: E,
    fields: Record<string, unknown>,
    overrides: CallbackOverrides,
  ): SignedViberCallback<ViberCallbackOf<E>> {
    const chatHostname =
      overrides.chat_hostname === undefined ? this.chatHostname : overrides.chat_hostname;
    const envelope: Record<string, unknown> = {
      event,
      timestamp: overrides.timestamp ?? Date.now(),
    };
    if (chatHostname !== null) envelope.chat_hostname = chatHostname;
    envelope.message_token =
      overrides.message_token === undefined
        ? this.nextToken()
        : toTokenBigInt(overrides.message_token);
    return this.sign(stringifyJson({ ...envelope, ...fields })) as SignedViberCallback<
      ViberCallbackOf<E>
    >;
  }
}

/**
 * Returns a {@link ViberCallbackFactory} signing with `token`: `viberCallbacks(TOKEN).message(…)`.
 */
export function viberCallbacks(
  token: string,
  options?: ViberCallbackFactoryOptions,
): ViberCallbackFactory {
  return new ViberCallbackFactory(token, options);
}

function toUser(user: ViberUser | string): ViberUser {
  return typeof user === 'string'
    ? { id: user, name: user, language: 'en', country: 'UA', api_version: 10 }
    : user;
}
