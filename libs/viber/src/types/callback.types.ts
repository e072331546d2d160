/**
 * Callbacks Viber posts to the webhook (docs/protocol/callbacks.md), in Viber's key spelling.
 * 64-bit integers (`message_token`, `chat_id`) are exact decimal strings. Viber adds fields over
 * time: every callback may carry more properties than typed here, and they are kept.
 */

/** The event names Viber sends. */
export type ViberEventName =
  | 'webhook'
  | 'subscribed'
  | 'unsubscribed'
  | 'conversation_started'
  | 'message'
  | 'delivered'
  | 'seen'
  | 'failed'
  | 'client_status';

/** A Viber user as sent in callbacks (`user`, `sender`). */
export interface ViberUser {
  /** Unique id per user per bot. */
  id: string;
  /** Name (a placeholder when the user hides it). */
  name?: string;
  /** Avatar URL. */
  avatar?: string;
  /** 2-letter country code. */
  country?: string;
  /** Device language (`en`, `en-CA`, …). */
  language?: string;
  /** Maximum API level supported by all the user's devices. */
  api_version?: number;
  /** Primary device OS, where sent. */
  primary_device_os?: string;
}

/** Message types a user can send. */
export type ViberIncomingMessageType =
  'text' | 'picture' | 'video' | 'file' | 'sticker' | 'contact' | 'url' | 'location' | 'rich_media';

/** Fields shared by every incoming message. */
export interface ViberIncomingMessageBase {
  /** Message type. */
  type: ViberIncomingMessageType;
  /** Tracking data of the bot's last message to this user. */
  tracking_data?: string;
  /** Text (text messages, picture captions, keyboard replies). */
  text?: string;
  /** Media URL (valid for one hour). */
  media?: string;
}

/** A text message (keyboard `reply` taps arrive as text = ActionBody). */
export interface ViberIncomingTextMessage extends ViberIncomingMessageBase {
  /** Discriminator. */
  type: 'text';
  /** The text. */
  text: string;
}
/** A picture. */
export interface ViberIncomingPictureMessage extends ViberIncomingMessageBase {
  /** Discriminator. */
  type: 'picture';
  /** Picture URL. */
  media: string;
  /** Thumbnail URL. */
  thumbnail?: string;
  /** File name. */
  file_name?: string;
  /** Size in bytes. */
  size?: number;
}
/** A video. */
export interface ViberIncomingVideoMessage extends ViberIncomingMessageBase {
  /** Discriminator. */
  type: 'video';
  /** Video URL. */
  media: string;
  /** Thumbnail URL. */
  thumbnail?: string;
  /** Size in bytes. */
  size?: number;
  /** Duration in seconds. */
  duration?: number;
}
/** A file. */
export interface ViberIncomingFileMessage extends ViberIncomingMessageBase {
  /** Discriminator. */
  type: 'file';
  /** File URL. */
  media: string;
  /** File name. */
  file_name?: string;
  /** Size in bytes (documented name). */
  file_size?: number;
  /** Size in bytes (name read by the SDKs). */
  size?: number;
}
/** A sticker. */
export interface ViberIncomingStickerMessage extends ViberIncomingMessageBase {
  /** Discriminator. */
  type: 'sticker';
  /** Sticker id. */
  sticker_id: number | string;
}
/** A contact. */
export interface ViberIncomingContactMessage extends ViberIncomingMessageBase {
  /** Discriminator. */
  type: 'contact';
  /** The contact. */
  contact: { name?: string; phone_number?: string; avatar?: string };
}
/** A URL. */
export interface ViberIncomingUrlMessage extends ViberIncomingMessageBase {
  /** Discriminator. */
  type: 'url';
  /** The URL. */
  media: string;
}
/** A location. */
export interface ViberIncomingLocationMessage extends ViberIncomingMessageBase {
  /** Discriminator. */
  type: 'location';
  /** Coordinates. */
  location: { lat: number; lon: number; address?: string };
}
/** A rich-media message (mapped by the SDK parsers). */
export interface ViberIncomingRichMediaMessage extends ViberIncomingMessageBase {
  /** Discriminator. */
  type: 'rich_media';
  /** The carousel as sent. */
  rich_media?: Record<string, unknown>;
}

/** Any message a user can send. */
export type ViberIncomingMessage =
  | ViberIncomingTextMessage
  | ViberIncomingPictureMessage
  | ViberIncomingVideoMessage
  | ViberIncomingFileMessage
  | ViberIncomingStickerMessage
  | ViberIncomingContactMessage
  | ViberIncomingUrlMessage
  | ViberIncomingLocationMessage
  | ViberIncomingRichMediaMessage;

/** Fields of every callback. */
export interface ViberCallbackBase {
  /** Event name. */
  event: ViberEventName;
  /** Epoch milliseconds. */
  timestamp: number;
  /** 64-bit token, exact decimal string. */
  message_token: string;
  /** Internal host name (real traffic). */
  chat_hostname?: string;
}

/** `webhook`: the check Viber makes during `set_webhook`. */
export interface ViberWebhookCallback extends ViberCallbackBase {
  /** Discriminator. */
  event: 'webhook';
}
/** `subscribed`. */
export interface ViberSubscribedCallback extends ViberCallbackBase {
  /** Discriminator. */
  event: 'subscribed';
  /** The user. */
  user: ViberUser;
}
/** `unsubscribed`. */
export interface ViberUnsubscribedCallback extends ViberCallbackBase {
  /** Discriminator. */
  event: 'unsubscribed';
  /** The user id. */
  user_id: string;
}
/** `conversation_started`: answer with a welcome message in the HTTP response. */
export interface ViberConversationStartedCallback extends ViberCallbackBase {
  /** Discriminator. */
  event: 'conversation_started';
  /** `open` (more may be added). */
  type: string;
  /** Deep-link context, when given. */
  context?: string;
  /** The user. */
  user: ViberUser;
  /** Whether the user is already subscribed. */
  subscribed?: boolean;
}
/** `message`: a user wrote to the bot. */
export interface ViberMessageCallback extends ViberCallbackBase {
  /** Discriminator. */
  event: 'message';
  /** The user. */
  sender: ViberUser;
  /** The message. */
  message: ViberIncomingMessage;
  /** Silent action. */
  silent?: boolean;
  /** Chat-extension reply type. */
  reply_type?: 'message' | 'query';
  /** Chat-extension chat id (exact string). */
  chat_id?: string;
}
/** `delivered`, `seen`. */
export interface ViberDeliveryCallback extends ViberCallbackBase {
  /** Discriminator. */
  event: 'delivered' | 'seen';
  /** The user id. */
  user_id: string;
  /** Chat-extension chat id. */
  chat_id?: string;
}
/** `delivered` (one per device). */
export interface ViberDeliveredCallback extends ViberDeliveryCallback {
  /** Discriminator. */
  event: 'delivered';
}
/** `seen` (once per read). */
export interface ViberSeenCallback extends ViberDeliveryCallback {
  /** Discriminator. */
  event: 'seen';
}
/** `failed`: a message failed client-side validation. */
export interface ViberFailedCallback extends ViberCallbackBase {
  /** Discriminator. */
  event: 'failed';
  /** The user id. */
  user_id: string;
  /** Failure description. */
  desc?: string;
}
/** `client_status`: payment status. */
export interface ViberClientStatusCallback extends ViberCallbackBase {
  /** Discriminator. */
  event: 'client_status';
  /** The user. */
  user: ViberUser;
  /** Status. */
  status: { type: string; code: number; supported_psps?: string[]; tracking_data?: string };
}

/** Every callback, discriminated by `event`. */
export type ViberCallback =
  | ViberWebhookCallback
  | ViberSubscribedCallback
  | ViberUnsubscribedCallback
  | ViberConversationStartedCallback
  | ViberMessageCallback
  | ViberDeliveredCallback
  | ViberSeenCallback
  | ViberFailedCallback
  | ViberClientStatusCallback;

/** Maps an event name to its callback type: `ViberCallbackOf<'message'>`. */
export type ViberCallbackOf<E extends ViberEventName> = Extract<ViberCallback, { event: E }>;
