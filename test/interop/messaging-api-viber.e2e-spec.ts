/**
 * A bot written with `messaging-api-viber` 1.1.0 chats on the emulator, unchanged: the SDK's own
 * `origin` option points its client at `emulator.origin`. Each step is asserted from the
 * emulator's side: the users' transcripts, the request log, the warnings.
 *
 * Run with `npm run test:interop` (installs test/interop first).
 */
import { ViberEmulator, type SimulatedUser } from 'nestjs-viber/testing';
import {
  MAV_CAROUSEL,
  MAV_SIZE_KEYBOARD,
  startMavBot,
  type RunningMavBot,
} from './support/messaging-api-viber.bot';
import { transcriptLines } from './support/transcript';

const TOKEN = '4453b6ac1b390a5c-a2b3c4d5e6f7a8b9-0f1e2d3c4b5a6979';

describe('a messaging-api-viber 1.1.0 bot on the emulator', () => {
  let emulator: ViberEmulator;
  let running: RunningMavBot;
  let alice: SimulatedUser;

  beforeAll(async () => {
    emulator = await ViberEmulator.start({
      token: TOKEN,
      retrySchedule: [],
      replies: { timeoutMs: 3000 },
      users: [
        { id: 'bob==', name: 'Bob', subscribed: true },
        { id: 'carol==', name: 'Carol' },
      ],
    });
    running = await startMavBot(TOKEN, emulator.origin);
    alice = emulator.user({ id: 'alice==', name: 'Alice', country: 'PL' });
  });

  afterAll(async () => {
    await emulator?.close();
    await running?.close();
  });

  it('sets its webhook (eventTypes and sendName snake_cased by the SDK)', async () => {
    const answer = await running.client.setWebhook(running.webhookUrl, {
      eventTypes: [
        'delivered',
        'seen',
        'failed',
        'subscribed',
        'unsubscribed',
        'conversation_started',
      ],
      sendName: true,
    });
    expect(answer).toMatchObject({ status: 0 });
    expect(emulator.requests.at(-1)!.body).toEqual({
      url: running.webhookUrl,
      event_types: [
        'delivered',
        'seen',
        'failed',
        'subscribed',
        'unsubscribed',
        'conversation_started',
      ],
      send_name: true,
    });
    expect(emulator.webhook).toMatchObject({ url: running.webhookUrl, sendName: true });
    expect(emulator.deliveries.at(-1)).toMatchObject({ event: 'webhook', state: 'delivered' });
  });

  it('answers conversation_started with a welcome message in the HTTP answer', async () => {
    const welcome = await alice.openConversation();
    expect(welcome).toMatchObject({
      source: 'welcome',
      text: 'Welcome, Alice!',
      trackingData: 'welcomed',
    });
  });

  it('sends text', async () => {
    const [reply] = await alice.send('hi', { count: 1 });
    expect(reply!.message).toEqual({
      sender: { name: 'MAV Shop' },
      type: 'text',
      text: 'Hello, Alice!',
    });
    // The user's message carried the welcome's tracking data back.
    expect(alice.messages.at(-2)).toMatchObject({
      from: 'user',
      message: { text: 'hi', tracking_data: 'welcomed' },
    });
  });

  it('exchanges pictures', async () => {
    const [picture] = await alice.send('picture', { count: 1 });
    expect(picture!.message).toMatchObject({
      type: 'picture',
      text: 'Our shirt',
      media: 'https://example.com/shirt.jpg',
    });
    const [answer] = await alice.sendPicture('https://example.com/me.png', 'me', { count: 1 });
    expect(answer!.text).toBe('Nice picture: https://example.com/me.png');
  });

  it('exchanges locations', async () => {
    const [location] = await alice.send('location', { count: 1 });
    expect(location!.message).toMatchObject({ location: { lat: 50.4501, lon: 30.5234 } });
    const [answer] = await alice.sendLocation(52.2297, 21.0122, { count: 1 });
    expect(answer!.text).toBe('You are at 52.2297, 21.0122');
  });

  it('exchanges contacts (phoneNumber snake_cased by the SDK)', async () => {
    const [contact] = await alice.send('contact', { count: 1 });
    expect(contact!.message).toMatchObject({
      type: 'contact',
      contact: { name: 'Shop support', phone_number: '+380441234567' },
    });
    const [answer] = await alice.sendContact('Alice', '+48221234567', { count: 1 });
    expect(answer!.text).toBe('We will call +48221234567');
  });

  it('sends a keyboard; the emulator flags the OpenUrlType the SDK writes for openURLType', async () => {
    const [menu] = await alice.send('menu', { count: 1 });
    expect(menu!.message).toMatchObject({ text: 'Pick a size', min_api_version: 3 });
    expect(alice.keyboard?.Type).toBe('keyboard');
    expect(alice.keyboard?.Buttons.map((button) => button.ActionType)).toEqual([
      'reply',
      'reply',
      'share-phone',
      'open-url',
    ]);
    // pascal-case turns the typed `openURLType` into `OpenUrlType`: Viber would ignore it
    // silently (the button opens the internal browser); the emulator accepts it and says so.
    const warning = 'is not a field Viber knows: Viber ignores it (did you mean OpenURLType?)';
    expect(menu!.warnings).toEqual([{ path: 'keyboard.Buttons[3].OpenUrlType', message: warning }]);
    expect(emulator.warnings).toEqual([
      {
        source: 'send_message',
        path: 'keyboard.Buttons[3].OpenUrlType',
        message: warning,
        userId: 'alice==',
        timestamp: expect.any(Number) as unknown,
      },
    ]);
    expect(MAV_SIZE_KEYBOARD.buttons[3]).toHaveProperty('openURLType', 'external');

    const [picked] = await alice.tap('size:L', { count: 1 });
    expect(picked!.text).toBe('Size L it is.');
  });

  it('sends rich media (the SDK sets min_api_version 2); its buttons are tappable', async () => {
    const [carousel] = await alice.send('carousel', { count: 1 });
    expect(carousel!.message).toMatchObject({
      type: 'rich_media',
      min_api_version: 2,
      alt_text: 'Our sizes',
      rich_media: {
        Type: 'rich_media',
        ButtonsGroupColumns: 6,
        ButtonsGroupRows: 1,
        Buttons: [{ ActionBody: 'size:S', Text: '<b>Small</b>' }, { ActionBody: 'size:L' }],
      },
    });
    expect(MAV_CAROUSEL.buttons).toHaveLength(2);
    const [picked] = await alice.tap('size:S', { count: 1 });
    expect(picked!.text).toBe('Size S it is.');
  });

  it('reads the user details and the online status', async () => {
    const [details] = await alice.send('details', { count: 1 });
    expect(details!.text).toBe('From PL, API 10');
    alice.setOnlineStatus(1);
    const [online] = await alice.send('online', { count: 1 });
    expect(online!.text).toBe('You are offline');
  });

  it('broadcasts: subscribers get it with their names, the others are in failedList', async () => {
    const aliceBefore = alice.botMessages.length;
    const answer = await running.client.broadcastText(
      ['alice==', 'bob==', 'carol==', 'nobody=='],
      'Sale today, replace_me_with_user_name!',
    );
    expect(answer.failedList).toEqual([
      { receiver: 'carol==', status: 6, statusMessage: 'Not subscribed' },
      { receiver: 'nobody==', status: 5, statusMessage: 'Not found' },
    ]);
    const bob = emulator.user('bob==');
    await bob.waitForMessages(1);
    expect(bob.botMessages).toEqual([
      expect.objectContaining({ source: 'broadcast_message', text: 'Sale today, Bob!' }),
    ]);
    await alice.waitForMessages(1, 3000, { after: aliceBefore });
    expect(alice.botMessages.at(-1)).toMatchObject({
      source: 'broadcast_message',
      text: 'Sale today, Alice!',
    });
    expect(emulator.user('carol==').botMessages).toEqual([]);
  });

  it('leaves a transcript of the whole conversation, with nothing refused', async () => {
    await emulator.settled();
    expect(transcriptLines(alice.messages)).toEqual([
      'bot welcome text: Welcome, Alice!',
      'user text: hi',
      'bot send_message text: Hello, Alice!',
      'user text: picture',
      'bot send_message picture: https://example.com/shirt.jpg "Our shirt"',
      'user picture: https://example.com/me.png "me"',
      'bot send_message text: Nice picture: https://example.com/me.png',
      'user text: location',
      'bot send_message location: 50.4501, 30.5234',
      'user location: 52.2297, 21.0122',
      'bot send_message text: You are at 52.2297, 21.0122',
      'user text: contact',
      'bot send_message contact: Shop support +380441234567',
      'user contact: Alice +48221234567',
      'bot send_message text: We will call +48221234567',
      'user text: menu',
      'bot send_message text: Pick a size + keyboard of 4 (min_api_version 3)',
      'user text: size:L',
      'bot send_message text: Size L it is.',
      'user text: carousel',
      'bot send_message rich_media: 2 buttons (min_api_version 2)',
      'user text: size:S',
      'bot send_message text: Size S it is.',
      'user text: details',
      'bot send_message text: From PL, API 10',
      'user text: online',
      'bot send_message text: You are offline',
      'bot broadcast_message text: Sale today, Alice!',
    ]);
    expect(emulator.requests.filter((r) => r.status !== 0)).toEqual([]);
    expect(emulator.deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);
    expect(running.badSignatures).toBe(0);
    expect(running.errors).toEqual([]);
  });
});
