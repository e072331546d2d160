/**
 * The emulator's public data types (types only: the defaults live in `emulator.defaults.ts`, the
 * events in `viber-emulator.events.ts`).
 */
import type {
  ViberEventName,
  ViberIncomingMessage,
  ViberKeyboard,
  ViberOutgoingMessage,
  ViberValidationIssue,
  ViberWebhookEventType,
} from 'nestjs-viber';

/** A webhook registration, as `set_webhook` stores it (or as preset in the options). */
export interface EmulatorWebhook {
  /** The URL callbacks are posted to (`?sig=` is appended to it). */
  url: string;
  /** Optional events the bot asked for (`message`, `subscribed`, `unsubscribed` always come). */
  eventTypes: readonly ViberWebhookEventType[];
  /** Whether callbacks carry the users' real names (otherwise a placeholder). */
  sendName: boolean;
  /** Whether callbacks carry the users' avatars. */
  sendPhoto: boolean;
}

/** A webhook to preset when the emulator starts, without a `set_webhook` call. */
export interface EmulatorWebhookPreset {
  /** The bot's webhook URL. */
  url: string;
  /** Optional events; default: all of them. */
  eventTypes?: readonly ViberWebhookEventType[];
  /** Send users' real names; default `true`. */
  sendName?: boolean;
  /** Send users' avatars; default `true`. */
  sendPhoto?: boolean;
}

/** The bot's account, as `get_account_info` reports it. */
export interface EmulatorAccount {
  /** Account id, e.g. `pa:5437382013417249104`. */
  id: string;
  /** Account name (at most 75 characters). */
  name: string;
  /** Account URI (used in deep links). */
  uri: string;
  /** Icon URL. */
  icon: string;
  /** Background URL. */
  background: string;
  /** Category. */
  category: string;
  /** Sub-category. */
  subcategory: string;
  /** Location. */
  location: { lat: number; lon: number };
  /** ISO 3166 alpha-2 country. */
  country: string;
  /** Id of the admin member: the only valid `from` of the `post` endpoint. */
  adminId: string;
  /** Name of the admin member. */
  adminName: string;
}

/** Online status codes of `get_online` (docs/protocol/endpoints.md, "get_online"). */
export type EmulatorOnlineStatus = 0 | 1 | 2 | 3 | 4;

/** The profile of a simulated Viber user. Everything but `id` has a default. */
export interface SimulatedUserProfile {
  /** The user's id (per bot). */
  id: string;
  /** Display name. Default: the id. */
  name?: string;
  /** Avatar URL. Default: none. */
  avatar?: string;
  /** 2-letter country code. Default `UA`. */
  country?: string;
  /** Device language. Default `en`. */
  language?: string;
  /** Maximum API level of the user's devices. Default 10. */
  api_version?: number;
  /** Primary device OS. Default `android 13`. */
  primary_device_os?: string;
  /** Viber version. Default `21.0.0`. */
  viber_version?: string;
  /** Mobile country code. Default 255. */
  mcc?: number;
  /** Mobile network code. Default 1. */
  mnc?: number;
  /** Device type. Default `Pixel 7`. */
  device_type?: string;
  /** Start as a subscriber (without any callback). Default `false`. */
  subscribed?: boolean;
  /** `get_online` status: 0 online (default), 1 offline, 2 undisclosed, 3 try later, 4 unavailable. */
  onlineStatus?: EmulatorOnlineStatus;
  /** The phone number a tapped `share-phone` button shares. Default `+380501234567`. */
  phoneNumber?: string;
  /** The location a tapped `location-picker` button sends. Default Kyiv (50.4501, 30.5234). */
  location?: { lat: number; lon: number };
}

/** Options of {@link ViberEmulator.start}. */
export interface ViberEmulatorOptions {
  /** The bot's auth token. Default: a random token in Viber's `xxxxxxxxxxxxxxxx-…` format. */
  token?: string;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** Path prefix of the endpoints. Default `/pa` (as `https://chatapi.viber.com/pa`). */
  basePath?: string;
  /**
   * Delays in ms before each re-send of a callback that was not answered 200 (or not answered in
   * time); when the list is used up the callback is dropped. Default `[1000, 5000, 60000]`; tests
   * pass small values such as `[10, 10]`, `[]` disables re-sends.
   */
  retrySchedule?: readonly number[];
  /** How long a callback may take to be answered before it counts as failed. Default 5000 ms. */
  callbackTimeoutMs?: number;
  /** Send `delivered` then `seen` (or `failed`) after each bot message. Default `true`. */
  deliveryReceipts?: boolean;
  /** Delay between a bot message's answer and its receipts, in ms. Default 0. */
  receiptDelayMs?: number;
  /** Account name. Default `Emulator Bot`. */
  botName?: string;
  /** Other account fields reported by `get_account_info`. */
  account?: Partial<EmulatorAccount>;
  /** `chat_hostname` of answers and callbacks. Default `SN-EMULATOR_`. */
  chatHostname?: string;
  /** A webhook to register at start, without the `webhook` check callback. */
  webhook?: string | EmulatorWebhookPreset;
  /** Refuse webhook URLs that are not `https:` (as Viber does) with status 1. Default `false`. */
  requireHttps?: boolean;
  /**
   * Enforce the documented rate limits: `get_user_details` twice per user per 12 h and at most 100
   * `send_message` to a user without a reply per hour (then status 12). Default `false`.
   */
  enforceRateLimits?: boolean;
  /**
   * Viber's limit on `broadcast_message`: once more than `limit` requests arrived within any
   * sliding `intervalMs`, the next ones are answered status 12 (`tooManyRequests`), as Viber
   * does, until the window has room again (every request counts, refused ones too). Default
   * `{ limit: 500, intervalMs: 10000 }`; `false` turns it off. Independent of `enforceRateLimits`.
   */
  broadcastRateLimit?: { limit: number; intervalMs: number } | false;
  /** Users that exist from the start (ids or profiles). */
  users?: ReadonlyArray<string | SimulatedUserProfile>;
  /** Quiet period and timeout of the reply helpers (`user.send(…)`). */
  replies?: ReplyWaitOptions;
  /** Most entries kept in each log (requests, deliveries, bot messages). Default 1000. */
  maxLogEntries?: number;
}

/** How reply helpers (`user.send`, `user.tap`, …) decide that the bot has finished replying. */
export interface ReplyWaitOptions {
  /**
   * Resolve once no new bot message arrived for this long after the webhook answered. Default
   * 150 ms.
   */
  quietMs?: number;
  /**
   * The whole wait, from the user's action: the webhook's answer, then the replies (resolving with
   * what arrived). Default 3000 ms, below jest's own 5 s timeout.
   */
  timeoutMs?: number;
  /** Wait for exactly this many replies (rejects if fewer arrive before `timeoutMs`). */
  count?: number;
  /** Reject when the webhook does not answer the callback 200. Default `true`. */
  expectOk?: boolean;
}

/** Where a bot message came from. */
export type EmulatorMessageSource = 'send_message' | 'broadcast_message' | 'welcome';

/** A message the bot sent to a user and the emulator accepted. */
export interface EmulatorBotMessage {
  /** The message's 64-bit token as an exact decimal string. */
  token: string;
  /** The receiving user's id. */
  receiver: string;
  /** How the bot sent it. */
  source: EmulatorMessageSource;
  /**
   * The message as the user's device gets it: as sent, without `receiver`/`broadcast_list`/
   * `auth_token` and without the fields sent as `null` (Viber treats them as absent),
   * placeholders replaced.
   */
  message: ViberOutgoingMessage;
  /** `message.type` (`undefined` for a keyboard-only message). */
  type: ViberOutgoingMessage['type'];
  /** `message.text` for text and picture messages. */
  text: string | undefined;
  /** The keyboard sent with the message. */
  keyboard: ViberKeyboard | undefined;
  /** `message.tracking_data`. */
  trackingData: string | undefined;
  /**
   * What the emulator accepted but flags (see {@link EmulatorWarning}): fields Viber does not
   * know, and the documented rules Viber's own examples break. Paths are relative to the message.
   */
  warnings: readonly ViberValidationIssue[];
  /** When it was accepted (epoch ms). */
  timestamp: number;
}

/**
 * Something the emulator accepted (or refused for another reason) but that is probably a mistake,
 * reported in {@link ViberEmulator.warnings}, the `warning` event, the request log, the bot
 * message and on the chat page:
 * - a field Viber does not know, such as a misspelled `OpenUrlType` or `Colums` (Viber ignores
 *   it silently);
 * - a documented rule that Viber's own examples break (`TextSize: "medium"`, `TextHAlign:
 *   "middle"`, `rich_media` with `min_api_version: 1`), accepted as Viber does.
 */
export interface EmulatorWarning {
  /** The endpoint (`send_message`, `set_webhook`, …), or `welcome` for a welcome message. */
  source: string;
  /** The field, from the request body's root, e.g. `keyboard.Buttons[0].OpenUrlType`. */
  path: string;
  /** What is wrong, e.g. `is not a field Viber knows: Viber ignores it (did you mean OpenURLType?)`. */
  message: string;
  /** The user concerned (the receiver of `send_message` or of a welcome message), if any. */
  userId: string | undefined;
  /** When (epoch ms). */
  timestamp: number;
}

/** One entry of a conversation transcript. */
export type EmulatorTranscriptEntry =
  | {
      /** The user wrote. */
      from: 'user';
      /** Token of the `message` callback. */
      token: string;
      /** What the user sent. */
      message: ViberIncomingMessage;
      /** Whether it was a silent action (a `Silent` button): Viber does not show it. */
      silent?: boolean;
      /** When (epoch ms). */
      timestamp: number;
    }
  | {
      /** The bot wrote. */
      from: 'bot';
      /** Token of the bot's message. */
      token: string;
      /** The bot's message. */
      message: ViberOutgoingMessage;
      /** The full record. */
      record: EmulatorBotMessage;
      /** When (epoch ms). */
      timestamp: number;
    };

/** One API request the emulator answered. */
export interface EmulatorApiRequest {
  /** The endpoint name (path segment after the base path). */
  endpoint: string;
  /** HTTP method. */
  method: string;
  /** The exact request body text. */
  rawBody: string;
  /** The body parsed losslessly (`undefined` when it is not JSON). */
  body: unknown;
  /** Viber status of the answer. */
  status: number;
  /** `status_message` of the answer. */
  statusMessage: string;
  /** HTTP status of the answer. */
  httpStatus: number;
  /** The exact answer text. */
  responseBody: string;
  /**
   * Fields of the body Viber does not know and documented-example oddities (see
   * {@link EmulatorWarning}); empty when there is nothing to flag.
   */
  warnings: readonly ViberValidationIssue[];
  /** When it was answered (epoch ms). */
  timestamp: number;
}

/** What became of a callback. */
export type EmulatorDeliveryState =
  'pending' | 'retrying' | 'delivered' | 'abandoned' | 'cancelled';

/** One callback the emulator posted (with all its attempts). */
export interface EmulatorCallbackDelivery {
  /** The event name. */
  event: ViberEventName;
  /** The callback's 64-bit `message_token`, exact. */
  messageToken: string;
  /** The exact JSON text posted (identical on every attempt). */
  body: string;
  /** `X-Viber-Content-Signature` (also sent as `?sig=`). */
  signature: string;
  /** The user concerned, if any. */
  userId: string | undefined;
  /** Every attempt, in order. */
  attempts: EmulatorCallbackAttempt[];
  /** Current state: `retrying` while a re-send is scheduled, `abandoned` when the schedule ran out. */
  state: EmulatorDeliveryState;
}

/** One attempt to post a callback. */
export interface EmulatorCallbackAttempt {
  /** 1 for the first post, 2 for the first re-send, … */
  attempt: number;
  /** The URL posted to (with `?sig=`). */
  url: string;
  /** HTTP status of the answer (`undefined` on a network error or timeout). */
  httpStatus: number | undefined;
  /** The answer's body text. */
  responseBody: string;
  /** Network error or timeout description. */
  error: string | undefined;
  /** Whether the webhook answered 200. */
  ok: boolean;
  /** When the attempt ended (epoch ms). */
  timestamp: number;
}

/** Something a simulated user did, as the `userActivity` event reports it. */
export type EmulatorUserActivity =
  | {
      /** The user sent a message (typed, or a tapped button). */
      kind: 'message';
      /** The user's id. */
      userId: string;
      /** Token of the `message` callback. */
      token: string;
      /** What the user sent. */
      message: ViberIncomingMessage;
      /** Whether it was a silent action (not shown in the conversation). */
      silent: boolean;
      /** When (epoch ms). */
      timestamp: number;
    }
  | {
      /** The user opened the 1-on-1 chat (`conversation_started`). */
      kind: 'conversation_started';
      /** The user's id. */
      userId: string;
      /** Token of the callback. */
      token: string;
      /** Deep-link context, if any. */
      context: string | undefined;
      /** Whether the user was already subscribed. */
      subscribed: boolean;
      /** When (epoch ms). */
      timestamp: number;
    }
  | {
      /** The user subscribed or unsubscribed. */
      kind: 'subscribed' | 'unsubscribed';
      /** The user's id. */
      userId: string;
      /** Token of the callback. */
      token: string;
      /** When (epoch ms). */
      timestamp: number;
    };

/** What happened to a bot message on the user's device (the `receipt` event). */
export interface EmulatorReceipt {
  /** The receiving user's id. */
  userId: string;
  /** The bot message's token. */
  token: string;
  /** `delivered`, then `seen`; or `failed` when the client refused it. */
  status: 'delivered' | 'seen' | 'failed';
  /** Failure description (`failed` only). */
  desc?: string;
  /** When (epoch ms). */
  timestamp: number;
}
