import { createHmac } from 'node:crypto';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import type { LoggerService } from '@nestjs/common';
import { ViberClient } from 'nestjs-viber';
import { ViberEmulator, ViberEmulatorError, type ViberEmulatorOptions } from 'nestjs-viber/testing';
import {
  TestWebhook,
  callApi,
  fixture,
  fixtureText,
  type ReceivedCallback,
} from '../support/test-webhook.helper';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
const SENDER = { name: 'Test Bot' };
const quiet: LoggerService = {
  log: () => undefined,
  error: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
};

function hmac(body: string, token = TOKEN): string {
  return createHmac('sha256', token).update(Buffer.from(body, 'utf8')).digest('hex');
}

function expectSigned(callback: ReceivedCallback, token = TOKEN): void {
  expect(callback.signature).toMatch(/^[0-9a-f]{64}$/);
  expect(callback.signature).toBe(hmac(callback.rawBody, token));
  expect(callback.sig).toBe(callback.signature);
}

function rawToken(callback: ReceivedCallback): string {
  const match = /"message_token":(\d+)[,}]/.exec(callback.rawBody);
  if (!match) throw new Error(`no raw message_token in ${callback.rawBody}`);
  return match[1]!;
}

describe('ViberEmulator callbacks', () => {
  let webhook: TestWebhook;
  let emulator: ViberEmulator;

  async function startEmulator(options: ViberEmulatorOptions = {}): Promise<ViberEmulator> {
    emulator = await ViberEmulator.start({
      token: TOKEN,
      webhook: webhook.url,
      retrySchedule: [],
      ...options,
    });
    return emulator;
  }

  /** A bot: replies to text messages through the emulator's API with the library client. */
  function echoBot(replies: (text: string) => string[]): void {
    const client = new ViberClient(new HttpService(axios.create()), {
      token: TOKEN,
      apiUrl: emulator.url,
      sender: SENDER,
      logger: quiet,
    });
    webhook.handler = async (callback) => {
      const body = callback.body as {
        event: string;
        sender?: { id: string };
        message?: { text?: string };
      };
      if (body.event === 'message' && body.sender && typeof body.message?.text === 'string') {
        for (const reply of replies(body.message.text)) {
          await client.sendMessage(body.sender.id, {
            type: 'text',
            text: reply,
            tracking_data: `after:${body.message.text}`,
          });
        }
      }
      return { status: 200 };
    };
  }

  beforeEach(async () => {
    webhook = await TestWebhook.start();
  });

  afterEach(async () => {
    await emulator?.close();
    await webhook.close();
  });

  describe('set_webhook', () => {
    it('posts a signed webhook callback and registers the URL when it is answered 200', async () => {
      await startEmulator({ webhook: undefined });
      const body: Record<string, unknown> = {
        ...fixture('requests/set_webhook.json'),
        url: webhook.url,
      };
      const answer = await callApi(emulator.url, 'set_webhook', body, TOKEN);
      expect(answer.body).toMatchObject({
        status: 0,
        status_message: 'ok',
        event_types: body.event_types,
      });
      expect(webhook.received).toHaveLength(1);
      const [check] = webhook.received;
      expect(check!.body).toMatchObject({ event: 'webhook', chat_hostname: emulator.chatHostname });
      expect(rawToken(check!)).toMatch(/^\d{19}$/);
      expect(check!.body.message_token).toBe(rawToken(check!));
      expectSigned(check!);
      expect(emulator.webhook).toEqual({
        url: webhook.url,
        eventTypes: body.event_types,
        sendName: true,
        sendPhoto: true,
      });
    });

    it('answers status 1 and keeps no webhook when the check is not answered 200', async () => {
      await startEmulator({ webhook: undefined });
      webhook.handler = () => ({ status: 500 });
      const answer = await callApi(emulator.url, 'set_webhook', { url: webhook.url }, TOKEN);
      expect(answer.body.status).toBe(1);
      expect(String(answer.body.status_message)).toContain('HTTP 500');
      expect(emulator.webhook).toBeUndefined();
      await emulator.settled();
      expect(webhook.received).toHaveLength(1); // the check is never re-sent
    });

    it('registers every optional event when event_types is omitted, and sends placeholders without send_name', async () => {
      await startEmulator({ webhook: undefined });
      const answer = await callApi(emulator.url, 'set_webhook', { url: webhook.url }, TOKEN);
      expect(answer.body.event_types).toEqual([
        'delivered',
        'seen',
        'failed',
        'subscribed',
        'unsubscribed',
        'conversation_started',
      ]);
      const carol = emulator.user({
        id: 'carol',
        name: 'Carol',
        avatar: 'https://a.example/c.jpg',
      });
      await carol.send('hi');
      const message = webhook.events('message')[0]!;
      expect(message.body.sender).toEqual({
        id: 'carol',
        name: 'Subscriber',
        language: 'en',
        country: 'UA',
        api_version: 10,
      });
    });
  });

  describe('conversation_started', () => {
    it('resolves to the welcome message of the HTTP answer, without subscribing the user', async () => {
      await startEmulator();
      webhook.handler = (callback) =>
        callback.body.event === 'conversation_started'
          ? { status: 200, body: fixtureText('requests/welcome_message.http_response_body.json') }
          : undefined;
      const alice = emulator.user({ id: 'alice', name: 'Alice' });
      const welcome = await alice.openConversation({ context: 'from-ad' });
      expect(welcome).toMatchObject({
        source: 'welcome',
        type: 'text',
        text: 'Hello World',
        receiver: 'alice',
      });
      expect(welcome!.token).toMatch(/^\d{19}$/);
      expect(alice.messages.map((entry) => entry.from)).toEqual(['bot']);
      const [started] = webhook.events('conversation_started');
      expectSigned(started!);
      expect(started!.body).toMatchObject({
        event: 'conversation_started',
        type: 'open',
        context: 'from-ad',
        subscribed: false,
        user: { id: 'alice', name: 'Alice', api_version: 10 },
      });
      expect(alice.subscribed).toBe(false);
      const refused = await callApi(
        emulator.url,
        'send_message',
        { receiver: 'alice', sender: SENDER, type: 'text', text: 'x' },
        TOKEN,
      );
      expect(refused.body.status).toBe(6);
    });

    it('leaves context out when there is none, and resolves null without a welcome message', async () => {
      await startEmulator();
      const welcome = await emulator.user('dave').openConversation();
      expect(welcome).toBeNull();
      expect(webhook.events('conversation_started')[0]!.body).not.toHaveProperty('context');
    });

    it('rejects a welcome message that breaks the spec, naming the status', async () => {
      await startEmulator();
      webhook.handler = () => ({
        status: 200,
        body: JSON.stringify({ type: 'text', text: 'a'.repeat(7001) }),
      });
      const error = await emulator
        .user('erin')
        .openConversation()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ViberEmulatorError);
      expect((error as ViberEmulatorError).status).toBe(3);
    });

    it('posts nothing when the webhook did not register conversation_started', async () => {
      await startEmulator({ webhook: undefined });
      const answer = await callApi(
        emulator.url,
        'set_webhook',
        { url: webhook.url, event_types: [] },
        TOKEN,
      );
      expect(answer.body).toMatchObject({ status: 0, event_types: [] });
      expect(await emulator.user('frank').openConversation()).toBeNull();
      expect(webhook.received.map((callback) => callback.body.event)).toEqual(['webhook']);
    });
  });

  describe('messages and replies', () => {
    it('posts a signed message callback and resolves to the bot replies; the first message subscribes without a subscribed callback', async () => {
      await startEmulator();
      echoBot((text) => [`You said ${text}`, 'Anything else?']);
      const alice = emulator.user('alice');
      expect(alice.subscribed).toBe(false);
      const replies = await alice.send('hi');
      expect(replies.map((reply) => reply.text)).toEqual(['You said hi', 'Anything else?']);
      expect(alice.subscribed).toBe(true);
      expect(webhook.events('subscribed')).toHaveLength(0);
      const [message] = webhook.events('message');
      expectSigned(message!);
      expect(message!.body).toMatchObject({
        event: 'message',
        sender: { id: 'alice', name: 'alice' },
        message: { type: 'text', text: 'hi' },
        silent: false,
      });
      expect(rawToken(message!)).toMatch(/^\d{19}$/);
      expect(alice.messages.map((entry) => entry.from)).toEqual(['user', 'bot', 'bot']);
    });

    it('sends delivered then seen for each bot message, with its exact token', async () => {
      await startEmulator();
      echoBot((text) => [`echo ${text}`]);
      const replies = await emulator.user('alice').send('ping');
      await emulator.settled();
      const receipts = webhook.received.filter((callback) =>
        ['delivered', 'seen'].includes(callback.body.event as string),
      );
      expect(receipts.map((callback) => callback.body.event)).toEqual(['delivered', 'seen']);
      for (const receipt of receipts) {
        expectSigned(receipt);
        expect(rawToken(receipt)).toBe(replies[0]!.token);
        expect(receipt.body).toMatchObject({ user_id: 'alice', message_token: replies[0]!.token });
      }
    });

    it('carries the tracking data of the bot last message in the next user message', async () => {
      await startEmulator({ deliveryReceipts: false });
      echoBot((text) => [`echo ${text}`]);
      const alice = emulator.user('alice');
      await alice.send('one');
      await alice.send('two');
      const messages = webhook.events('message');
      expect(messages[0]!.body.message).not.toHaveProperty('tracking_data');
      expect(messages[1]!.body.message).toMatchObject({ text: 'two', tracking_data: 'after:one' });
    });

    it('taps a keyboard button: the ActionBody as text, silent as the button says', async () => {
      await startEmulator({ deliveryReceipts: false, users: [{ id: 'alice', subscribed: true }] });
      const keyboard = {
        Type: 'keyboard',
        Buttons: [{ ActionType: 'reply', ActionBody: 'buy:42', Text: '<b>Buy</b>', Silent: true }],
      };
      await callApi(
        emulator.url,
        'send_message',
        { receiver: 'alice', sender: SENDER, type: 'text', text: 'Menu', keyboard },
        TOKEN,
      );
      const alice = emulator.user('alice');
      expect(alice.keyboard).toEqual(keyboard);
      await alice.tap('Buy');
      expect(webhook.events('message')[0]!.body).toMatchObject({
        message: { type: 'text', text: 'buy:42' },
        silent: true,
      });
    });

    it('taps share-phone and location-picker buttons: a contact and a location, as Viber does', async () => {
      await startEmulator({
        deliveryReceipts: false,
        users: [{ id: 'alice', name: 'Alice', subscribed: true, phoneNumber: '+380671112233' }],
      });
      const keyboard = {
        Type: 'keyboard',
        Buttons: [
          { ActionType: 'share-phone', ActionBody: 'phone', Text: 'Share phone' },
          { ActionType: 'location-picker', ActionBody: 'where', Text: 'Send location' },
        ],
      };
      await callApi(
        emulator.url,
        'send_message',
        {
          receiver: 'alice',
          sender: SENDER,
          type: 'text',
          text: 'Contact?',
          keyboard,
          min_api_version: 3,
        },
        TOKEN,
      );
      const alice = emulator.user('alice');
      await alice.tap('Share phone');
      await alice.tap('where');
      expect(webhook.events('message').map((callback) => callback.body.message)).toEqual([
        { type: 'contact', contact: { name: 'Alice', phone_number: '+380671112233' } },
        { type: 'location', location: { lat: 50.4501, lon: 30.5234 } },
      ]);
    });

    it('keeps tracking data per user as a Viber client: the last bot message decides, subscribing drops it', async () => {
      await startEmulator({ deliveryReceipts: false });
      const sendTo = (receiver: string, text: string, tracking?: string): Promise<unknown> =>
        callApi(
          emulator.url,
          'send_message',
          {
            receiver,
            sender: SENDER,
            type: 'text',
            text,
            ...(tracking === undefined ? {} : { tracking_data: tracking }),
          },
          TOKEN,
        );
      webhook.handler = (callback) =>
        callback.body.event === 'conversation_started'
          ? {
              status: 200,
              body: JSON.stringify({
                type: 'text',
                text: 'Hi',
                sender: SENDER,
                tracking_data: 'welcome',
              }),
            }
          : { status: 200 };
      const alice = emulator.user('alice');
      const bob = emulator.user('bob');
      await alice.openConversation();
      expect(alice.pendingTrackingData).toBe('welcome');
      await alice.send('one'); // the welcome message's tracking data comes back
      await sendTo('alice', 'a1', 'alice-1');
      await bob.send('b0'); // another user's data is their own
      await sendTo('bob', 'b1', 'bob-1');
      await alice.send('two');
      await alice.send('three'); // no bot message in between: the same data again
      await sendTo('alice', 'a2'); // a message without tracking data clears it
      await alice.send('four');
      await sendTo('alice', 'a3', 'alice-3');
      await alice.subscribe(); // "any previous tracking_data is discarded" (docs/protocol/callbacks.md, "subscribed")
      await alice.send('five');
      await bob.send('b2');
      const sent = webhook.events('message').map((callback) => {
        const body = callback.body as { sender: { id: string }; message: Record<string, unknown> };
        return [body.sender.id, body.message.text, body.message.tracking_data];
      });
      expect(sent).toEqual([
        ['alice', 'one', 'welcome'],
        ['bob', 'b0', undefined],
        ['alice', 'two', 'alice-1'],
        ['alice', 'three', 'alice-1'],
        ['alice', 'four', undefined],
        ['alice', 'five', undefined],
        ['bob', 'b2', 'bob-1'],
      ]);
    });

    it('sends pictures, locations and contacts', async () => {
      await startEmulator({ deliveryReceipts: false });
      const alice = emulator.user('alice');
      await alice.sendPicture('https://img.example/p.jpg', 'look');
      await alice.sendLocation(50.45, 30.52);
      await alice.sendContact('Bob', '+380501234567');
      expect(webhook.events('message').map((callback) => callback.body.message)).toEqual([
        { type: 'picture', media: 'https://img.example/p.jpg', text: 'look' },
        { type: 'location', location: { lat: 50.45, lon: 30.52 } },
        { type: 'contact', contact: { name: 'Bob', phone_number: '+380501234567' } },
      ]);
    });

    it('waits for a given number of replies, and for messages the bot sends on its own', async () => {
      await startEmulator({ deliveryReceipts: false, users: [{ id: 'alice', subscribed: true }] });
      const alice = emulator.user('alice');
      const waiting = alice.waitForMessages(2);
      for (const word of ['a', 'b']) {
        await callApi(
          emulator.url,
          'send_message',
          { receiver: 'alice', sender: SENDER, type: 'text', text: word },
          TOKEN,
        );
      }
      expect((await waiting).map((message) => message.text)).toEqual(['a', 'b']);
      await expect(alice.send('x', { count: 1, timeoutMs: 50 })).rejects.toThrow(
        /Expected 1 bot messages/,
      );
    });

    it('rejects a user action when the webhook does not answer 200', async () => {
      await startEmulator();
      webhook.handler = () => ({ status: 503 });
      await expect(emulator.user('alice').send('hi')).rejects.toThrow(/HTTP 503/);
    });
  });

  describe('subscription', () => {
    it('subscribe() posts subscribed; unsubscribe() posts unsubscribed and later sends answer 6', async () => {
      await startEmulator({ deliveryReceipts: false });
      const alice = emulator.user({
        id: 'alice',
        name: 'Alice',
        avatar: 'https://a.example/a.jpg',
      });
      await alice.subscribe();
      expect(alice.subscribed).toBe(true);
      const [subscribed] = webhook.events('subscribed');
      expectSigned(subscribed!);
      expect(subscribed!.body).toMatchObject({
        event: 'subscribed',
        user: { id: 'alice', name: 'Alice', avatar: 'https://a.example/a.jpg' },
      });
      const ok = await callApi(
        emulator.url,
        'send_message',
        { receiver: 'alice', sender: SENDER, type: 'text', text: 'hi' },
        TOKEN,
      );
      expect(ok.body.status).toBe(0);

      await alice.unsubscribe();
      const [unsubscribed] = webhook.events('unsubscribed');
      expectSigned(unsubscribed!);
      expect(unsubscribed!.body).toMatchObject({ event: 'unsubscribed', user_id: 'alice' });
      expect(rawToken(unsubscribed!)).toMatch(/^\d{19}$/);
      const refused = await callApi(
        emulator.url,
        'send_message',
        { receiver: 'alice', sender: SENDER, type: 'text', text: 'hi' },
        TOKEN,
      );
      expect(refused.body.status).toBe(6);
      const broadcast = await callApi(
        emulator.url,
        'broadcast_message',
        { broadcast_list: ['alice'], sender: SENDER, type: 'text', text: 'hi' },
        TOKEN,
      );
      expect(broadcast.body.failed_list).toEqual([
        { receiver: 'alice', status: 6, status_message: 'Not subscribed' },
      ]);
    });
  });

  describe('failed', () => {
    it('posts failed instead of delivered/seen while the user client refuses messages', async () => {
      await startEmulator({ users: [{ id: 'alice', subscribed: true }] });
      emulator.user('alice').simulateClientFailure('keyboard could not be rendered');
      const sent = await callApi(
        emulator.url,
        'send_message',
        { receiver: 'alice', sender: SENDER, type: 'text', text: 'hi' },
        TOKEN,
      );
      await emulator.settled();
      expect(webhook.received.map((callback) => callback.body.event)).toEqual(['failed']);
      const [failed] = webhook.received;
      expectSigned(failed!);
      expect(failed!.body).toMatchObject({
        user_id: 'alice',
        desc: 'keyboard could not be rendered',
        message_token: sent.body.message_token,
      });
    });

    it('posts failed for a message whose receiver unsubscribed before it was delivered', async () => {
      await startEmulator({ receiptDelayMs: 1000, users: [{ id: 'alice', subscribed: true }] });
      const sent = await callApi(
        emulator.url,
        'send_message',
        { receiver: 'alice', sender: SENDER, type: 'text', text: 'hi' },
        TOKEN,
      );
      expect(sent.body.status).toBe(0);
      await emulator.user('alice').unsubscribe();
      await emulator.settled();
      expect(webhook.received.map((callback) => callback.body.event)).toEqual([
        'unsubscribed',
        'failed',
      ]);
      expect(webhook.received[1]!.body).toMatchObject({
        desc: 'receiver unsubscribed',
        message_token: sent.body.message_token,
      });
    });

    it('honours event_types: no receipts when delivered, seen and failed were not registered', async () => {
      await startEmulator({ webhook: { url: webhook.url, eventTypes: ['conversation_started'] } });
      const alice = emulator.user({ id: 'alice', subscribed: true });
      alice.simulateClientFailure();
      await callApi(
        emulator.url,
        'send_message',
        { receiver: 'alice', sender: SENDER, type: 'text', text: 'a' },
        TOKEN,
      );
      alice.simulateClientFailure(null);
      await callApi(
        emulator.url,
        'send_message',
        { receiver: 'alice', sender: SENDER, type: 'text', text: 'b' },
        TOKEN,
      );
      await emulator.settled();
      expect(webhook.received).toHaveLength(0);
      expect(alice.botMessages.map((message) => message.text)).toEqual(['a', 'b']);
    });
  });

  describe('re-sends', () => {
    it('re-sends a callback answered non-200 on the schedule, with the identical signed body', async () => {
      await startEmulator({ retrySchedule: [20, 20, 20], deliveryReceipts: false });
      let calls = 0;
      webhook.handler = () => ({ status: ++calls < 3 ? 500 : 200 });
      await emulator.user('alice').send('hi', { expectOk: false });
      await emulator.settled();
      expect(webhook.received).toHaveLength(3);
      const bodies = new Set(webhook.received.map((callback) => callback.rawBody));
      expect(bodies.size).toBe(1);
      for (const callback of webhook.received) expectSigned(callback);
      const delivery = emulator.deliveries.at(-1)!;
      expect(delivery.state).toBe('delivered');
      expect(delivery.attempts.map((attempt) => attempt.httpStatus)).toEqual([500, 500, 200]);
    });

    it('gives up when the schedule is used up, and counts a timeout as a failure', async () => {
      await startEmulator({
        retrySchedule: [10, 10],
        callbackTimeoutMs: 300,
        deliveryReceipts: false,
      });
      let calls = 0;
      webhook.handler = async () => {
        calls++;
        if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 1200));
        return { status: 404 };
      };
      await emulator.user('alice').send('hi', { expectOk: false });
      await emulator.settled();
      const delivery = emulator.deliveries.at(-1)!;
      expect(delivery.state).toBe('abandoned');
      expect(delivery.attempts).toHaveLength(3);
      expect(delivery.attempts[0]!.httpStatus).toBeUndefined();
      expect(delivery.attempts[0]!.error).toMatch(/no answer within 300 ms/);
      expect(delivery.attempts.slice(1).map((attempt) => attempt.httpStatus)).toEqual([404, 404]);
    });

    it('stops every scheduled re-send on close()', async () => {
      await startEmulator({ retrySchedule: [60_000], deliveryReceipts: false });
      webhook.handler = () => ({ status: 500 });
      await emulator.user('alice').send('hi', { expectOk: false });
      expect(emulator.deliveries.at(-1)!.state).toBe('retrying');
      await emulator.close();
      await emulator.settled();
      expect(webhook.received).toHaveLength(1);
    });
  });

  describe('isolation and shutdown', () => {
    it('keeps two emulators apart: tokens, users, signatures', async () => {
      await startEmulator({ deliveryReceipts: false });
      const other = await ViberEmulator.start({ webhook: webhook.url, deliveryReceipts: false });
      try {
        expect(other.token).not.toBe(TOKEN);
        expect(other.token).toMatch(/^[a-z0-9]{16}-[a-z0-9]{16}-[a-z0-9]{16}$/);
        await emulator.user('alice').send('one');
        await other.user('alice').send('two');
        expect(emulator.user('alice').messages).toHaveLength(1);
        expect(other.user('alice').messages).toHaveLength(1);
        const [first, second] = webhook.events('message');
        expectSigned(first!, TOKEN);
        expectSigned(second!, other.token);
        expect((await callApi(other.url, 'get_account_info', {}, TOKEN)).body.status).toBe(2);
      } finally {
        await other.close();
      }
    });

    it('rejects pending waits when closed', async () => {
      await startEmulator();
      const waiting = emulator.user('alice').waitForMessages(1, 60_000);
      await emulator.close();
      await expect(waiting).rejects.toThrow(/closed/);
    });
  });
});
