/**
 * A bot written with the official `viber-bot` 1.0.18 SDK chats on the emulator, unchanged but
 * for its API URL (`bot._client._url`, see pointViberBotAt). Each step is asserted from the
 * emulator's side: the user's transcript, the request log, the callbacks it posted.
 *
 * Run with `npm run test:interop` (installs test/interop first).
 */
import { ViberEmulator, type SimulatedUser } from 'nestjs-viber/testing';
import { callApi } from '../support/test-webhook.helper';
import { transcriptLines } from './support/transcript';
import {
  CAROUSEL,
  SIZE_KEYBOARD,
  startViberBot,
  type RunningViberBot,
} from './support/viber-bot.bot';

const TOKEN = '4453b6ac1b390a5c-a2b3c4d5e6f7a8b9-0f1e2d3c4b5a6978';
const SHOP_SENDER = { name: 'SDK Shop', avatar: 'https://example.com/shop.jpg' };

describe('a viber-bot 1.0.18 bot on the emulator', () => {
  let emulator: ViberEmulator;
  let running: RunningViberBot;
  let alice: SimulatedUser;

  beforeAll(async () => {
    emulator = await ViberEmulator.start({
      token: TOKEN,
      retrySchedule: [],
      replies: { timeoutMs: 3000 },
    });
    running = await startViberBot(TOKEN, emulator.url);
    alice = emulator.user({ id: 'alice==', name: 'Alice', country: 'UA' });
  });

  afterAll(async () => {
    await emulator?.close();
    await running?.close();
  });

  /** The request the bot's last send_message was, as the emulator logged it. */
  const lastSend = () => emulator.requests.filter((r) => r.endpoint === 'send_message').at(-1)!;

  it('sets its webhook: the emulator checks it with a signed `webhook` callback', async () => {
    const answer = await running.bot.setWebhook(running.webhookUrl);
    expect(answer.status).toBe(0);
    expect(emulator.webhook).toMatchObject({
      url: running.webhookUrl,
      eventTypes: [
        'subscribed',
        'unsubscribed',
        'conversation_started',
        'message',
        'delivered',
        'seen',
      ],
    });
    expect(emulator.requests.at(-1)).toMatchObject({ endpoint: 'set_webhook', status: 0 });
    // The SDK checks the `?sig=` query parameter (it never reads the header).
    expect(emulator.deliveries.at(-1)).toMatchObject({ event: 'webhook', state: 'delivered' });
  });

  it('answers conversation_started with its welcome message', async () => {
    const welcome = await alice.openConversation({ context: 'ad-42' });
    // viber-bot's setWebhook never asks for names (send_name defaults to false:
    // docs/protocol/viber-bot-sdk.md, "Webhook registration"), so callbacks carry Viber's
    // placeholder name.
    expect(welcome).toMatchObject({
      source: 'welcome',
      type: 'text',
      text: 'Welcome, Subscriber! (ad-42)',
    });
    expect(alice.messages.at(-1)).toMatchObject({ from: 'bot', record: { source: 'welcome' } });
  });

  it('thanks a new subscriber', async () => {
    const start = alice.botMessages.length;
    await alice.subscribe();
    const [thanks] = await alice.waitForMessages(1, 3000, { after: start });
    expect(thanks).toMatchObject({ source: 'send_message', text: 'Thanks for subscribing!' });
  });

  it('sends a plain text: the SDK\'s `"keyboard": null` is accepted as no keyboard', async () => {
    const [reply] = await alice.send('hi', { count: 1 });
    expect(reply).toMatchObject({ type: 'text', text: 'Hello, Subscriber!', keyboard: undefined });
    const request = lastSend();
    expect(request.status).toBe(0);
    expect(request.rawBody).toContain('"keyboard":null');
    expect(request.body).toMatchObject({
      keyboard: null,
      tracking_data: '""',
      receiver: 'alice==',
    });
    // The device gets the message without it.
    expect(reply!.message).toEqual({
      sender: SHOP_SENDER,
      tracking_data: '""',
      type: 'text',
      text: 'Hello, Subscriber!',
    });
  });

  it('exchanges pictures', async () => {
    const [picture] = await alice.send('picture', { count: 1 });
    expect(picture!.message).toMatchObject({
      type: 'picture',
      media: 'https://example.com/shirt.jpg',
      text: 'Our shirt',
    });
    const [answer] = await alice.sendPicture('https://example.com/me.png', 'me', { count: 1 });
    expect(answer!.text).toBe('Nice picture: https://example.com/me.png');
  });

  it('exchanges locations', async () => {
    const [location] = await alice.send('location', { count: 1 });
    expect(location!.message).toMatchObject({
      type: 'location',
      location: { lat: 50.4501, lon: 30.5234 },
    });
    const [answer] = await alice.sendLocation(48.8584, 2.2945, { count: 1 });
    expect(answer!.text).toBe('You are at 48.8584, 2.2945');
  });

  it('sends a contact', async () => {
    const [contact] = await alice.send('contact', { count: 1 });
    expect(contact!.message).toMatchObject({
      type: 'contact',
      contact: { name: 'Shop support', phone_number: '+380441234567' },
    });
  });

  it('sends a keyboard with a share-phone button (min_api_version 3); taps reach its handlers', async () => {
    const [menu] = await alice.send('menu', { count: 1 });
    expect(menu!.message).toMatchObject({ text: 'Pick a size', min_api_version: 3 });
    expect(alice.keyboard).toEqual(SIZE_KEYBOARD);

    const [picked] = await alice.tap('size:M', { count: 1 });
    expect(picked!.text).toBe('Size M it is.');

    // The share-phone button, tapped on the chat page: the user's contact goes to the bot.
    const start = alice.botMessages.length;
    const tap = await callApi(
      `${emulator.origin}/_emulator`,
      'users/alice==/tap',
      { token: menu!.token, from: 'keyboard', index: 3 },
      null,
    );
    expect(tap.body).toEqual({ ok: true, action: 'share-phone' });
    const [call] = await alice.waitForMessages(1, 3000, { after: start });
    expect(call!.text).toBe('We will call +380501234567');
  });

  it('sends rich media (the SDK sets min_api_version 2); its buttons are tappable', async () => {
    const [carousel] = await alice.send('carousel', { count: 1 });
    expect(carousel!.message).toMatchObject({
      type: 'rich_media',
      rich_media: CAROUSEL,
      alt_text: 'Our sizes',
      min_api_version: 2,
    });
    const [picked] = await alice.tap('size:L', { count: 1 });
    expect(picked!.text).toBe('Size L it is.');
  });

  it('reads the user details and the online status', async () => {
    const [details] = await alice.send('details', { count: 1 });
    expect(details!.text).toBe('From UA, API 10');
    expect(emulator.requests.some((r) => r.endpoint === 'get_user_details' && r.status === 0)).toBe(
      true,
    );
    alice.setOnlineStatus(0);
    const [online] = await alice.send('online', { count: 1 });
    expect(online!.text).toBe('You are online');
  });

  it('leaves a transcript of the whole conversation, with nothing refused or flagged', async () => {
    await emulator.settled();
    expect(transcriptLines(alice.messages)).toEqual([
      'bot welcome text: Welcome, Subscriber! (ad-42)',
      'bot send_message text: Thanks for subscribing!',
      'user text: hi',
      'bot send_message text: Hello, Subscriber!',
      'user text: picture',
      'bot send_message picture: https://example.com/shirt.jpg "Our shirt"',
      'user picture: https://example.com/me.png "me"',
      'bot send_message text: Nice picture: https://example.com/me.png',
      'user text: location',
      'bot send_message location: 50.4501, 30.5234',
      'user location: 48.8584, 2.2945',
      'bot send_message text: You are at 48.8584, 2.2945',
      'user text: contact',
      'bot send_message contact: Shop support +380441234567',
      'user text: menu',
      'bot send_message text: Pick a size + keyboard of 4 (min_api_version 3)',
      'user text: size:M',
      'bot send_message text: Size M it is.',
      'user contact: Alice +380501234567',
      'bot send_message text: We will call +380501234567',
      'user text: carousel',
      'bot send_message rich_media: 4 buttons (min_api_version 2)',
      'user text: size:L',
      'bot send_message text: Size L it is.',
      'user text: details',
      'bot send_message text: From UA, API 10',
      'user text: online',
      'bot send_message text: You are online',
    ]);
    expect(emulator.requests.filter((r) => r.status !== 0)).toEqual([]);
    expect(emulator.warnings).toEqual([]);
    // Every callback (messages, delivered, seen, subscribed) was answered 200.
    expect(emulator.deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);
    expect(running.errors).toEqual([]);
  });

  it('is refused what Viber refuses: a keyboard without Type, a share-phone button below API 3', async () => {
    const { Message } = running.sdk;
    const buttons = [{ ActionType: 'reply', ActionBody: 'a', Text: 'A' }];
    const noType = await running.bot
      .sendMessage({ id: 'alice==' }, new Message.Keyboard({ Buttons: buttons }))
      .catch((error: unknown) => error);
    expect(noType).toMatchObject({
      status: 4,
      status_message: 'missingData: keyboard.Type is required (must be "keyboard")',
    });
    const phone = {
      Type: 'keyboard',
      Buttons: [{ ActionType: 'share-phone', ActionBody: 'p', Text: 'P' }],
    };
    const lowLevel = await running.bot
      .sendMessage({ id: 'alice==' }, new Message.Text('Your number?', phone))
      .catch((error: unknown) => error);
    expect(lowLevel).toMatchObject({
      status: 14,
      status_message:
        'incompatibleWithVersion: keyboard.Buttons[0].ActionType "share-phone" needs min_api_version 3 (declared 1)',
    });
    expect(alice.messages.at(-1)).toMatchObject({
      from: 'bot',
      message: { text: 'You are online' },
    });
  });
});
