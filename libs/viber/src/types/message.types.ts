import type { ViberKeyboard, ViberRichMedia } from './keyboard.types';

/** The sender shown on an outgoing message. */
export interface ViberSender {
  /** Display name, at most 28 characters. */
  name: string;
  /** Avatar URL (image at most 100 KB, 720×720 recommended). */
  avatar?: string;
}

/**
 * Fields every outgoing message may carry (docs/protocol/messages.md, "Common fields"), in
 * Viber's key spelling.
 */
export interface ViberMessageCommon {
  /** Overrides the bot's default sender for this message. */
  sender?: ViberSender;
  /** Opaque string echoed back in the user's next message, at most 4000 characters. */
  tracking_data?: string;
  /** Minimum client API level needed to render the message. */
  min_api_version?: number;
  /** A custom keyboard shown with the message. */
  keyboard?: ViberKeyboard;
  /** Chat-extension chat id (partner-only feature). */
  chat_id?: string;
}

/** A text message (at most 7000 characters). */
export interface ViberTextMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'text';
  /** The text. */
  text: string;
}

/** A picture (JPEG/PNG/GIF URL) with a caption of at most 768 characters. */
export interface ViberPictureMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'picture';
  /** Caption (may be empty). */
  text: string;
  /** Picture URL ending in .jpg/.jpeg/.png/.gif. */
  media: string;
  /** Thumbnail URL. */
  thumbnail?: string;
}

/** A video (MP4 URL). */
export interface ViberVideoMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'video';
  /** Video URL ending in .mp4. */
  media: string;
  /** Size in bytes, at most 26 MB. */
  size: number;
  /** Duration in seconds, at most 180. */
  duration?: number;
  /** Thumbnail URL. */
  thumbnail?: string;
}

/** A file. */
export interface ViberFileMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'file';
  /** File URL. */
  media: string;
  /** Size in bytes, at most 50 MB. */
  size: number;
  /** File name with extension, at most 256 characters; some extensions are refused. */
  file_name: string;
}

/** A contact card. */
export interface ViberContactMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'contact';
  /** The contact. */
  contact: {
    /** Name, at most 28 characters. */
    name: string;
    /** Phone number, at most 18 characters. */
    phone_number: string;
  };
}

/** A location. */
export interface ViberLocationMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'location';
  /** Coordinates: lat −90..90, lon −180..180. */
  location: { lat: number; lon: number };
}

/** A link (at most 2000 characters). */
export interface ViberUrlMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'url';
  /** The URL. */
  media: string;
}

/** A sticker. */
export interface ViberStickerMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'sticker';
  /** Viber sticker id (integer, or its decimal string as in the 2023 docs). */
  sticker_id: number | string;
}

/** A rich-media carousel message. */
export interface ViberRichMediaMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'rich_media';
  /** The carousel. */
  rich_media: ViberRichMedia;
  /** Fallback text for clients that cannot show rich media. */
  alt_text?: string;
}

/** A key/value parameter of a payment message. */
export interface ViberPaymentParameter {
  /** Parameter name. */
  key: string;
  /** Parameter value. */
  value: string;
}

/** A payment request (API 10; docs/protocol/endpoints.md, "Payment messages"). */
export interface ViberPaymentMessage extends ViberMessageCommon {
  /** Discriminator. */
  type: 'payment';
  /** The payment. */
  payment: {
    /** `GooglePay` or `ApplePay`. */
    type: string;
    /** Description shown to the user. */
    description?: string;
    /** Total price. */
    total_price: number;
    /** ISO 4217 currency code. */
    currency_code: string;
    /** PSP parameters. */
    payment_parameters: ViberPaymentParameter[];
  };
}

/** A keyboard sent without a message body (no `type`). */
export interface ViberKeyboardOnlyMessage extends ViberMessageCommon {
  /** Absent: a keyboard-only message has no type. */
  type?: undefined;
  /** The keyboard. */
  keyboard: ViberKeyboard;
}

/** Every message the bot can send (the body of `send_message` without `receiver`). */
export type ViberOutgoingMessage =
  | ViberTextMessage
  | ViberPictureMessage
  | ViberVideoMessage
  | ViberFileMessage
  | ViberContactMessage
  | ViberLocationMessage
  | ViberUrlMessage
  | ViberStickerMessage
  | ViberRichMediaMessage
  | ViberPaymentMessage
  | ViberKeyboardOnlyMessage;

/** The `type` values of outgoing messages. */
export type ViberOutgoingMessageType = NonNullable<ViberOutgoingMessage['type']>;

/** What a handler may return or `reply` with: a message, plain text, or several of them. */
export type ViberReply =
  ViberOutgoingMessage | string | ReadonlyArray<ViberOutgoingMessage | string>;
