/**
 * A bot written with `messaging-api-viber` 1.1.0 (bottender's client), run unchanged against the
 * emulator: the SDK's documented `origin` option points its client at the emulator. The SDK is
 * a REST client only, so the bot serves its webhook with node:http and checks the signature
 * itself, as that SDK's users do.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadInteropSdk } from './interop-sdk.loader';

/** The part of `require('messaging-api-viber')` the bot uses (its camelCase API). */
export interface MessagingApiViberSdk {
  ViberClient: new (config: {
    accessToken: string;
    sender: { name: string; avatar?: string };
    /** Replaces `https://chatapi.viber.com`; requests go to `${origin}/pa/…`. */
    origin?: string;
  }) => MavClient;
}

/** Options every `send*` method takes (camelCase; converted to Viber's keys by the SDK). */
export interface MavSendOptions {
  keyboard?: object;
  trackingData?: string;
  minApiVersion?: number;
}

/** The SDK's `ViberClient` (answers camelCased; refusals throw an AxiosError). */
export interface MavClient {
  setWebhook(
    url: string,
    options?: { eventTypes?: string[]; sendName?: boolean },
  ): Promise<{
    status: number;
    eventTypes: string[];
  }>;
  sendText(receiver: string, text: string, options?: MavSendOptions): Promise<unknown>;
  sendPicture(
    receiver: string,
    picture: { text: string; media: string },
    options?: MavSendOptions,
  ): Promise<unknown>;
  sendLocation(receiver: string, location: { lat: number; lon: number }): Promise<unknown>;
  sendContact(receiver: string, contact: { name: string; phoneNumber: string }): Promise<unknown>;
  sendCarouselContent(receiver: string, richMedia: object, options?: object): Promise<unknown>;
  broadcastText(
    broadcastList: string[],
    text: string,
  ): Promise<{ failedList: Array<{ receiver: string; status: number }> }>;
  getUserDetails(id: string): Promise<{ country: string; apiVersion: number }>;
  getOnlineStatus(ids: string[]): Promise<Array<{ id: string; onlineStatusMessage: string }>>;
}

/** One incoming callback, as far as the bot reads it. */
interface Callback {
  event: string;
  user?: { id: string; name: string };
  sender?: { id: string; name: string };
  context?: string;
  message?: {
    type: string;
    text?: string;
    media?: string;
    location?: { lat: number; lon: number };
    contact?: { phone_number: string };
  };
}

/**
 * The size keyboard in the SDK's camelCase (it PascalCases keyboard keys): reply buttons, a
 * share-phone button (API 3), and an open-url button whose typed `openURLType` the SDK writes as
 * `OpenUrlType`, a field Viber does not know.
 */
export const MAV_SIZE_KEYBOARD = {
  type: 'keyboard',
  buttons: [
    { columns: 3, rows: 1, actionType: 'reply', actionBody: 'size:S', text: 'S' },
    { columns: 3, rows: 1, actionType: 'reply', actionBody: 'size:L', text: 'L' },
    { columns: 3, rows: 1, actionType: 'share-phone', actionBody: 'phone', text: 'Call me' },
    {
      columns: 3,
      rows: 1,
      actionType: 'open-url',
      actionBody: 'https://example.com/sizes',
      text: 'Size chart',
      openURLType: 'external',
    },
  ],
};

/** A carousel in the SDK's camelCase. */
export const MAV_CAROUSEL = {
  type: 'rich_media',
  buttonsGroupColumns: 6,
  buttonsGroupRows: 1,
  bgColor: '#FFFFFF',
  buttons: [
    { columns: 6, rows: 1, actionType: 'reply', actionBody: 'size:S', text: '<b>Small</b>' },
    { columns: 6, rows: 1, actionType: 'reply', actionBody: 'size:L', text: '<b>Large</b>' },
  ],
};

/** A running messaging-api-viber bot. */
export interface RunningMavBot {
  client: MavClient;
  /** `http://127.0.0.1:PORT/viber/webhook`. */
  webhookUrl: string;
  /** Callbacks refused for a bad signature (a test expects none). */
  badSignatures: number;
  /** Rejections of the bot's own calls (a test expects none). */
  errors: unknown[];
  close(): Promise<void>;
}

/** Starts the bot's webhook server on 127.0.0.1:0 with a client pointed at `origin`. */
export async function startMavBot(token: string, origin: string): Promise<RunningMavBot> {
  const { ViberClient } = loadInteropSdk('messaging-api-viber') as MessagingApiViberSdk;
  const client = new ViberClient({ accessToken: token, sender: { name: 'MAV Shop' }, origin });
  const errors: unknown[] = [];
  const running: RunningMavBot = {
    client,
    webhookUrl: '',
    badSignatures: 0,
    errors,
    close: async () => undefined,
  };

  const handle = async (callback: Callback): Promise<void> => {
    if (callback.event === 'subscribed' && callback.user) {
      await client.sendText(callback.user.id, 'Thanks for subscribing!');
      return;
    }
    if (callback.event !== 'message' || !callback.sender || !callback.message) return;
    const { id, name } = callback.sender;
    const message = callback.message;
    const text = message.type === 'text' ? (message.text ?? '') : '';
    if (text === 'hi') await client.sendText(id, `Hello, ${name}!`);
    else if (text === 'picture') {
      await client.sendPicture(id, { text: 'Our shirt', media: 'https://example.com/shirt.jpg' });
    } else if (text === 'location') await client.sendLocation(id, { lat: 50.4501, lon: 30.5234 });
    else if (text === 'contact') {
      await client.sendContact(id, { name: 'Shop support', phoneNumber: '+380441234567' });
    } else if (text === 'menu') {
      await client.sendText(id, 'Pick a size', { keyboard: MAV_SIZE_KEYBOARD, minApiVersion: 3 });
    } else if (text.startsWith('size:')) await client.sendText(id, `Size ${text.slice(5)} it is.`);
    else if (text === 'carousel') {
      await client.sendCarouselContent(id, MAV_CAROUSEL, { altText: 'Our sizes' });
    } else if (text === 'details') {
      const user = await client.getUserDetails(id);
      await client.sendText(id, `From ${user.country}, API ${user.apiVersion}`);
    } else if (text === 'online') {
      const [status] = await client.getOnlineStatus([id]);
      await client.sendText(id, `You are ${status!.onlineStatusMessage}`);
    } else if (message.type === 'picture') {
      await client.sendText(id, `Nice picture: ${message.media}`);
    } else if (message.type === 'location') {
      await client.sendText(id, `You are at ${message.location!.lat}, ${message.location!.lon}`);
    } else if (message.type === 'contact') {
      await client.sendText(id, `We will call ${message.contact!.phone_number}`);
    }
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = request.headers['x-viber-content-signature'];
      const expected = createHmac('sha256', token).update(raw).digest();
      const given = Buffer.from(typeof header === 'string' ? header : '', 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        running.badSignatures++;
        response.writeHead(403).end();
        return;
      }
      const callback = JSON.parse(raw.toString('utf8')) as Callback;
      if (callback.event === 'conversation_started' && callback.user) {
        // The welcome message is the answer's body (the SDK has no helper for it).
        const welcome = {
          sender: { name: 'MAV Shop' },
          type: 'text',
          text: `Welcome, ${callback.user.name}!`,
          tracking_data: 'welcomed',
        };
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(welcome));
        return;
      }
      response.writeHead(200).end();
      handle(callback).catch((error: unknown) => errors.push(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/viber/webhook`;
  running.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return running;
}
