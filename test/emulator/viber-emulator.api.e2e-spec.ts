import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { ViberApiError, ViberClient, ViberStatus } from 'nestjs-viber';
import { ViberEmulator } from 'nestjs-viber/testing';
import { MISSING_AUTH_TOKEN_MESSAGE } from '../../libs/viber-testing/src/emulator/endpoints/api.router';
import { TestWebhook, callApi, fixture, fixtureText } from '../support/test-webhook.helper';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
const ALICE = 'jc9HsWTZ2Yf2NkRZ8KcNug==';
const SENDER = { name: 'Test Bot' };

/** Every raw 64-bit `message_token` in a JSON text. */
function rawTokens(text: string): string[] {
  return [...text.matchAll(/"message_token":(\d+)/g)].map((match) => match[1]!);
}

function text(body: Record<string, unknown> = {}): Record<string, unknown> {
  return { receiver: ALICE, sender: SENDER, type: 'text', text: 'hi', ...body };
}

function keyboard(extra: Record<string, unknown> = {}, button: Record<string, unknown> = {}) {
  return {
    Type: 'keyboard',
    Buttons: [
      { Columns: 6, Rows: 1, ActionType: 'reply', ActionBody: 'yes', Text: 'Yes', ...button },
    ],
    ...extra,
  };
}

describe('ViberEmulator API', () => {
  let webhook: TestWebhook;
  let emulator: ViberEmulator;

  beforeAll(async () => {
    webhook = await TestWebhook.start();
    emulator = await ViberEmulator.start({
      token: TOKEN,
      webhook: webhook.url,
      deliveryReceipts: false,
      users: [
        { id: ALICE, name: 'John McClane', subscribed: true },
        { id: 'K917PBuvPZmhKfb8Vw3b2Q==', subscribed: true },
        { id: 'bob', subscribed: false },
        { id: 'old', subscribed: true, api_version: 1 },
      ],
    });
  });

  afterAll(async () => {
    await emulator.close();
    await webhook.close();
  });

  describe('rejects malformed requests with the documented status', () => {
    interface Case {
      name: string;
      endpoint: string;
      body: string | Record<string, unknown>;
      token?: string | null;
      status: number;
      statusMessage?: string;
    }
    const huge = 'x'.repeat(31 * 1024);
    const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => `user${i}`);
    const cases: Case[] = [
      // Token (docs/protocol/endpoints.md, "Authentication")
      {
        name: 'no auth token at all',
        endpoint: 'send_message',
        body: text(),
        token: null,
        status: 2,
        statusMessage: MISSING_AUTH_TOKEN_MESSAGE,
      },
      {
        name: 'empty auth token header',
        endpoint: 'get_account_info',
        body: {},
        token: '',
        status: 2,
        statusMessage: MISSING_AUTH_TOKEN_MESSAGE,
      },
      {
        name: 'wrong auth token header',
        endpoint: 'send_message',
        body: text(),
        token: 'wrong-token',
        status: 2,
        statusMessage: 'invalidAuthToken',
      },
      {
        name: 'wrong legacy body auth_token',
        endpoint: 'get_account_info',
        body: { auth_token: 'nope' },
        token: null,
        status: 2,
      },
      // Body (docs/protocol/endpoints.md, "Transport"; docs/protocol/status-codes.md)
      {
        name: 'body that is not JSON',
        endpoint: 'send_message',
        body: '{"receiver": "x", ',
        status: 3,
      },
      { name: 'empty body', endpoint: 'get_online', body: '', status: 3 },
      { name: 'JSON array body', endpoint: 'send_message', body: '[1,2]', status: 3 },
      { name: 'JSON string body', endpoint: 'get_account_info', body: '"hello"', status: 3 },
      {
        name: 'body over 30 KB',
        endpoint: 'send_message',
        body: text({ tracking_data: huge }),
        status: 3,
      },
      // send_message common fields (docs/protocol/messages.md, "Common fields")
      {
        name: 'send_message without receiver',
        endpoint: 'send_message',
        body: text({ receiver: undefined }),
        status: 4,
      },
      {
        name: 'send_message with an empty receiver',
        endpoint: 'send_message',
        body: text({ receiver: '' }),
        status: 4,
      },
      {
        name: 'send_message with a numeric receiver',
        endpoint: 'send_message',
        body: text({ receiver: 42 }),
        status: 3,
      },
      {
        name: 'send_message without sender',
        endpoint: 'send_message',
        body: text({ sender: undefined }),
        status: 4,
      },
      {
        name: 'sender without name',
        endpoint: 'send_message',
        body: text({ sender: { avatar: 'http://a/b.jpg' } }),
        status: 4,
      },
      {
        name: 'sender.name over 28 characters',
        endpoint: 'send_message',
        body: text({ sender: { name: 'n'.repeat(29) } }),
        status: 3,
      },
      {
        name: 'no type and no keyboard',
        endpoint: 'send_message',
        body: text({ type: undefined, text: undefined }),
        status: 4,
      },
      { name: 'unknown type', endpoint: 'send_message', body: text({ type: 'gif' }), status: 3 },
      {
        name: 'tracking_data over 4000 characters',
        endpoint: 'send_message',
        body: text({ tracking_data: 't'.repeat(4001) }),
        status: 3,
      },
      {
        name: 'min_api_version 0',
        endpoint: 'send_message',
        body: text({ min_api_version: 0 }),
        status: 3,
      },
      {
        name: 'min_api_version not a number',
        endpoint: 'send_message',
        body: text({ min_api_version: 'two' }),
        status: 3,
      },
      // Message types (docs/protocol/messages.md, "Types")
      {
        name: 'text message without text',
        endpoint: 'send_message',
        body: text({ text: undefined }),
        status: 4,
      },
      {
        name: 'text over 7000 characters',
        endpoint: 'send_message',
        body: text({ text: 'a'.repeat(7001) }),
        status: 3,
      },
      {
        name: 'text that is a number',
        endpoint: 'send_message',
        body: text({ text: 12 }),
        status: 3,
      },
      {
        name: 'picture without media',
        endpoint: 'send_message',
        body: text({ type: 'picture', text: '' }),
        status: 4,
      },
      {
        name: 'picture caption over 768 characters',
        endpoint: 'send_message',
        body: text({ type: 'picture', media: 'http://x/p.jpg', text: 'c'.repeat(769) }),
        status: 3,
      },
      {
        name: 'video over 26 MB',
        endpoint: 'send_message',
        body: text({ type: 'video', media: 'http://x/v.mp4', size: 27 * 1024 * 1024 }),
        status: 3,
      },
      {
        name: 'video without size',
        endpoint: 'send_message',
        body: text({ type: 'video', media: 'http://x/v.mp4' }),
        status: 4,
      },
      {
        name: 'file with a forbidden extension',
        endpoint: 'send_message',
        body: text({ type: 'file', media: 'http://x/f.exe', size: 10, file_name: 'setup.exe' }),
        status: 3,
      },
      {
        name: 'file without file_name',
        endpoint: 'send_message',
        body: text({ type: 'file', media: 'http://x/f.pdf', size: 10 }),
        status: 4,
      },
      {
        name: 'contact phone over 18 characters',
        endpoint: 'send_message',
        body: text({ type: 'contact', contact: { name: 'A', phone_number: '+'.padEnd(19, '1') } }),
        status: 3,
      },
      {
        name: 'location latitude 91',
        endpoint: 'send_message',
        body: text({ type: 'location', location: { lat: 91, lon: 0 } }),
        status: 3,
      },
      {
        name: 'url over 2000 characters',
        endpoint: 'send_message',
        body: text({ type: 'url', media: `http://x/${'u'.repeat(2000)}` }),
        status: 3,
      },
      {
        name: 'sticker_id that is not a number',
        endpoint: 'send_message',
        body: text({ type: 'sticker', sticker_id: 'abc' }),
        status: 3,
      },
      {
        name: 'rich_media without rich_media',
        endpoint: 'send_message',
        body: text({ type: 'rich_media', min_api_version: 2 }),
        status: 4,
      },
      // Keyboards and API levels (docs/protocol/keyboards.md, docs/protocol/api-versions.md)
      {
        name: 'keyboard without Buttons',
        endpoint: 'send_message',
        body: text({ keyboard: { Type: 'keyboard' } }),
        status: 4,
      },
      {
        name: 'keyboard without Type (docs/protocol/keyboards.md)',
        endpoint: 'send_message',
        body: text({ keyboard: { Buttons: keyboard().Buttons } }),
        status: 4,
      },
      {
        name: 'keyboard that is not an object',
        endpoint: 'send_message',
        body: text({ keyboard: 'menu' }),
        status: 3,
      },
      {
        name: 'text sent as null (docs/protocol/null-fields.md)',
        endpoint: 'send_message',
        body: text({ text: null }),
        status: 4,
      },
      {
        name: 'share-phone button without min_api_version (docs/protocol/api-versions.md)',
        endpoint: 'send_message',
        body: text({ keyboard: keyboard({}, { ActionType: 'share-phone' }) }),
        status: 14,
      },
      {
        name: 'location-picker button with min_api_version 2',
        endpoint: 'send_message',
        body: text({
          min_api_version: 2,
          keyboard: keyboard({}, { ActionType: 'location-picker' }),
        }),
        status: 14,
      },
      {
        name: 'none button in rich media with min_api_version 2',
        endpoint: 'send_message',
        body: text({
          type: 'rich_media',
          min_api_version: 2,
          rich_media: {
            Type: 'rich_media',
            Buttons: [{ ActionType: 'none', ActionBody: 'x', Text: 'Label' }],
          },
        }),
        status: 14,
      },
      {
        name: 'keyboard button without ActionBody',
        endpoint: 'send_message',
        body: text({ keyboard: keyboard({}, { ActionBody: undefined }) }),
        status: 4,
      },
      {
        name: 'keyboard InputFieldState with min_api_version 1',
        endpoint: 'send_message',
        body: text({ min_api_version: 1, keyboard: keyboard({ InputFieldState: 'hidden' }) }),
        status: 14,
      },
      {
        name: 'button Frame (API 6) with min_api_version 3',
        endpoint: 'send_message',
        body: text({ min_api_version: 3, keyboard: keyboard({}, { Frame: { BorderWidth: 1 } }) }),
        status: 14,
      },
      {
        name: 'payment without min_api_version 10',
        endpoint: 'send_message',
        body: {
          ...fixture('requests/send_message.payment.json'),
          receiver: ALICE,
          min_api_version: 3,
        },
        status: 14,
      },
      {
        name: 'user whose api_version is below min_api_version',
        endpoint: 'send_message',
        body: text({ receiver: 'old', min_api_version: 3 }),
        status: 13,
      },
      // Receivers (docs/protocol/status-codes.md; docs/protocol/callbacks.md, "Subscription")
      {
        name: 'unknown receiver',
        endpoint: 'send_message',
        body: text({ receiver: 'nobody==' }),
        status: 5,
      },
      {
        name: 'receiver who is not subscribed',
        endpoint: 'send_message',
        body: text({ receiver: 'bob' }),
        status: 6,
      },
      // broadcast_message (docs/protocol/endpoints.md, "broadcast_message")
      {
        name: 'broadcast without broadcast_list',
        endpoint: 'broadcast_message',
        body: text({ receiver: undefined }),
        status: 4,
      },
      {
        name: 'broadcast with an empty broadcast_list',
        endpoint: 'broadcast_message',
        body: text({ receiver: undefined, broadcast_list: [] }),
        status: 4,
      },
      {
        name: 'broadcast_list that is not an array',
        endpoint: 'broadcast_message',
        body: text({ receiver: undefined, broadcast_list: ALICE }),
        status: 3,
      },
      {
        name: 'broadcast to 301 receivers',
        endpoint: 'broadcast_message',
        body: text({ receiver: undefined, broadcast_list: ids(301) }),
        status: 3,
      },
      {
        name: 'broadcast of an invalid message',
        endpoint: 'broadcast_message',
        body: text({ receiver: undefined, broadcast_list: [ALICE], text: '' }),
        status: 3,
      },
      // get_online (docs/protocol/endpoints.md, "get_online")
      { name: 'get_online without ids', endpoint: 'get_online', body: {}, status: 4 },
      {
        name: 'get_online with 101 ids',
        endpoint: 'get_online',
        body: { ids: ids(101) },
        status: 3,
      },
      {
        name: 'get_online with a numeric id',
        endpoint: 'get_online',
        body: { ids: [ALICE, 7] },
        status: 3,
      },
      // get_user_details (docs/protocol/endpoints.md, "get_user_details")
      { name: 'get_user_details without id', endpoint: 'get_user_details', body: {}, status: 4 },
      {
        name: 'get_user_details of an unknown user',
        endpoint: 'get_user_details',
        body: { id: 'nobody==' },
        status: 5,
      },
      // set_webhook (docs/protocol/endpoints.md, "set_webhook")
      {
        name: 'set_webhook without url',
        endpoint: 'set_webhook',
        body: { event_types: ['seen'] },
        status: 4,
      },
      {
        name: 'set_webhook with a numeric url',
        endpoint: 'set_webhook',
        body: { url: 12 },
        status: 3,
      },
      {
        name: 'set_webhook with a non-http url',
        endpoint: 'set_webhook',
        body: { url: 'ftp://example.com/hook' },
        status: 1,
      },
      {
        name: 'set_webhook with an unknown event type',
        endpoint: 'set_webhook',
        body: { url: 'http://127.0.0.1:1/x', event_types: ['typing'] },
        status: 3,
      },
      {
        name: 'set_webhook with a non-boolean send_name',
        endpoint: 'set_webhook',
        body: { url: 'http://127.0.0.1:1/x', send_name: 'yes' },
        status: 3,
      },
      {
        name: 'set_webhook to a URL that refuses the webhook check',
        endpoint: 'set_webhook',
        body: { url: 'http://127.0.0.1:1/unreachable' },
        status: 1,
      },
      // post (docs/protocol/endpoints.md, "post")
      {
        name: 'post without from',
        endpoint: 'post',
        body: { sender: SENDER, type: 'text', text: 'hi' },
        status: 4,
      },
      {
        name: 'post with a keyboard',
        endpoint: 'post',
        body: { from: 'x', type: 'text', text: 'hi', keyboard: keyboard() },
        status: 3,
      },
    ];

    it('has at least 25 cases', () => {
      expect(cases.length).toBeGreaterThanOrEqual(25);
    });

    it.each(cases)('$name → status $status', async (testCase) => {
      const token = testCase.token === undefined ? TOKEN : testCase.token;
      const answer = await callApi(emulator.url, testCase.endpoint, testCase.body, token);
      expect(answer.httpStatus).toBe(200);
      expect(answer.body.status).toBe(testCase.status);
      expect(answer.body.chat_hostname).toBe(emulator.chatHostname);
      if (testCase.statusMessage !== undefined) {
        expect(answer.body.status_message).toBe(testCase.statusMessage);
      } else {
        expect(String(answer.body.status_message)).toMatch(/^[a-zA-Z]+(: .+)?$/);
      }
    });

    it('keeps the webhook after refused set_webhook calls and sends nothing for refused messages', () => {
      expect(emulator.webhook?.url).toBe(webhook.url);
      expect(emulator.botMessages).toHaveLength(0);
    });
  });

  describe('accepts the documented examples', () => {
    const messages = [
      'text',
      'picture',
      'video',
      'file',
      'contact',
      'location',
      'url',
      'sticker',
      'rich_media',
      'keyboard',
      'payment',
    ];

    it.each(messages)('send_message.%s.json → status 0 with a 64-bit token', async (name) => {
      const body = fixtureText(`requests/send_message.${name}.json`);
      const answer = await callApi(emulator.url, 'send_message', body, TOKEN);
      expect(answer.body).toMatchObject({ status: 0, status_message: 'ok', billing_status: 0 });
      const [raw] = rawTokens(answer.text);
      expect(raw).toMatch(/^\d{19}$/);
      expect(BigInt(raw!)).toBeGreaterThan(2n ** 53n);
      // The raw digits survive a lossless parse, and the recorded copy is the same exact string.
      expect(answer.body.message_token).toBe(raw);
      expect(emulator.botMessages.at(-1)?.token).toBe(raw);
      expect(emulator.botMessages.at(-1)?.receiver).toBe(
        fixture(`requests/send_message.${name}.json`).receiver,
      );
    });

    it('writes message_token as a raw JSON number that JSON.parse would round', async () => {
      const answer = await callApi(emulator.url, 'send_message', text(), TOKEN);
      const [raw] = rawTokens(answer.text);
      expect(answer.text).toContain(`"message_token":${raw}`);
      const rounded = (JSON.parse(answer.text) as { message_token: number }).message_token;
      expect(String(rounded)).not.toBe(raw);
      expect(answer.body.message_token).toBe(raw);
    });

    it('gives every message a distinct token', async () => {
      const answers = await Promise.all(
        [1, 2, 3].map(() => callApi(emulator.url, 'send_message', text(), TOKEN)),
      );
      const tokens = answers.map((answer) => answer.body.message_token);
      expect(new Set(tokens).size).toBe(3);
    });

    it('accepts the legacy auth_token body field', async () => {
      const answer = await callApi(emulator.url, 'send_message', text({ auth_token: TOKEN }), null);
      expect(answer.body.status).toBe(0);
    });

    it('broadcast_message.json → failed_list for unknown and unsubscribed receivers', async () => {
      const body: Record<string, unknown> = {
        ...fixture('requests/broadcast_message.json'),
        text: 'Hi replace_me_with_user_name',
      };
      (body.broadcast_list as string[]).push('bob');
      const answer = await callApi(emulator.url, 'broadcast_message', body, TOKEN);
      expect(answer.body.status).toBe(0);
      expect(rawTokens(answer.text)[0]).toMatch(/^\d{19}$/);
      expect(answer.body.failed_list).toEqual([
        { receiver: 'fd4HsWT33Yf1BkRZ8KcBsk==', status: 5, status_message: 'Not found' },
        { receiver: 'bob', status: 6, status_message: 'Not subscribed' },
      ]);
      const last = emulator.botMessages.at(-1)!;
      expect(last).toMatchObject({
        receiver: ALICE,
        source: 'broadcast_message',
        text: 'Hi John McClane',
      });
      expect(last.token).toBe(answer.body.message_token);
    });

    it('get_account_info → the account with its webhook and subscriber count', async () => {
      const answer = await callApi(
        emulator.url,
        'get_account_info',
        fixture('requests/get_account_info.json'),
        TOKEN,
      );
      expect(answer.body).toMatchObject({
        status: 0,
        id: emulator.account.id,
        name: 'Emulator Bot',
        webhook: webhook.url,
        subscribers_count: emulator.subscribers.length,
        members: [{ id: emulator.account.adminId, role: 'admin' }],
      });
      const viaGet = await callApi(emulator.url, 'get_account_info', '', TOKEN, 'GET');
      expect(viaGet.body.status).toBe(0);
    });

    it('get_user_details → the simulated profile and a 64-bit token', async () => {
      const answer = await callApi(emulator.url, 'get_user_details', { id: ALICE }, TOKEN);
      expect(answer.body).toMatchObject({
        status: 0,
        user: { id: ALICE, name: 'John McClane', api_version: 10 },
      });
      expect(rawTokens(answer.text)[0]).toMatch(/^\d{19}$/);
    });

    it('get_online → statuses of the simulated users', async () => {
      emulator.user(ALICE).setOnlineStatus(1);
      const answer = await callApi(
        emulator.url,
        'get_online',
        { ids: [ALICE, 'bob', 'nobody=='] },
        TOKEN,
      );
      emulator.user(ALICE).setOnlineStatus(0);
      expect(answer.body.status).toBe(0);
      expect(answer.body.users).toEqual([
        {
          id: ALICE,
          online_status: 1,
          online_status_message: 'offline',
          last_online: expect.any(Number),
        },
        { id: 'bob', online_status: 4, online_status_message: 'unavailable' },
        { id: 'nobody==', online_status: 4, online_status_message: 'unavailable' },
      ]);
    });

    it('post → accepted from the admin member', async () => {
      const answer = await callApi(
        emulator.url,
        'post',
        { from: emulator.account.adminId, sender: SENDER, type: 'text', text: 'Hello channel' },
        TOKEN,
      );
      expect(answer.body.status).toBe(0);
      expect(emulator.posts.at(-1)?.token).toBe(answer.body.message_token);
    });

    it('answers unknown paths with HTTP 404 and other methods with 405', async () => {
      expect((await callApi(emulator.url, 'send_sticker', {}, TOKEN)).httpStatus).toBe(404);
      expect((await callApi(emulator.url, 'send_message', '', TOKEN, 'GET')).httpStatus).toBe(405);
    });

    it('logs every request with its exact answer', () => {
      const last = emulator.requests.at(-1)!;
      expect(last.endpoint).toBe('send_message');
      expect(last.httpStatus).toBe(405);
      expect(emulator.requests.some((request) => request.status === ViberStatus.badData)).toBe(
        true,
      );
    });
  });

  describe('null fields count as absent (docs/protocol/null-fields.md)', () => {
    it('accepts keyboard, tracking_data, chat_id, min_api_version and alt_text sent as null', async () => {
      const answer = await callApi(
        emulator.url,
        'send_message',
        text({
          sender: { name: 'Test Bot', avatar: null },
          keyboard: null,
          tracking_data: null,
          chat_id: null,
          min_api_version: null,
        }),
        TOKEN,
      );
      expect(answer.body).toMatchObject({ status: 0, status_message: 'ok' });
      const record = emulator.botMessages.at(-1)!;
      // The device gets the message without them.
      expect(record.message).toEqual({ sender: { name: 'Test Bot' }, type: 'text', text: 'hi' });
      expect(record.keyboard).toBeUndefined();
      expect(record.trackingData).toBeUndefined();
      expect(record.warnings).toEqual([]);

      const rich = await callApi(
        emulator.url,
        'send_message',
        {
          ...fixture('requests/send_message.rich_media.json'),
          min_api_version: 2,
          alt_text: null,
          keyboard: null,
        },
        TOKEN,
      );
      expect(rich.body.status).toBe(0);
    });

    it('accepts null flags of set_webhook and a null keyboard in a post', async () => {
      const hooked = await callApi(
        emulator.url,
        'set_webhook',
        { url: webhook.url, send_name: null, send_photo: null, is_inline: null, event_types: null },
        TOKEN,
      );
      expect(hooked.body.status).toBe(0);
      expect(emulator.webhook?.url).toBe(webhook.url);
      const posted = await callApi(
        emulator.url,
        'post',
        { from: emulator.account.adminId, sender: SENDER, type: 'text', text: 'x', keyboard: null },
        TOKEN,
      );
      expect(posted.body.status).toBe(0);
    });

    it('accepts share-phone, location-picker and none buttons with min_api_version 3', async () => {
      const answer = await callApi(
        emulator.url,
        'send_message',
        text({
          min_api_version: 3,
          keyboard: {
            Type: 'keyboard',
            Buttons: [
              { ActionType: 'share-phone', ActionBody: 'phone', Text: 'Phone', Columns: 2 },
              { ActionType: 'location-picker', ActionBody: 'where', Text: 'Where', Columns: 2 },
              { ActionType: 'none', ActionBody: 'label', Text: 'Label', Columns: 2 },
            ],
          },
        }),
        TOKEN,
      );
      expect(answer.body.status).toBe(0);
    });

    it('names the feature and the levels when refusing', async () => {
      const answer = await callApi(
        emulator.url,
        'send_message',
        text({ keyboard: keyboard({}, { ActionType: 'share-phone' }) }),
        TOKEN,
      );
      expect(answer.body.status_message).toBe(
        'incompatibleWithVersion: keyboard.Buttons[0].ActionType "share-phone" needs min_api_version 3 (declared 1)',
      );
      const missingType = await callApi(
        emulator.url,
        'send_message',
        text({ keyboard: { Buttons: keyboard().Buttons } }),
        TOKEN,
      );
      expect(missingType.body.status_message).toBe(
        'missingData: keyboard.Type is required (must be "keyboard")',
      );
    });
  });

  describe('flags fields Viber does not know (docs/protocol/unknown-fields.md)', () => {
    it('accepts a message with misspelled fields and reports each one', async () => {
      const seen: unknown[] = [];
      const listener = (warning: unknown): void => void seen.push(warning);
      emulator.on('warning', listener);
      const before = emulator.warnings.length;
      const answer = await callApi(
        emulator.url,
        'send_message',
        text({
          trackingData: 'camelCase',
          keyboard: keyboard(
            { Colums: 6 },
            { OpenUrlType: 'external', InternalBrowser: { Mode: 'fullscreen', Titel: 'x' } },
          ),
          min_api_version: 3,
        }),
        TOKEN,
      );
      emulator.off('warning', listener);
      expect(answer.body.status).toBe(0);
      const expected = [
        {
          path: 'trackingData',
          message: 'is not a field Viber knows: Viber ignores it (did you mean tracking_data?)',
        },
        {
          path: 'keyboard.Buttons[0].OpenUrlType',
          message: 'is not a field Viber knows: Viber ignores it (did you mean OpenURLType?)',
        },
        {
          path: 'keyboard.Buttons[0].InternalBrowser.Titel',
          message: 'is not a field Viber knows: Viber ignores it',
        },
        {
          path: 'keyboard.Colums',
          message: 'is not a field Viber knows: Viber ignores it',
        },
      ];
      expect(emulator.requests.at(-1)!.warnings).toEqual(expected);
      await emulator.waitForBotMessages(1);
      expect(emulator.botMessages.at(-1)!.warnings).toEqual(expected);
      const logged = emulator.warnings.slice(before);
      expect(logged).toEqual(
        expected.map((issue) => ({
          ...issue,
          source: 'send_message',
          userId: ALICE,
          timestamp: expect.any(Number) as unknown,
        })),
      );
      expect(seen).toEqual(logged);
    });

    it('suggests the field a refused request misspelled', async () => {
      const answer = await callApi(
        emulator.url,
        'send_message',
        { recevier: ALICE, sender: SENDER, type: 'text', text: 'hi' },
        TOKEN,
      );
      expect(answer.body.status).toBe(4);
      expect(emulator.requests.at(-1)!.warnings).toEqual([
        {
          path: 'recevier',
          message: 'is not a field Viber knows: Viber ignores it (did you mean receiver?)',
        },
      ]);
      const details = await callApi(emulator.url, 'get_user_details', { ID: ALICE }, TOKEN);
      expect(details.body.status).toBe(4);
      expect(emulator.warnings.at(-1)).toMatchObject({
        source: 'get_user_details',
        path: 'ID',
        message: 'is not a field Viber knows: Viber ignores it (did you mean id?)',
        userId: undefined,
      });
    });

    it("reports the oddities of Viber's own examples, and nothing for the others", async () => {
      const before = emulator.warnings.length;
      for (const name of ['text', 'picture', 'video', 'file', 'contact', 'location', 'url']) {
        const body = fixtureText(`requests/send_message.${name}.json`);
        expect((await callApi(emulator.url, 'send_message', body, TOKEN)).body.status).toBe(0);
      }
      for (const name of ['sticker', 'keyboard']) {
        const body = fixtureText(`requests/send_message.${name}.json`);
        expect((await callApi(emulator.url, 'send_message', body, TOKEN)).body.status).toBe(0);
      }
      expect(emulator.warnings.length).toBe(before);
      // The payment example carries a `url` no table documents
      // (docs/protocol/endpoints.md, "Payment messages").
      const payment = fixtureText('requests/send_message.payment.json');
      expect((await callApi(emulator.url, 'send_message', payment, TOKEN)).body.status).toBe(0);
      expect(emulator.warnings.slice(before)).toMatchObject([
        {
          source: 'send_message',
          path: 'url',
          message: 'is not a field Viber knows: Viber ignores it',
        },
      ]);
      const body = fixtureText('requests/send_message.rich_media.json');
      expect((await callApi(emulator.url, 'send_message', body, TOKEN)).body.status).toBe(0);
      expect(emulator.warnings.slice(before + 1).map((warning) => warning.path)).toEqual([
        'rich_media.Buttons[1].TextSize',
        'rich_media.Buttons[2].TextHAlign',
        'rich_media.Buttons[3].TextHAlign',
        'rich_media.Buttons[5].TextSize',
        'rich_media.Buttons[6].TextHAlign',
        'rich_media.Buttons[7].TextHAlign',
        'min_api_version',
      ]);
    });

    it('flags a welcome message too (source "welcome")', async () => {
      webhook.handler = (callback) =>
        callback.body.event === 'conversation_started'
          ? {
              status: 200,
              body: JSON.stringify({
                sender: SENDER,
                type: 'text',
                text: 'Welcome',
                keyboard: null,
                tracking_data: null,
                Text: 'oops',
              }),
            }
          : undefined;
      try {
        const welcome = await emulator.user(ALICE).openConversation();
        expect(welcome?.message).toEqual({
          sender: SENDER,
          type: 'text',
          text: 'Welcome',
          Text: 'oops',
        });
        expect(welcome?.warnings).toEqual([
          {
            path: 'Text',
            message: 'is not a field Viber knows: Viber ignores it (did you mean text?)',
          },
        ]);
        expect(emulator.warnings.at(-1)).toMatchObject({
          source: 'welcome',
          path: 'Text',
          userId: ALICE,
        });
      } finally {
        webhook.handler = () => undefined;
      }
    });
  });

  describe('rate limits (opt-in)', () => {
    it('answers 12 to a third get_user_details about the same user', async () => {
      const limited = await ViberEmulator.start({
        token: TOKEN,
        enforceRateLimits: true,
        users: ['carol'],
      });
      try {
        const statuses: unknown[] = [];
        for (let call = 0; call < 3; call++) {
          statuses.push(
            (await callApi(limited.url, 'get_user_details', { id: 'carol' }, TOKEN)).body.status,
          );
        }
        expect(statuses).toEqual([0, 0, 12]);
        expect(limited.clientOptions).toEqual({ token: TOKEN, apiUrl: limited.url });
      } finally {
        await limited.close();
      }
    });
  });

  describe('without a webhook', () => {
    it('answers send_message and broadcast_message with 10 webhookNotSet', async () => {
      const bare = await ViberEmulator.start({
        token: TOKEN,
        users: [{ id: ALICE, subscribed: true }],
      });
      try {
        const sent = await callApi(bare.url, 'send_message', text(), TOKEN);
        expect(sent.body.status).toBe(10);
        const broadcast = await callApi(
          bare.url,
          'broadcast_message',
          text({ receiver: undefined, broadcast_list: [ALICE] }),
          TOKEN,
        );
        expect(broadcast.body.status).toBe(10);
        // remove_webhook.json is accepted even when nothing is set.
        const removed = await callApi(
          bare.url,
          'set_webhook',
          fixture('requests/remove_webhook.json'),
          TOKEN,
        );
        expect(removed.body.status).toBe(0);
      } finally {
        await bare.close();
      }
    });
  });

  describe('with the library ViberClient', () => {
    it('round-trips every endpoint and keeps 64-bit tokens exact', async () => {
      const client = new ViberClient(new HttpService(axios.create()), {
        token: TOKEN,
        apiUrl: emulator.url,
        sender: SENDER,
        logger: {
          log: () => undefined,
          error: () => undefined,
          warn: () => undefined,
          debug: () => undefined,
        },
      });
      const sent = await client.sendMessage(ALICE, 'from the client');
      const record = emulator.botMessages.at(-1)!;
      expect(record.text).toBe('from the client');
      expect(sent.message_token).toBe(record.token);
      expect(sent.message_token).toMatch(/^\d{19}$/);

      const broadcast = await client.broadcast([ALICE, 'bob'], 'to all');
      expect(broadcast.failed_list).toEqual([
        { receiver: 'bob', status: 6, status_message: 'Not subscribed' },
      ]);
      expect(broadcast.message_tokens).toEqual([emulator.botMessages.at(-1)!.token]);

      const online = await client.getOnline([ALICE]);
      expect(online.users[0]).toMatchObject({ id: ALICE, online_status: 0 });
      const details = await client.getUserDetails(ALICE);
      expect(details.user.name).toBe('John McClane');
      const info = await client.getAccountInfo();
      expect(info.webhook).toBe(webhook.url);

      const refused = await client.sendMessage('bob', 'hello').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ViberApiError);
      expect((refused as ViberApiError).status).toBe(ViberStatus.receiverNotSubscribed);
    });
  });
});
