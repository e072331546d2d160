import { Body, Controller, Injectable, Module, Post, VersioningType } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  Event,
  OnClientStatus,
  OnConversationStarted,
  OnDelivered,
  OnFailed,
  OnMessage,
  OnSeen,
  OnSubscribed,
  OnUnsubscribed,
  OnWebhook,
  ViberModule,
  computeViberSignature,
  type ViberCallback,
} from 'nestjs-viber';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RecordingApiServer } from '../support/recording-api.server';
import { textMessage } from '../support/callbacks';
import {
  PLATFORMS,
  WEBHOOK_MODES,
  TEST_TOKEN,
  fixtureBody,
  freePort,
  postSigned,
  startApp,
  type RunningApp,
  waitFor,
} from '../support/viber-test-app';

/** Records every callback that reaches a handler. */
@Injectable()
class Recorder {
  readonly callbacks: ViberCallback[] = [];
  @OnMessage()
  @OnConversationStarted()
  @OnSubscribed()
  @OnUnsubscribed()
  @OnDelivered()
  @OnSeen()
  @OnFailed()
  @OnWebhook()
  @OnClientStatus()
  record(@Event() callback: ViberCallback): void {
    this.callbacks.push(callback);
  }
}

const FIXTURES = join(__dirname, '..', 'fixtures');
const examples = ['callbacks', 'observed'].flatMap((folder) =>
  readdirSync(join(FIXTURES, folder)).map((file) => `${folder}/${file}`),
);

/** The digits of the message_token in a body, read from the text (JSON.parse would round them). */
function tokenOf(body: string): string {
  return /"message_token":\s*(\d+)/.exec(body)![1]!;
}

describe.each(WEBHOOK_MODES)('webhook on %s (%s)', (platform, mode) => {
  const fastPath = mode === 'fast path';
  let running: RunningApp;
  let recorder: Recorder;
  let webhook: string;
  const valid = textMessage('alice', 'hello');

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: 'http://127.0.0.1:9/pa',
          webhook: { path: '/viber/webhook', fastPath },
        }),
      ],
      providers: [Recorder],
    });
    recorder = running.app.get(Recorder);
    webhook = `${running.url}/viber/webhook`;
  });
  afterAll(() => running.app.close());
  beforeEach(() => {
    recorder.callbacks.length = 0;
  });

  describe('accepts and parses every example callback', () => {
    it.each(examples)('%s', async (file) => {
      const body = fixtureBody(file);
      const res = await postSigned(webhook, body, TEST_TOKEN);
      expect(res.status).toBe(200);
      expect(recorder.callbacks).toHaveLength(1);
      const [callback] = recorder.callbacks;
      const expected = JSON.parse(body) as Record<string, unknown>;
      expect(callback!.event).toBe(expected.event);
      expect(callback!.message_token).toBe(tokenOf(body));
      if (typeof expected.chat_id === 'number') {
        expect((callback as { chat_id?: string }).chat_id).toBe(
          /"chat_id":\s*(\d+)/.exec(body)![1],
        );
      }
      if (file === 'observed/message_signed_raw_body.json') {
        // A real capture, signed over its exact bytes: \u escapes and key order kept.
        expect(body).toContain('\\u0410');
        expect(callback).toMatchObject({
          message_token: '5167121934301882005',
          sender: { name: 'Александр Зайкин' },
        });
      }
      // Every field is kept, extra ones included.
      expect(Object.keys(callback!).sort()).toEqual(Object.keys(expected).sort());
    });
  });

  it('accepts the signature in the sig query parameter when the header is absent', async () => {
    const res = await postSigned(webhook, valid, TEST_TOKEN, { via: 'query' });
    expect(res.status).toBe(200);
    expect(recorder.callbacks).toHaveLength(1);
  });

  it('answers an unknown event 200 without dispatching', async () => {
    const body = '{"event":"brand_new_event","timestamp":1,"message_token":5466394344559121456}';
    const res = await postSigned(webhook, body, TEST_TOKEN);
    expect(res.status).toBe(200);
    expect(recorder.callbacks).toHaveLength(0);
  });

  describe('rejects with the right status and dispatches nothing', () => {
    const good = computeViberSignature(valid, TEST_TOKEN);
    const cases: Array<[string, () => Promise<{ status: number; text: string }>, number]> = [
      ['no signature', () => postSigned(webhook, valid, TEST_TOKEN, { via: 'none' }), 403],
      [
        'a wrong signature',
        () => postSigned(webhook, valid, TEST_TOKEN, { signature: 'a'.repeat(64) }),
        403,
      ],
      ["another bot's token", () => postSigned(webhook, valid, 'other-bot-token'), 403],
      [
        'an uppercase signature',
        () => postSigned(webhook, valid, TEST_TOKEN, { signature: good.toUpperCase() }),
        403,
      ],
      [
        'a truncated signature',
        () => postSigned(webhook, valid, TEST_TOKEN, { signature: good.slice(0, 63) }),
        403,
      ],
      [
        'a sha256= prefix',
        () => postSigned(webhook, valid, TEST_TOKEN, { signature: `sha256=${good}` }),
        403,
      ],
      [
        'a non-hex signature',
        () => postSigned(webhook, valid, TEST_TOKEN, { signature: `${good.slice(0, 63)}z` }),
        403,
      ],
      [
        'a valid signature over a body with one byte changed',
        () => postSigned(webhook, valid.replace('hello', 'hellp'), TEST_TOKEN, { signature: good }),
        403,
      ],
      [
        'a wrong header even with a valid sig parameter',
        () =>
          fetch(`${webhook}?sig=${good}`, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              'X-Viber-Content-Signature': 'b'.repeat(64),
            },
            body: valid,
          }).then(async (r) => ({ status: r.status, text: await r.text() })),
        403,
      ],
      [
        'GET',
        () => fetch(webhook).then(async (r) => ({ status: r.status, text: await r.text() })),
        405,
      ],
      [
        'PUT',
        () =>
          fetch(webhook, { method: 'PUT', body: valid }).then(async (r) => ({
            status: r.status,
            text: await r.text(),
          })),
        405,
      ],
      [
        'a body that is not JSON',
        () => postSigned(webhook, '{"event":"message",', TEST_TOKEN),
        400,
      ],
      [
        'JSON that is not a callback',
        () => postSigned(webhook, '{"hello":"world"}', TEST_TOKEN),
        400,
      ],
      ['a JSON array', () => postSigned(webhook, '[1,2,3]', TEST_TOKEN), 400],
      [
        'a message callback without sender',
        () =>
          postSigned(
            webhook,
            '{"event":"message","timestamp":1,"message_token":1,"message":{"type":"text","text":"x"}}',
            TEST_TOKEN,
          ),
        400,
      ],
      [
        'a text message whose text is a number',
        () =>
          postSigned(
            webhook,
            textMessage('alice', 'x').replace('"text":"x"', '"text":42'),
            TEST_TOKEN,
          ),
        400,
      ],
      [
        'a 2 MB body',
        () =>
          postSigned(
            webhook,
            `{"event":"message","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`,
            TEST_TOKEN,
          ),
        413,
      ],
    ];

    it.each(cases)('%s', async (_name, send, status) => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.text).not.toContain('hello');
      expect(recorder.callbacks).toHaveLength(0);
    });

    it('names the problem of an invalid callback in a short 400 answer', async () => {
      const res = await postSigned(
        webhook,
        '{"event":"subscribed","timestamp":1,"message_token":2}',
        TEST_TOKEN,
      );
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({
        message: 'Invalid subscribed callback: user should not be null or undefined',
      });
    });
  });
});

describe('the official SDKs cross-check vector', () => {
  it.each(PLATFORMS)('verifies on %s', async (platform) => {
    const token = '44dafb7e0f40021e-61a47a1e6778d187-f2c5a676a07050b3';
    const body =
      '{"event":"webhook","timestamp":4977069964384421269,"message_token":1478683725125}';
    const signature = 'd21b343448c8aee33b8e93768ef6ceb64a6ba6163099973a2b8bd028fea510ef';
    const running = await startApp(platform, {
      imports: [ViberModule.forRoot({ token, apiUrl: 'http://127.0.0.1:9/pa' })],
      providers: [Recorder],
    });
    try {
      const res = await postSigned(`${running.url}/viber/webhook`, body, token, { signature });
      expect(res.status).toBe(200);
      expect(running.app.get(Recorder).callbacks).toEqual([
        { event: 'webhook', timestamp: expect.any(Number), message_token: '1478683725125' },
      ]);
    } finally {
      await running.app.close();
    }
  });
});

describe.each(PLATFORMS)('two bots in one app on %s', (platform) => {
  const tokenA = 'aaaaaaaaaaaaaaaa-aaaaaaaaaaaaaaaa-aaaaaaaaaaaaaaaa';
  const tokenB = 'bbbbbbbbbbbbbbbb-bbbbbbbbbbbbbbbb-bbbbbbbbbbbbbbbb';
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [
        ViberModule.forRoot({
          name: 'a',
          token: tokenA,
          apiUrl: 'http://127.0.0.1:9/pa',
          webhook: { path: '/bots/a' },
        }),
        ViberModule.forRoot({
          name: 'b',
          token: tokenB,
          apiUrl: 'http://127.0.0.1:9/pa',
          webhook: { path: '/bots/b' },
        }),
      ],
      providers: [Recorder],
    });
  });
  afterAll(() => running.app.close());

  it('each path checks its own bot token: a callback signed for A sent to B is 403', async () => {
    const body = textMessage('alice', 'hi');
    expect((await postSigned(`${running.url}/bots/b`, body, tokenA)).status).toBe(403);
    expect((await postSigned(`${running.url}/bots/a`, body, tokenB)).status).toBe(403);
    expect(running.app.get(Recorder).callbacks).toHaveLength(0);
    expect((await postSigned(`${running.url}/bots/a`, body, tokenA)).status).toBe(200);
    expect(
      (await postSigned(`${running.url}/bots/b`, textMessage('bob', 'hi'), tokenB)).status,
    ).toBe(200);
  });
});

describe('raw body access', () => {
  /** A route of the app's own, to prove the platform still parses other routes' bodies. */
  @Controller('echo')
  class EchoController {
    @Post()
    echo(@Body() body: unknown): { type: string; body: unknown } {
      return { type: typeof body, body };
    }
  }

  const settings = [
    { rawBody: true, bodyParser: true },
    { rawBody: false, bodyParser: true },
    { rawBody: true, bodyParser: false },
    { rawBody: false, bodyParser: false },
  ];
  describe.each(PLATFORMS)('on %s', (platform) => {
    it.each(settings)(
      'reads the exact bytes whatever the app options (rawBody: $rawBody, bodyParser: $bodyParser)',
      async (options) => {
        const running = await startApp(
          platform,
          {
            imports: [ViberModule.forRoot({ token: TEST_TOKEN, apiUrl: 'http://127.0.0.1:9/pa' })],
            controllers: [EchoController],
            providers: [Recorder],
          },
          options,
        );
        try {
          const body = fixtureBody('observed/message_signed_raw_body.json');
          const res = await postSigned(`${running.url}/viber/webhook`, body, TEST_TOKEN);
          expect(res.status).toBe(200);
          const callbacks = running.app.get(Recorder).callbacks;
          expect(callbacks).toHaveLength(1);
          expect(callbacks[0]!.message_token).toBe(tokenOf(body));
          // The app's other routes keep their body parser.
          const echo = await fetch(`${running.url}/echo`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{"a":1}',
          });
          if (options.bodyParser || platform === 'fastify') {
            expect(await echo.json()).toEqual({ type: 'object', body: { a: 1 } });
          }
        } finally {
          await running.app.close();
        }
      },
    );

    it.each([false, true])(
      'serves the webhook under a global prefix (fastPath %s)',
      async (fastPath) => {
        const moduleRef = await Test.createTestingModule({
          imports: [
            ViberModule.forRoot({
              token: TEST_TOKEN,
              apiUrl: 'http://127.0.0.1:9/pa',
              webhook: { fastPath },
            }),
          ],
          providers: [Recorder],
        }).compile();
        const app =
          platform === 'fastify'
            ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
            : moduleRef.createNestApplication({ logger: false });
        app.setGlobalPrefix('api');
        await app.listen(0, '127.0.0.1');
        try {
          const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
          const body = textMessage('alice', 'hi');
          expect((await postSigned(`${url}/api/viber/webhook`, body, TEST_TOKEN)).status).toBe(200);
          expect(
            (await postSigned(`${url}/api/viber/webhook`, '{not json', 'wrong-token')).status,
          ).toBe(403);
          expect((await postSigned(`${url}/viber/webhook`, body, TEST_TOKEN)).status).toBe(404);
          expect(app.get(Recorder).callbacks).toHaveLength(1);
        } finally {
          await app.close();
        }
      },
    );

    it.each([false, true])(
      'keeps the webhook at its path under URI versioning with a default version (version-neutral, fastPath %s)',
      async (fastPath) => {
        const moduleRef = await Test.createTestingModule({
          imports: [
            ViberModule.forRoot({
              token: TEST_TOKEN,
              apiUrl: 'http://127.0.0.1:9/pa',
              webhook: { fastPath },
            }),
          ],
          providers: [Recorder],
        }).compile();
        const app =
          platform === 'fastify'
            ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
            : moduleRef.createNestApplication({ logger: false });
        app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
        await app.listen(0, '127.0.0.1');
        try {
          const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
          const body = textMessage('alice', 'hi');
          expect((await postSigned(`${url}/viber/webhook`, body, TEST_TOKEN)).status).toBe(200);
          expect(
            (await postSigned(`${url}/viber/webhook`, '{not json', 'wrong-token')).status,
          ).toBe(403);
          expect((await postSigned(`${url}/v1/viber/webhook`, body, TEST_TOKEN)).status).toBe(404);
          expect(app.get(Recorder).callbacks).toHaveLength(1);
        } finally {
          await app.close();
        }
      },
    );
  });

  it('enforces a configured body limit with 413', async () => {
    const running = await startApp('fastify', {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: 'http://127.0.0.1:9/pa',
          webhook: { maxBodyBytes: 256 },
        }),
      ],
      providers: [Recorder],
    });
    try {
      const body = textMessage('alice', 'x'.repeat(300));
      expect((await postSigned(`${running.url}/viber/webhook`, body, TEST_TOKEN)).status).toBe(413);
      expect(running.app.get(Recorder).callbacks).toHaveLength(0);
    } finally {
      await running.app.close();
    }
  });
});

describe('forRootAsync and option checks', () => {
  it('reads its options from @nestjs/config', async () => {
    const running = await startApp('express', {
      imports: [
        ViberModule.forRootAsync({
          imports: [
            ConfigModule.forRoot({
              ignoreEnvFile: true,
              load: [() => ({ VIBER_TOKEN: TEST_TOKEN, VIBER_PATH: '/hooks/viber' })],
            }),
          ],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            token: config.getOrThrow<string>('VIBER_TOKEN'),
            apiUrl: 'http://127.0.0.1:9/pa',
            webhook: { path: config.getOrThrow<string>('VIBER_PATH') },
          }),
        }),
      ],
      providers: [Recorder],
    });
    try {
      expect(
        (await postSigned(`${running.url}/hooks/viber`, textMessage('a', 'hi'), TEST_TOKEN)).status,
      ).toBe(200);
      expect(running.app.get(Recorder).callbacks).toHaveLength(1);
    } finally {
      await running.app.close();
    }
  });

  it('supports useClass', async () => {
    @Injectable()
    class ViberConfig {
      createViberOptions() {
        return { token: TEST_TOKEN, apiUrl: 'http://127.0.0.1:9/pa' };
      }
    }
    const running = await startApp('fastify', {
      imports: [ViberModule.forRootAsync({ useClass: ViberConfig })],
      providers: [Recorder],
    });
    try {
      expect(
        (await postSigned(`${running.url}/viber/webhook`, textMessage('a', 'hi'), TEST_TOKEN))
          .status,
      ).toBe(200);
    } finally {
      await running.app.close();
    }
  });

  it('fails startup naming "token" when the token is missing', async () => {
    @Module({ imports: [ViberModule.forRootAsync({ useFactory: () => ({ token: '' }) })] })
    class AppModule {}
    await expect(Test.createTestingModule({ imports: [AppModule] }).compile()).rejects.toThrow(
      'ViberModule (bot "default"): option "token" is required',
    );
  });

  it('fails startup naming "webhook.path" for a bad path', async () => {
    await expect(
      Test.createTestingModule({
        imports: [ViberModule.forRoot({ token: TEST_TOKEN, webhook: { path: '/viber/:id?x=1' } })],
      }).compile(),
    ).rejects.toThrow('option "webhook.path" must be a route');
  });
});

describe('set_webhook at startup', () => {
  it('is called once the server listens, and Viber can call the webhook back during it', async () => {
    const api = await RecordingApiServer.start();
    const checks: number[] = [];
    // Like Viber: during set_webhook, call the webhook; answer status 1 unless it answered 200.
    api.respondWith(async (request) => {
      if (request.endpoint !== 'set_webhook') return { body: { status: 0 } };
      const { url } = request.body as { url: string };
      const check = await postSigned(url, fixtureBody('observed/webhook.json'), TEST_TOKEN).catch(
        () => ({ status: 0 }),
      );
      checks.push(check.status);
      return {
        body:
          check.status === 200
            ? { status: 0, status_message: 'ok', event_types: ['delivered'] }
            : { status: 1, status_message: 'invalidUrl' },
      };
    });
    const port = await freePort();
    const running = await startApp(
      'express',
      {
        imports: [
          ViberModule.forRootAsync({
            useFactory: () => ({
              token: TEST_TOKEN,
              apiUrl: api.url,
              webhook: {
                url: `http://127.0.0.1:${port}/viber/webhook`,
                eventTypes: ['delivered'],
                sendName: true,
              },
            }),
          }),
        ],
        providers: [Recorder],
      },
      { port },
    );
    try {
      await waitFor(() => checks.length === 1);
      expect(api.to('set_webhook').map((r) => r.body)).toEqual([
        {
          url: `http://127.0.0.1:${port}/viber/webhook`,
          event_types: ['delivered'],
          send_name: true,
        },
      ]);
      expect(checks).toEqual([200]);
      expect(running.app.get(Recorder).callbacks.map((c) => c.event)).toEqual(['webhook']);
    } finally {
      await running.app.close();
      await api.close();
    }
  });

  it('logs a failure without crashing the app', async () => {
    const api = await RecordingApiServer.start();
    api.respondWith(() => ({ body: { status: 1, status_message: 'invalidUrl' } }));
    const running = await startApp('fastify', {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          webhook: { url: 'https://bot.example.com/viber/webhook' },
        }),
      ],
      providers: [Recorder],
    });
    try {
      await waitFor(() => api.to('set_webhook').length === 1);
      expect(
        (await postSigned(`${running.url}/viber/webhook`, textMessage('a', 'still up'), TEST_TOKEN))
          .status,
      ).toBe(200);
    } finally {
      await running.app.close();
      await api.close();
    }
  });

  it('is not called with autoSet: false', async () => {
    const api = await RecordingApiServer.start();
    const running = await startApp('express', {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          webhook: { url: 'https://bot.example.com/viber/webhook', autoSet: false },
        }),
      ],
    });
    try {
      expect(
        (await postSigned(`${running.url}/viber/webhook`, textMessage('a', 'x'), TEST_TOKEN))
          .status,
      ).toBe(200);
      expect(api.to('set_webhook')).toHaveLength(0);
    } finally {
      await running.app.close();
      await api.close();
    }
  });
});
