import type { ViberIncomingMessage, ViberKeyboard, ViberOutgoingMessage } from 'nestjs-viber';
import { SIMULATED_USER_SAMPLES } from '../emulator.defaults';
import type { EmulatorMessageSource, EmulatorReceipt } from '../viber-emulator.types';

/** The path prefix of the chat page's JSON endpoints and event stream. */
export const CHAT_PAGE_API_PREFIX = '/_emulator';

/**
 * Sample values sent by `share-phone` and `location-picker` buttons (the page has no GPS/SIM):
 * the simulated users' defaults.
 */
export const CHAT_PAGE_SAMPLES = SIMULATED_USER_SAMPLES;

/** A simulated user as the chat page lists it. */
export interface ChatPageUser {
  /** The user's id. */
  id: string;
  /** Display name. */
  name: string;
  /** Avatar URL, if any. */
  avatar?: string;
  /** Whether the user is subscribed to the bot. */
  subscribed: boolean;
  /** Maximum API level of the user's devices. */
  apiVersion: number;
  /** Number of entries in the conversation (both directions). */
  messageCount: number;
}

/** Delivery state of a bot message as the chat page shows it. */
export type ChatPageMessageStatus = 'sent' | EmulatorReceipt['status'];

/** One item of a conversation on the chat page. */
export type ChatPageEntry =
  | {
      /** The user wrote (or tapped a button). */
      kind: 'user';
      /** The user's id. */
      userId: string;
      /** Token of the `message` callback. */
      token: string;
      /** What the user sent. */
      message: ViberIncomingMessage;
      /** A silent action: the page does not draw it (as Viber). */
      silent: boolean;
      /** When (epoch ms). */
      timestamp: number;
    }
  | {
      /** The bot wrote. */
      kind: 'bot';
      /** The receiving user's id. */
      userId: string;
      /** The message's token. */
      token: string;
      /** How the bot sent it. */
      source: EmulatorMessageSource;
      /** The message as sent. */
      message: ViberOutgoingMessage;
      /** Delivery state on the user's device. */
      status: ChatPageMessageStatus;
      /** Failure description when `status` is `failed`. */
      statusDetail?: string;
      /**
       * What the emulator flags in the message, e.g. `keyboard.Buttons[0].OpenUrlType is not a
       * field Viber knows: Viber ignores it (did you mean OpenURLType?)`; absent when nothing.
       */
      warnings?: string[];
      /** When (epoch ms). */
      timestamp: number;
    }
  | {
      /** Something worth telling the person at the page (conversation opened, an API refusal, …). */
      kind: 'note';
      /** The user concerned (`null`: every conversation). */
      userId: string | null;
      /** `error` notes are drawn in red, `warning` notes in amber. */
      level: 'info' | 'warning' | 'error';
      /** The note. */
      text: string;
      /** When (epoch ms). */
      timestamp: number;
    };

/** The keyboard the user's client shows and the message that carried it (for taps). */
export interface ChatPageKeyboard {
  /** Token of the bot message that carried the keyboard. */
  token: string;
  /** The keyboard. */
  keyboard: ViberKeyboard;
}

/** A conversation as `GET /_emulator/users/:id/messages` returns it. */
export interface ChatPageConversation {
  /** The user. */
  user: ChatPageUser;
  /** The conversation, oldest first. */
  entries: ChatPageEntry[];
  /** The keyboard shown under the input (the last one the bot sent). */
  keyboard: ChatPageKeyboard | null;
}

/** What the page shows about the bot and its webhook (`GET /_emulator/info`). */
export interface ChatPageInfo {
  /** The bot's account name. */
  botName: string;
  /** The API base URL the bot must use. */
  apiUrl: string;
  /** The registered webhook, or `null` when the bot has not called `set_webhook` yet. */
  webhook: string | null;
  /** Optional events the webhook receives. */
  eventTypes: string[];
}

/** Events pushed on `GET /_emulator/events` (Server-Sent Events, `event:` = the key). */
export interface ChatPageEvents {
  /** Sent on connect and whenever the webhook changes. */
  info: ChatPageInfo;
  /** A user was created or changed (subscription, message count). */
  user: ChatPageUser;
  /** A new conversation item. */
  entry: ChatPageEntry;
  /** A bot message was delivered, seen or failed. */
  receipt: EmulatorReceipt;
}

/** The body of `POST /_emulator/users/:id/send`: exactly one of the keys. */
export type ChatPageSendRequest =
  | { text: string }
  | { picture: string | { media: string; text?: string } }
  | { location: { lat: number; lon: number } }
  | { contact: { name: string; phone_number: string } }
  | { sticker_id: number }
  | { url: string };

/** The body of `POST /_emulator/users/:id/tap`. */
export type ChatPageTapRequest =
  | {
      /** Token of the bot message holding the button (keyboard or rich media). */
      token: string;
      /** Where the button is: the message's `keyboard` or its `rich_media`. */
      from: 'keyboard' | 'rich_media';
      /** Index of the button in `Buttons`. */
      index: number;
    }
  | {
      /** Tap by `ActionBody` (or button text), as `user.tap()` does. */
      actionBody: string;
    };
