import { HttpService } from '@nestjs/axios';
import type { LoggerService } from '@nestjs/common';
import axios from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  createNodeTransport,
  type ViberHttpTransport,
} from '../../libs/viber/src/client/viber-node.transport';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  ViberApiError,
  ViberClient,
  ViberHttpError,
  ViberNetworkError,
  ViberResponseParseError,
  ViberStatus,
  ViberTimeoutError,
  ViberValidationError,
  type ViberClientOptions,
  type ViberOutgoingMessage,
  type ViberTextMessage,
} from 'nestjs-viber';
import { RecordingApiServer } from '../support/recording-api.server';

const FIXTURES = join(__dirname, '..', 'fixtures');
const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';

function fixture(folder: string, name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, folder, name), 'utf8')) as Record<string, unknown>;
}

/** A logger that keeps every line, to prove the token never reaches one. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, ...rest: unknown[]): void {
    this.lines.push(inspect([message, ...rest]));
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
}

/** Every way the client sends: through axios (a client given an HttpService), and the module's own. */
const TRANSPORTS: Array<[string, () => ViberHttpTransport | undefined]> = [
  ['axios', () => undefined],
  [
    'node:http transport',
    () =>
      createNodeTransport({
        http: new HttpAgent({ keepAlive: true }),
        https: new HttpsAgent({ keepAlive: true }),
      }),
  ],
];

describe.each(TRANSPORTS)('ViberClient against a real HTTP server (%s)', (_name, transport) => {
  let api: RecordingApiServer;
  let logger: CapturingLogger;

  const client = (options: Partial<ViberClientOptions> = {}): ViberClient =>
    new ViberClient(new HttpService(axios.create()), {
      token: TOKEN,
      apiUrl: api.url,
      transport: transport(),
      logger,
      ...options,
    });

  beforeAll(async () => {
    api = await RecordingApiServer.start();
  });
  afterAll(() => api.close());
  beforeEach(() => {
    api.reset();
    logger = new CapturingLogger();
  });

  describe('sends exactly the documented request bodies', () => {
    const excluded = new Set([
      'keyboard.internal_browser.reconstructed.json',
      'channel_post.from_public_code.json',
      'welcome_message.http_response_body.json',
    ]);
    const requestFiles = readdirSync(join(FIXTURES, 'requests')).filter((f) => !excluded.has(f));

    it('covers every request example', () => {
      expect(requestFiles.sort()).toEqual(
        [
          'broadcast_message.json',
          'get_account_info.json',
          'get_online.json',
          'get_user_details.json',
          'remove_webhook.json',
          'send_message.contact.json',
          'send_message.file.json',
          'send_message.keyboard.json',
          'send_message.location.json',
          'send_message.payment.json',
          'send_message.picture.json',
          'send_message.rich_media.json',
          'send_message.sticker.json',
          'send_message.text.json',
          'send_message.url.json',
          'send_message.video.json',
          'set_webhook.json',
        ].sort(),
      );
    });

    const calls: Record<
      string,
      [string, (c: ViberClient, example: Record<string, unknown>) => Promise<unknown>]
    > = {
      'set_webhook.json': [
        'set_webhook',
        (c) =>
          c.setWebhook('https://my.host.com', {
            eventTypes: [
              'delivered',
              'seen',
              'failed',
              'subscribed',
              'unsubscribed',
              'conversation_started',
            ],
            sendName: true,
            sendPhoto: true,
          }),
      ],
      'remove_webhook.json': ['set_webhook', (c) => c.removeWebhook()],
      'broadcast_message.json': [
        'broadcast_message',
        (c, { broadcast_list, ...message }) =>
          c.broadcast(broadcast_list as string[], message as unknown as ViberOutgoingMessage),
      ],
      'get_account_info.json': ['get_account_info', (c) => c.getAccountInfo()],
      'get_user_details.json': [
        'get_user_details',
        (c) => c.getUserDetails('jc9HsWTZ2Yf2NkRZ8KcNug=='),
      ],
      'get_online.json': [
        'get_online',
        (c) => c.getOnline(['jc9HsWTZ2Yf2NkRZ8KcNug==', 'fd4HsWT33Yf1BkRZ8KcBsk==']),
      ],
    };

    it.each(requestFiles)('%s', async (file) => {
      const example = fixture('requests', file);
      const [endpoint, call] = calls[file] ?? [
        'send_message',
        (c: ViberClient, { receiver, ...message }: Record<string, unknown>) =>
          c.sendMessage(receiver as string, message as unknown as ViberOutgoingMessage),
      ];
      await call(client(), example);
      expect(api.requests).toHaveLength(1);
      const [request] = api.requests;
      expect(request!.method).toBe('POST');
      expect(request!.url).toBe(`/pa/${endpoint}`);
      expect(request!.headers['x-viber-auth-token']).toBe(TOKEN);
      expect(request!.headers['content-type']).toMatch(/^application\/json/);
      expect(request!.body).toEqual(example);
    });

    it('fills the default sender and lets a message override it', async () => {
      const c = client({ sender: { name: 'Shop Bot', avatar: 'https://example.com/a.jpg' } });
      await c.sendMessage('u1', 'hello');
      await c.sendMessage('u1', { type: 'text', text: 'hi', sender: { name: 'Other' } });
      expect(api.requests.map((r) => r.body)).toEqual([
        {
          type: 'text',
          text: 'hello',
          sender: { name: 'Shop Bot', avatar: 'https://example.com/a.jpg' },
          receiver: 'u1',
        },
        { type: 'text', text: 'hi', sender: { name: 'Other' }, receiver: 'u1' },
      ]);
    });

    it('sends an array in order and returns each exact message token', async () => {
      let next = 0n;
      api.respondWith(() => ({
        body: `{"status":0,"status_message":"ok","message_token":${9007199254740993n + next++}}`,
      }));
      const messages: ViberTextMessage[] = ['one', 'two', 'three'].map((text) => ({
        type: 'text',
        text,
      }));
      const answers = await client({ sender: { name: 'Bot' } }).sendMessage('u1', messages);
      expect(api.to('send_message').map((r) => (r.body as ViberTextMessage).text)).toEqual([
        'one',
        'two',
        'three',
      ]);
      expect(answers.map((a) => a.message_token)).toEqual([
        '9007199254740993',
        '9007199254740994',
        '9007199254740995',
      ]);
    });
  });

  describe('parses every documented response', () => {
    const responseFiles = readdirSync(join(FIXTURES, 'responses'));
    const endpointOf = (file: string): string => file.replace(/\..*$/, '');

    it.each(responseFiles.filter((f) => !f.includes('too_many_requests')))('%s', async (file) => {
      const text = readFileSync(join(FIXTURES, 'responses', file), 'utf8');
      api.respondWith(() => ({ body: text }));
      const c = client({ sender: { name: 'Bot' } });
      const expected = JSON.parse(text) as Record<string, unknown>;
      // JSON.parse rounds 64-bit tokens: take their digits from the text itself.
      const digits = /"message_token":\s*"?(\d+)/.exec(text)?.[1];
      if (digits !== undefined) expected.message_token = digits;
      switch (endpointOf(file)) {
        case 'set_webhook':
          await expect(c.setWebhook('https://my.host.com')).resolves.toEqual(expected);
          break;
        case 'send_message':
          await expect(c.sendMessage('u', 'hi')).resolves.toEqual(expected);
          break;
        case 'broadcast_message':
          await expect(c.broadcast(['a', 'b'], 'hi')).resolves.toEqual({
            uncertain_list: [],
            requests: 1,
            sent: 0,
            total: 2,
            message_tokens: [expected.message_token],
            failed_list: expected.failed_list,
            aborted: false,
          });
          break;
        case 'get_account_info':
          await expect(c.getAccountInfo()).resolves.toEqual(expected);
          break;
        case 'get_user_details':
          await expect(c.getUserDetails('01234567890A=')).resolves.toEqual(expected);
          break;
        case 'get_online':
          await expect(c.getOnline(['a', 'b'])).resolves.toEqual({
            status: 0,
            status_message: 'ok',
            users: expected.users,
          });
          break;
        default:
          throw new Error(`no expectation for ${file}`);
      }
    });

    it('keeps a 64-bit message_token exact', async () => {
      const answer = await client({ sender: { name: 'Bot' } }).sendMessage('u1', 'hi');
      expect(answer.message_token).toBe('5491057495223473139');
    });

    it('turns the rate-limit example into a retryable ViberApiError', async () => {
      api.respondWith(() => ({
        body: readFileSync(join(FIXTURES, 'responses/send_message.too_many_requests.json'), 'utf8'),
      }));
      const error = await client({ sender: { name: 'Bot' } })
        .sendMessage('u1', 'hi')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViberApiError);
      expect(error).toMatchObject({
        status: 12,
        statusName: 'tooManyRequests',
        statusMessage: 'Too many requests',
        endpoint: 'send_message',
        retryable: true,
        chatHostname: 'SN-CHAT-0x_',
      });
    });
  });

  describe('splits large requests', () => {
    it('301 receivers → 2 broadcast requests (300 + 1), failed lists merged', async () => {
      const receivers = Array.from({ length: 301 }, (_, i) => `user-${i}`);
      api.respondWith((request) => {
        const list = (request.body as { broadcast_list: string[] }).broadcast_list;
        return {
          body: `{"status":0,"status_message":"ok","message_token":${list.length === 300 ? '7000000000000000001' : '7000000000000000002'},"failed_list":[{"receiver":"${list[0]}","status":6,"status_message":"Not subscribed"}]}`,
        };
      });
      const result = await client({ sender: { name: 'Bot' }, broadcastConcurrency: 1 }).broadcast(
        receivers,
        'news',
      );
      const lists = api
        .to('broadcast_message')
        .map((r) => (r.body as { broadcast_list: string[] }).broadcast_list);
      expect(lists.map((l) => l.length)).toEqual([300, 1]);
      expect(lists.flat()).toEqual(receivers);
      expect(result).toEqual({
        uncertain_list: [],
        requests: 2,
        sent: 299,
        total: 301,
        aborted: false,
        message_tokens: ['7000000000000000001', '7000000000000000002'],
        failed_list: [
          { receiver: 'user-0', status: 6, status_message: 'Not subscribed' },
          { receiver: 'user-300', status: 6, status_message: 'Not subscribed' },
        ],
      });
    });

    it('accounts for the receivers of a failed broadcast request and stops after a fatal status', async () => {
      const receivers = Array.from({ length: 700 }, (_, i) => `user-${i}`);
      let call = 0;
      api.respondWith(() => {
        call++;
        if (call === 1) return { status: 500, body: '<html>oops</html>', contentType: 'text/html' };
        return { body: { status: 20, status_message: 'broadcastNotAllowed' } };
      });
      const result = await client({
        sender: { name: 'Bot' },
        retry: false,
        broadcastConcurrency: 1,
      }).broadcast(receivers, 'news');
      expect(result.requests).toBe(2);
      expect(result.aborted).toBe(true);
      expect(result.sent).toBe(0);
      expect(result.failed_list).toHaveLength(700);
      expect(result.failed_list.slice(0, 300).every((f) => f.status === -1)).toBe(true);
      expect(result.failed_list.slice(300).every((f) => f.status === 20)).toBe(true);
      expect(result.failed_list.map((f) => f.receiver)).toEqual(receivers);
    });

    it('250 ids → 3 get_online requests (100/100/50), users merged', async () => {
      const ids = Array.from({ length: 250 }, (_, i) => `id-${i}`);
      api.respondWith((request) => ({
        body: {
          status: 0,
          status_message: 'ok',
          users: (request.body as { ids: string[] }).ids.map((id) => ({
            id,
            online_status: 0,
            online_status_message: 'online',
          })),
        },
      }));
      const answer = await client().getOnline(ids);
      expect(api.to('get_online').map((r) => (r.body as { ids: string[] }).ids.length)).toEqual([
        100, 100, 50,
      ]);
      expect(answer.users.map((u) => u.id)).toEqual(ids);
    });
  });

  describe('typed errors, never the token (retries off: each failure as it comes)', () => {
    const client = (options: Partial<ViberClientOptions> = {}): ViberClient =>
      new ViberClient(new HttpService(axios.create()), {
        token: TOKEN,
        apiUrl: api.url,
        logger,
        retry: false,
        ...options,
      });
    const expectNoToken = (error: unknown): void => {
      expect(String((error as Error).message)).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
      expect(JSON.stringify((error as Error).cause ?? null)).not.toContain(TOKEN);
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(TOKEN);
      expect(logger.lines.join('\n')).not.toContain(TOKEN);
    };

    const statuses = [...Array.from({ length: 24 }, (_, i) => i + 1), 999];
    it.each(statuses)('status %i → ViberApiError with its name', async (status) => {
      api.respondWith(() => ({
        body: { status, status_message: `message ${status}`, chat_hostname: 'SN-1_' },
      }));
      const error = await client()
        .getAccountInfo()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViberApiError);
      expect(error).toMatchObject({
        status,
        statusName: status === 999 ? 'unknown' : ViberStatus[status],
        statusMessage: `message ${status}`,
        endpoint: 'get_account_info',
        retryable: status === 12,
      });
      expectNoToken(error);
    });

    it('a body without status_message', async () => {
      api.respondWith(() => ({ body: '{"status":1,"chat_hostname":"SN-CHAT-06_"}' }));
      const error = (await client()
        .setWebhook('https://x.example')
        .catch((e: unknown) => e)) as ViberApiError;
      expect(error).toBeInstanceOf(ViberApiError);
      expect(error.statusMessage).toBeUndefined();
      expect(error.message).toBe('Viber set_webhook failed with status 1 (invalidUrl)');
      expectNoToken(error);
    });

    it('HTTP 500 with HTML → ViberHttpError', async () => {
      api.respondWith(() => ({
        status: 500,
        body: '<html><body>Internal error</body></html>',
        contentType: 'text/html',
      }));
      const error = await client()
        .getAccountInfo()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViberHttpError);
      expect(error).toMatchObject({
        httpStatus: 500,
        retryable: true,
        endpoint: 'get_account_info',
      });
      expectNoToken(error);
    });

    it('HTTP 200 with an empty body → ViberResponseParseError', async () => {
      api.respondWith(() => ({ body: '' }));
      const error = await client()
        .getAccountInfo()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViberResponseParseError);
      expect(error).toMatchObject({ reason: 'empty body', httpStatus: 200 });
      expectNoToken(error);
    });

    it('HTTP 200 with text that is not JSON → ViberResponseParseError', async () => {
      api.respondWith(() => ({ body: 'ok!', contentType: 'text/plain' }));
      const error = await client()
        .getAccountInfo()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ reason: 'not JSON' });
      expectNoToken(error);
    });

    it('a server echoing the token in its error page never leaks it', async () => {
      api.respondWith((request) => ({
        status: 502,
        body: `bad gateway for ${String(request.headers['x-viber-auth-token'])}`,
      }));
      const error = (await client()
        .getAccountInfo()
        .catch((e: unknown) => e)) as ViberHttpError;
      expect(error.bodySnippet).toBe('bad gateway for [redacted]');
      expectNoToken(error);
    });

    it('a Viber answer that echoes the token keeps it out of the error, its response and any log', async () => {
      api.respondWith((request) => {
        const token = String(request.headers['x-viber-auth-token']);
        return {
          body: `{"status":2,"status_message":"invalid auth token ${token}","echo":{"token":"${token}","list":["${token}"]}}`,
        };
      });
      const error = (await client()
        .getAccountInfo()
        .catch((e: unknown) => e)) as ViberApiError;
      expect(error).toBeInstanceOf(ViberApiError);
      expect(error.statusMessage).toBe('invalid auth token [redacted]');
      expect(error.response).toEqual({
        status: 2,
        status_message: 'invalid auth token [redacted]',
        echo: { token: '[redacted]', list: ['[redacted]'] },
      });
      expectNoToken(error);
    });

    it('a server that never answers → ViberTimeoutError within the timeout', async () => {
      api.respondWith(() => 'hang');
      const error = await client({ timeout: 300 })
        .getAccountInfo()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViberTimeoutError);
      expect(error).toMatchObject({ timeoutMs: 300, retryable: true });
      expectNoToken(error);
    });

    it('a dropped connection → ViberNetworkError', async () => {
      api.respondWith(() => 'destroy');
      const error = await client()
        .getAccountInfo()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViberNetworkError);
      expect(error).toMatchObject({ retryable: true });
      expectNoToken(error);
    });

    it('connection refused → ViberNetworkError with the code', async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = probe.address() as { port: number };
          probe.close(() => resolve(free));
        });
      });
      const error = await client({ apiUrl: `http://127.0.0.1:${port}/pa` })
        .getAccountInfo()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViberNetworkError);
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
      expectNoToken(error);
    });
  });

  describe('checks before sending', () => {
    const bot = { name: 'Bot' };
    const cases: Array<[string, ViberOutgoingMessage | string, string]> = [
      [
        'sender name over 28',
        { type: 'text', text: 'x', sender: { name: 'n'.repeat(29) } },
        'sender.name must be at most 28 characters (got 29)',
      ],
      [
        'tracking_data over 4000',
        { type: 'text', text: 'x', tracking_data: 't'.repeat(4001) },
        'tracking_data must be at most 4000 characters (got 4001)',
      ],
      ['text over 7000', 'x'.repeat(7001), 'text must be at most 7000 characters (got 7001)'],
      [
        'picture without media',
        { type: 'picture', text: '' } as unknown as ViberOutgoingMessage,
        'media is required',
      ],
      [
        'video without size',
        { type: 'video', media: 'https://e.com/v.mp4' } as unknown as ViberOutgoingMessage,
        'size is required',
      ],
      [
        'file without file_name',
        { type: 'file', media: 'https://e.com/f.pdf', size: 10 } as unknown as ViberOutgoingMessage,
        'file_name is required',
      ],
      [
        'a forbidden file extension',
        { type: 'file', media: 'https://e.com/setup.exe', size: 10, file_name: 'setup.exe' },
        'file_name has a forbidden extension .exe',
      ],
      [
        'contact without phone',
        { type: 'contact', contact: { name: 'A' } } as unknown as ViberOutgoingMessage,
        'contact.phone_number is required',
      ],
      [
        'location without lon',
        { type: 'location', location: { lat: 1 } } as unknown as ViberOutgoingMessage,
        'location.lon is required',
      ],
      [
        'sticker without id',
        { type: 'sticker' } as unknown as ViberOutgoingMessage,
        'sticker_id is required',
      ],
    ];

    it.each(cases)('%s', async (_name, message, expected) => {
      const error = (await client({ sender: bot })
        .sendMessage('u1', message)
        .catch((e: unknown) => e)) as ViberValidationError;
      expect(error).toBeInstanceOf(ViberValidationError);
      expect(error.message).toContain(expected);
      expect(api.requests).toHaveLength(0);
    });

    it('the whole request must be at most 30 KB', async () => {
      const message: ViberOutgoingMessage = {
        type: 'text',
        text: 'ok',
        tracking_data: 'x'.repeat(3000),
        keyboard: {
          Type: 'keyboard',
          Buttons: Array.from({ length: 60 }, () => ({ ActionBody: 'b'.repeat(500), Text: 'Go' })),
        },
      };
      const error = (await client({ sender: bot })
        .sendMessage('u1', message)
        .catch((e: unknown) => e)) as ViberValidationError;
      expect(error).toBeInstanceOf(ViberValidationError);
      expect(error.message).toMatch(/request must be at most 30720 bytes of JSON \(got \d+\)/);
      expect(api.requests).toHaveLength(0);
    });

    it('a message needs a sender', async () => {
      const error = await client()
        .sendMessage('u1', 'hi')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViberValidationError);
      expect((error as Error).message).toContain('sender is required');
    });
  });
});

describe('ViberClient fills min_api_version from the features used', () => {
  let api: RecordingApiServer;
  beforeAll(async () => {
    api = await RecordingApiServer.start();
  });
  afterAll(() => api.close());

  it('adds the level a keyboard feature needs, and keeps an explicit value', async () => {
    const client = new ViberClient(new HttpService(axios.create()), {
      token: TOKEN,
      apiUrl: api.url,
      sender: { name: 'Bot' },
    });
    const keyboard = {
      Type: 'keyboard' as const,
      InputFieldState: 'hidden' as const,
      Buttons: [{ ActionBody: 'a', Text: 'A' }],
    };
    await client.sendMessage('u1', { type: 'text', text: 'hi', keyboard });
    await client.sendMessage('u1', { type: 'text', text: 'hi', keyboard, min_api_version: 7 });
    await client.sendMessage('u1', 'plain');
    expect(
      api.to('send_message').map((r) => (r.body as { min_api_version?: number }).min_api_version),
    ).toEqual([4, 7, undefined]);
  });
});
