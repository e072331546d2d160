/**
 * A bot written with the official Node SDK `viber-bot` 1.0.18, as its README shows, run
 * unchanged against the emulator. The only change is the API URL: the SDK has no option for
 * it, so it is set once after construction (see {@link pointViberBotAt}).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadInteropSdk, loadSdkDependency } from './interop-sdk.loader';

/** The part of `require('viber-bot')` the bot uses (the package ships no types). */
export interface ViberBotSdk {
  Bot: new (config: ViberBotConfig) => ViberBotInstance;
  Events: { MESSAGE_RECEIVED: 'message'; SUBSCRIBED: 'subscribed'; ERROR: 'error' };
  Message: {
    Text: new (
      text: string,
      keyboard?: object | null,
      trackingData?: unknown,
      timestamp?: unknown,
      token?: unknown,
      minApiVersion?: number,
    ) => ViberBotMessage;
    Picture: new (url: string, text?: string, thumbnail?: string) => ViberBotMessage;
    Location: new (lat: number, lon: number) => ViberBotMessage;
    Contact: new (name: string, phoneNumber: string) => ViberBotMessage;
    RichMedia: new (
      richMedia: object,
      keyboard?: object | null,
      trackingData?: unknown,
      timestamp?: unknown,
      token?: unknown,
      altText?: string,
      minApiVersion?: number,
    ) => ViberBotMessage;
    Keyboard: new (
      keyboard: object,
      trackingData?: unknown,
      timestamp?: unknown,
      token?: unknown,
      minApiVersion?: number,
    ) => ViberBotMessage;
  };
}

/** `new Bot({ authToken, name, avatar })`. */
export interface ViberBotConfig {
  authToken: string;
  name: string;
  avatar: string;
}

/** A message object of the SDK (`Message.Text`, …); received ones carry their fields. */
export interface ViberBotMessage {
  text?: string;
  url?: string;
  latitude?: number;
  longitude?: number;
  contactName?: string;
  contactPhoneNumber?: string;
}

/** The SDK's `UserProfile`. */
export interface ViberBotUserProfile {
  id: string;
  name: string;
  country: string | null;
  apiVersion: number | null;
}

/** What handlers get to answer with (`response.send(message)`). */
export interface ViberBotResponse {
  userProfile: ViberBotUserProfile;
  send(messages: ViberBotMessage | ViberBotMessage[], trackingData?: unknown): Promise<unknown>;
}

/** The SDK's `Bot` (an EventEmitter). */
export interface ViberBotInstance {
  middleware(): (request: http.IncomingMessage, response: http.ServerResponse) => void;
  setWebhook(url: string, isInline?: boolean): Promise<{ status: number }>;
  sendMessage(
    user: { id: string },
    messages: ViberBotMessage | ViberBotMessage[],
  ): Promise<string[]>;
  getUserDetails(user: { id: string }): Promise<{ country: string; api_version: number }>;
  getOnlineStatus(
    ids: string[],
  ): Promise<{ users: Array<{ id: string; online_status_message: string }> }>;
  onConversationStarted(
    handler: (
      user: ViberBotUserProfile,
      isSubscribed: boolean,
      context: string | undefined,
      onFinish: (message: ViberBotMessage | null) => void,
    ) => void,
  ): void;
  onTextMessage(
    pattern: RegExp,
    handler: (message: ViberBotMessage, response: ViberBotResponse) => void,
  ): void;
  onSubscribe(handler: (response: ViberBotResponse) => void): void;
  on(event: string, handler: (...args: never[]) => void): void;
  /** The SDK's REST client; `_url` is the API base URL it was built with (private). */
  _client: { _url: string };
}

/** An express app, as far as the bot server uses it. */
interface ExpressApp {
  (request: http.IncomingMessage, response: http.ServerResponse): void;
  use(path: string, handler: unknown): void;
}

/**
 * Points a `viber-bot` `Bot` at another API base URL (the emulator's `emulator.url`).
 *
 * viber-bot 1.0.18 has no option for it: `new Bot(config)` passes the module constant
 * `API_URL = "https://chatapi.viber.com/pa"` to its `ViberClient`, which keeps it in `_url` and
 * builds every request URL from it (`${_url}/send_message`, …). Setting that one field right
 * after construction, before the first call, is the least invasive change: no patched module,
 * no proxy, no network interception, and nothing else of the SDK is touched.
 */
export function pointViberBotAt(bot: ViberBotInstance, apiUrl: string): void {
  if (typeof bot._client?._url !== 'string') {
    throw new Error('viber-bot changed: Bot._client._url is gone (pinned 1.0.18 expected)');
  }
  bot._client._url = apiUrl;
}

/** The size keyboard: reply buttons plus a share-phone button (which needs API 3). */
export const SIZE_KEYBOARD = {
  Type: 'keyboard',
  Buttons: [
    { Columns: 2, Rows: 1, ActionType: 'reply', ActionBody: 'size:S', Text: 'S' },
    { Columns: 2, Rows: 1, ActionType: 'reply', ActionBody: 'size:M', Text: 'M' },
    { Columns: 2, Rows: 1, ActionType: 'reply', ActionBody: 'size:L', Text: 'L' },
    { Columns: 6, Rows: 1, ActionType: 'share-phone', ActionBody: 'phone', Text: 'Call me' },
  ],
};

/** A two-card carousel. */
export const CAROUSEL = {
  Type: 'rich_media',
  ButtonsGroupColumns: 6,
  ButtonsGroupRows: 2,
  BgColor: '#FFFFFF',
  Buttons: [
    { Columns: 6, Rows: 1, ActionType: 'reply', ActionBody: 'size:S', Text: '<b>Small</b>' },
    {
      Columns: 6,
      Rows: 1,
      ActionType: 'open-url',
      ActionBody: 'https://example.com/s',
      Text: 'More',
    },
    { Columns: 6, Rows: 1, ActionType: 'reply', ActionBody: 'size:L', Text: '<b>Large</b>' },
    {
      Columns: 6,
      Rows: 1,
      ActionType: 'open-url',
      ActionBody: 'https://example.com/l',
      Text: 'More',
    },
  ],
};

/** A running viber-bot bot: its webhook URL, the SDK objects, and errors its handlers hit. */
export interface RunningViberBot {
  sdk: ViberBotSdk;
  bot: ViberBotInstance;
  /** `http://127.0.0.1:PORT/viber/webhook`. */
  webhookUrl: string;
  /** Rejections of the bot's own calls (a test expects none). */
  errors: unknown[];
  close(): Promise<void>;
}

/**
 * Starts the bot: `new Bot(…)`, the URL pointed at `apiUrl`, its handlers, and
 * `app.use('/viber/webhook', bot.middleware())` on an express server on 127.0.0.1:0 (express is
 * viber-bot's own dependency). The webhook is not set: the test calls `bot.setWebhook(url)`.
 */
export async function startViberBot(token: string, apiUrl: string): Promise<RunningViberBot> {
  const sdk = loadInteropSdk('viber-bot') as ViberBotSdk;
  const express = loadSdkDependency('viber-bot', 'express') as () => ExpressApp;
  const { Bot, Events, Message } = sdk;
  const errors: unknown[] = [];
  const send = (response: ViberBotResponse, message: ViberBotMessage): void => {
    response.send(message).catch((error: unknown) => errors.push(error));
  };

  const bot = new Bot({
    authToken: token,
    name: 'SDK Shop',
    avatar: 'https://example.com/shop.jpg',
  });
  pointViberBotAt(bot, apiUrl);

  bot.onConversationStarted((user, _isSubscribed, context, onFinish) =>
    onFinish(new Message.Text(`Welcome, ${user.name}!${context ? ` (${context})` : ''}`)),
  );
  bot.onSubscribe((response) => send(response, new Message.Text('Thanks for subscribing!')));
  bot.onTextMessage(/^hi$/i, (_message, response) =>
    send(response, new Message.Text(`Hello, ${response.userProfile.name}!`)),
  );
  bot.onTextMessage(/^picture$/, (_message, response) =>
    send(response, new Message.Picture('https://example.com/shirt.jpg', 'Our shirt')),
  );
  bot.onTextMessage(/^location$/, (_message, response) =>
    send(response, new Message.Location(50.4501, 30.5234)),
  );
  bot.onTextMessage(/^contact$/, (_message, response) =>
    send(response, new Message.Contact('Shop support', '+380441234567')),
  );
  bot.onTextMessage(/^menu$/, (_message, response) =>
    // share-phone needs min_api_version 3, the Text constructor's last argument.
    send(response, new Message.Text('Pick a size', SIZE_KEYBOARD, null, null, null, 3)),
  );
  bot.onTextMessage(/^size:(\w+)$/, (message, response) =>
    send(response, new Message.Text(`Size ${message.text!.slice(5)} it is.`)),
  );
  bot.onTextMessage(/^carousel$/, (_message, response) =>
    send(response, new Message.RichMedia(CAROUSEL, null, null, null, null, 'Our sizes')),
  );
  bot.onTextMessage(/^details$/, (_message, response) => {
    bot
      .getUserDetails(response.userProfile)
      .then((user) =>
        response.send(new Message.Text(`From ${user.country}, API ${user.api_version}`)),
      )
      .catch((error: unknown) => errors.push(error));
  });
  bot.onTextMessage(/^online$/, (_message, response) => {
    bot
      .getOnlineStatus([response.userProfile.id])
      .then((answer) =>
        response.send(new Message.Text(`You are ${answer.users[0]!.online_status_message}`)),
      )
      .catch((error: unknown) => errors.push(error));
  });
  bot.on(Events.MESSAGE_RECEIVED, (message: ViberBotMessage, response: ViberBotResponse) => {
    const is = (kind: new (...args: never[]) => ViberBotMessage): boolean =>
      (message as object) instanceof kind;
    if (is(Message.Picture)) {
      send(response, new Message.Text(`Nice picture: ${message.url}`));
    } else if (is(Message.Location)) {
      send(response, new Message.Text(`You are at ${message.latitude}, ${message.longitude}`));
    } else if (is(Message.Contact)) {
      send(response, new Message.Text(`We will call ${message.contactPhoneNumber}`));
    }
  });
  bot.on(Events.ERROR, (error: unknown) => errors.push(error));

  const app = express();
  app.use('/viber/webhook', bot.middleware());
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    sdk,
    bot,
    webhookUrl: `http://127.0.0.1:${port}/viber/webhook`,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
