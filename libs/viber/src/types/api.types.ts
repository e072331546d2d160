import type { ViberOutgoingMessage, ViberSender } from './message.types';

/** Names of the API endpoints (docs/protocol/endpoints.md). */
export type ViberEndpoint =
  | 'set_webhook'
  | 'send_message'
  | 'broadcast_message'
  | 'get_account_info'
  | 'get_user_details'
  | 'get_online'
  | 'post';

/**
 * Every value `set_webhook` accepts in `event_types` (docs/protocol/endpoints.md,
 * "set_webhook").
 */
export const VIBER_WEBHOOK_EVENT_TYPES = [
  'delivered',
  'seen',
  'failed',
  'subscribed',
  'unsubscribed',
  'conversation_started',
] as const;

/** Optional callback events that `set_webhook` can filter (the rest are always sent). */
export type ViberWebhookEventType = (typeof VIBER_WEBHOOK_EVENT_TYPES)[number];

/** Fields of every API response. Big integers arrive as strings. */
export interface ViberResponseEnvelope {
  /** 0 on success. */
  status: number;
  /** `"ok"` on success; free text otherwise (do not branch on it). */
  status_message?: string;
  /** Internal host name. */
  chat_hostname?: string;
}

/** Body of `set_webhook`. */
export interface ViberSetWebhookRequest {
  /** HTTPS URL, or `""` to remove the webhook. */
  url: string;
  /** Optional events to receive; omitted = all. */
  event_types?: ViberWebhookEventType[];
  /** Receive user names. */
  send_name?: boolean;
  /** Receive user avatars. */
  send_photo?: boolean;
  /** Chat-extension legacy flag. */
  is_inline?: boolean;
}

/** Options of {@link ViberClient.setWebhook}. */
export interface ViberSetWebhookOptions {
  /** Optional events to receive; omitted = all events. */
  eventTypes?: ViberWebhookEventType[];
  /** Receive user names in callbacks. */
  sendName?: boolean;
  /** Receive user avatars in callbacks. */
  sendPhoto?: boolean;
  /** Chat-extension legacy flag. */
  isInline?: boolean;
}

/** Answer of `set_webhook`. */
export interface ViberSetWebhookResponse extends ViberResponseEnvelope {
  /** Events you will receive. */
  event_types?: ViberWebhookEventType[];
}

/** Body of `send_message`: a message plus its receiver. */
export type ViberSendMessageRequest = ViberOutgoingMessage & {
  /** Subscriber id. */
  receiver: string;
  /** Sender (filled from the bot's default when omitted). */
  sender: ViberSender;
};

/** Answer of `send_message`. */
export interface ViberSendMessageResponse extends ViberResponseEnvelope {
  /** Unique 64-bit message id, as an exact decimal string. */
  message_token: string;
  /** Billing status 0–5 (commercial model). */
  billing_status?: number;
}

/** A receiver the broadcast could not reach. */
export interface ViberFailedReceiver {
  /** Receiver id. */
  receiver: string;
  /** Viber status for that receiver (e.g. 6 not subscribed). Transport failures use `-1`. */
  status: number;
  /** Status text. */
  status_message?: string;
}

/** Body of `broadcast_message`: a message plus at most 300 receivers. */
export type ViberBroadcastRequest = ViberOutgoingMessage & {
  /** Receivers, at most 300. */
  broadcast_list: string[];
  /** Sender (filled from the bot's default when omitted). */
  sender: ViberSender;
};

/** Answer of one `broadcast_message` request. */
export interface ViberBroadcastResponse extends ViberResponseEnvelope {
  /** One token for the broadcast. */
  message_token?: string;
  /** Receivers that were not reached. */
  failed_list?: ViberFailedReceiver[];
  /** Billing status (2023 docs). */
  billing_status?: number;
}

/** Merged result of {@link ViberClient.broadcast} over any number of receivers. */
export interface ViberBroadcastResult {
  /** Number of `broadcast_message` requests answered or given up (retries not counted). */
  requests: number;
  /** Receivers Viber accepted: every receiver in neither `failed_list` nor `uncertain_list`. */
  sent: number;
  /**
   * Receivers of the broadcast: the list's length, or for an async iterable the receivers read
   * from it (all of them, unless the broadcast stopped before the end).
   */
  total: number;
  /** The message token of each successful request, in the order they were answered. */
  message_tokens: string[];
  /**
   * Every receiver that was not reached: Viber's per-receiver failures, receivers of a request
   * that failed as a whole (with its status; `-1` when it provably never reached Viber) and, when
   * the broadcast was stopped, the receivers never sent (status `-2`). Safe to send again.
   */
  failed_list: ViberFailedReceiver[];
  /**
   * Receivers of a request that left but got no answer (timeout, connection reset after the body
   * was written, aborted in flight at shutdown): Viber may or may not have delivered to them.
   * Sending them again may duplicate the message.
   */
  uncertain_list: string[];
  /** True when the broadcast was stopped (abort signal, client closing, or a fatal status). */
  aborted: boolean;
}

/** A member of the account (deprecated for bots). */
export interface ViberAccountMember {
  /** Member id. */
  id: string;
  /** Name. */
  name?: string;
  /** Avatar URL. */
  avatar?: string;
  /** `admin` or `participant`. */
  role?: string;
}

/** Answer of `get_account_info`. */
export interface ViberAccountInfo extends ViberResponseEnvelope {
  /** Account id, e.g. `pa:75346594275468546724`. */
  id: string;
  /** Account name. */
  name: string;
  /** Unique URI. */
  uri?: string;
  /** Icon URL. */
  icon?: string;
  /** Background URL. */
  background?: string;
  /** Category. */
  category?: string;
  /** Sub-category. */
  subcategory?: string;
  /** Location. */
  location?: { lat: number; lon: number };
  /** ISO 3166 alpha-2 country. */
  country?: string;
  /** Current webhook URL. */
  webhook?: string;
  /** Registered optional events. */
  event_types?: ViberWebhookEventType[];
  /** Number of subscribers. */
  subscribers_count?: number;
  /** Members (deprecated for bots). */
  members?: ViberAccountMember[];
}

/** A user's details from `get_user_details`. */
export interface ViberUserDetails {
  /** User id. */
  id: string;
  /** Name. */
  name?: string;
  /** Avatar URL. */
  avatar?: string;
  /** ISO alpha-2 country. */
  country?: string;
  /** Device language. */
  language?: string;
  /** Primary device OS, e.g. `android 7.1`. */
  primary_device_os?: string;
  /** Maximum API level of the user's devices. */
  api_version?: number;
  /** Viber version, e.g. `6.5.0`. */
  viber_version?: string;
  /** Mobile country code. */
  mcc?: number;
  /** Mobile network code. */
  mnc?: number;
  /** Device type, e.g. `iPhone9,4`. */
  device_type?: string;
}

/** Answer of `get_user_details`. */
export interface ViberUserDetailsResponse extends ViberResponseEnvelope {
  /** Token of the request, exact string. */
  message_token?: string;
  /** The user. */
  user: ViberUserDetails;
}

/** Online status of one user (`get_online`). */
export interface ViberOnlineStatus {
  /** User id. */
  id: string;
  /** 0 online, 1 offline, 2 undisclosed, 3 try later, 4 unavailable. */
  online_status: number;
  /** Name of the status. */
  online_status_message?: string;
  /** Last time online (epoch ms), with status 1. */
  last_online?: number;
}

/** Answer of `get_online`, merged over every request. */
export interface ViberGetOnlineResponse extends ViberResponseEnvelope {
  /** One entry per requested id that Viber reported. */
  users: ViberOnlineStatus[];
}

/** Body of `post` (legacy public chat / Channels Post API). */
export type ViberPostRequest = ViberOutgoingMessage & {
  /** Id of the posting admin. */
  from: string;
};

/** Answer of `post`. */
export interface ViberPostResponse extends ViberResponseEnvelope {
  /** Message token, exact string. */
  message_token?: string;
}
