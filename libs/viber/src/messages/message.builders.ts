import type { ViberKeyboard, ViberRichMedia } from '../types/keyboard.types';
import type {
  ViberContactMessage,
  ViberFileMessage,
  ViberKeyboardOnlyMessage,
  ViberLocationMessage,
  ViberMessageCommon,
  ViberPictureMessage,
  ViberRichMediaMessage,
  ViberStickerMessage,
  ViberTextMessage,
  ViberUrlMessage,
  ViberVideoMessage,
} from '../types/message.types';
import { ViberKeyboardBuilder } from './keyboard.builder';
import { ViberRichMediaBuilder } from './rich-media.builder';

/** A keyboard given as a plain object or as a builder. */
export type ViberKeyboardInput = ViberKeyboard | ViberKeyboardBuilder;

/** A carousel given as a plain object or as a builder. */
export type ViberRichMediaInput = ViberRichMedia | ViberRichMediaBuilder;

/**
 * Fields every message helper accepts, in Viber's key spelling (`tracking_data`,
 * `min_api_version`, `sender`, `chat_id`, `keyboard`); the keyboard may be a builder.
 */
export interface ViberMessageExtras extends Omit<ViberMessageCommon, 'keyboard'> {
  /** A custom keyboard shown with the message. */
  keyboard?: ViberKeyboardInput;
}

/** Extra fields of a picture message. */
export interface ViberPictureMessageOptions extends ViberMessageExtras {
  /** Caption, at most 768 characters (default `""`). */
  text?: string;
  /** Thumbnail URL. */
  thumbnail?: string;
}

/** Extra fields of a video message. */
export interface ViberVideoMessageOptions extends ViberMessageExtras {
  /** Duration in seconds, at most 180. */
  duration?: number;
  /** Thumbnail URL. */
  thumbnail?: string;
}

/** Extra fields of a rich-media message. */
export interface ViberRichMediaMessageOptions extends ViberMessageExtras {
  /** Fallback text for clients that cannot show rich media. */
  alt_text?: string;
}

/**
 * The message `body` plus the defined fields of `extras` (a keyboard builder is built, so
 * the result is a plain object with no `undefined` values).
 */
function withExtras<T extends object>(body: T, extras: object | undefined): T {
  const message = { ...body } as Record<string, unknown>;
  for (const [key, value] of Object.entries(extras ?? {})) {
    if (value === undefined) continue;
    message[key] = value instanceof ViberKeyboardBuilder ? value.build() : value;
  }
  return message as T;
}

/** A text message (at most 7000 characters). */
export function textMessage(text: string, extras?: ViberMessageExtras): ViberTextMessage {
  return withExtras({ type: 'text' as const, text }, extras);
}

/** A picture message; `media` must end in .jpg, .jpeg, .png or .gif. The caption defaults to `""`. */
export function pictureMessage(
  media: string,
  options?: ViberPictureMessageOptions,
): ViberPictureMessage {
  return withExtras({ type: 'picture' as const, text: '', media }, options);
}

/** A video message; `media` must end in .mp4, `size` in bytes (at most 26 MB). */
export function videoMessage(
  media: string,
  size: number,
  options?: ViberVideoMessageOptions,
): ViberVideoMessage {
  return withExtras({ type: 'video' as const, media, size }, options);
}

/** A file message; the URL must end with the extension of `fileName` (at most 256 characters). */
export function fileMessage(
  media: string,
  size: number,
  fileName: string,
  extras?: ViberMessageExtras,
): ViberFileMessage {
  return withExtras({ type: 'file' as const, media, size, file_name: fileName }, extras);
}

/** A contact card: name at most 28 characters, phone number at most 18. */
export function contactMessage(
  name: string,
  phoneNumber: string,
  extras?: ViberMessageExtras,
): ViberContactMessage {
  return withExtras(
    { type: 'contact' as const, contact: { name, phone_number: phoneNumber } },
    extras,
  );
}

/** A location: `lat` −90..90, `lon` −180..180. */
export function locationMessage(
  lat: number,
  lon: number,
  extras?: ViberMessageExtras,
): ViberLocationMessage {
  return withExtras({ type: 'location' as const, location: { lat, lon } }, extras);
}

/** A link (at most 2000 characters). */
export function urlMessage(url: string, extras?: ViberMessageExtras): ViberUrlMessage {
  return withExtras({ type: 'url' as const, media: url }, extras);
}

/** A sticker, by Viber sticker id. */
export function stickerMessage(
  stickerId: number | string,
  extras?: ViberMessageExtras,
): ViberStickerMessage {
  return withExtras({ type: 'sticker' as const, sticker_id: stickerId }, extras);
}

/**
 * A rich-media carousel message. `min_api_version` is not set here: the client derives it (2,
 * or more for the features used) when it is absent.
 */
export function richMediaMessage(
  richMedia: ViberRichMediaInput,
  options?: ViberRichMediaMessageOptions,
): ViberRichMediaMessage {
  const rich_media = richMedia instanceof ViberRichMediaBuilder ? richMedia.build() : richMedia;
  return withExtras({ type: 'rich_media' as const, rich_media }, options);
}

/** A keyboard sent without a message body (no `type`). */
export function keyboardMessage(
  keyboard: ViberKeyboardInput,
  extras?: Omit<ViberMessageExtras, 'keyboard'>,
): ViberKeyboardOnlyMessage {
  const built = keyboard instanceof ViberKeyboardBuilder ? keyboard.build() : keyboard;
  return withExtras({ keyboard: built }, extras);
}
