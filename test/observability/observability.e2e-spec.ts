/**
 * Health, metrics and traces over real HTTP: a Nest app with the real Terminus (HealthCheckService
 * behind /health/*), a real prom-client registry behind /metrics and the OpenTelemetry SDK with an
 * in-memory exporter, against the emulator. A scripted run (messages, a duplicate, a bad
 * signature, a handler error, a failing send) leaves exact counts; readiness turns down when the
 * emulator's webhook is not the configured URL.
 */
import { Controller, Get, Header, Injectable, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import {
  OnConversationStarted,
  OnText,
  ViberClient,
  ViberHealthIndicator,
  ViberModule,
  getViberClientToken,
} from 'nestjs-viber';
import { ViberEmulator } from 'nestjs-viber/testing';
import { Registry } from 'prom-client';
import {
  parentOf,
  seriesOf,
  startInMemoryTracing,
  type InMemoryTracing,
} from '../support/in-memory-tracing';
import { RecordingApiServer } from '../support/recording-api.server';
import { freePort, postSigned, startApp, waitFor } from '../support/viber-test-app';

@Injectable()
class Handlers {
  constructor(private readonly client: ViberClient) {}

  @OnConversationStarted()
  welcome(): string {
    return 'Welcome!';
  }

  @OnText('hi')
  hi(): string {
    return 'hello';
  }

  @OnText('boom')
  boom(): void {
    throw new Error('the handler failed');
  }

  @OnText('tell nobody')
  async tellNobody(): Promise<void> {
    await this.client.sendMessage('nobody', 'psst'); // no such user: status 5
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly viber: ViberHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.viber.checkLiveness('viber')]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    // The emulator's webhook changes during the test: no reuse of Viber's answer here.
    return this.health.check([() => this.viber.checkReadiness('viber', { accountCacheMs: 0 })]);
  }
}

const registry = new Registry();

@Controller('metrics')
class MetricsController {
  @Get()
  @Header('Content-Type', registry.contentType)
  metrics(): Promise<string> {
    return registry.metrics();
  }
}

describe('health, metrics and traces with the emulator', () => {
  let tracing: InMemoryTracing;
  let emulator: ViberEmulator;
  let app: INestApplication;
  let base: string;
  let webhookUrl: string;

  beforeAll(async () => {
    tracing = startInMemoryTracing();
    emulator = await ViberEmulator.start({ retrySchedule: [], deliveryReceipts: false });
    const port = await freePort();
    webhookUrl = `http://127.0.0.1:${port}/viber/webhook`;
    ({ app } = await startApp(
      'express',
      {
        imports: [
          TerminusModule.forRoot({ logger: false }),
          ViberModule.forRoot({
            token: emulator.token,
            apiUrl: emulator.url,
            sender: { name: 'Observed Bot' },
            webhook: { url: webhookUrl, eventTypes: ['conversation_started'] },
            metrics: { registry },
            tracing: { tracerProvider: tracing.provider },
          }),
        ],
        controllers: [HealthController, MetricsController],
        providers: [Handlers],
      },
      { port },
    ));
    base = `http://127.0.0.1:${port}`;
    await waitFor(() => emulator.webhook?.url === webhookUrl);
    await emulator.settled();
  });

  afterAll(async () => {
    await app?.close();
    await emulator?.close();
    await tracing?.stop();
  });

  it('a scripted run leaves exact counts, and no user id, token or text in any label', async () => {
    tracing.reset();
    const alice = emulator.user({ id: 'alice-id', name: 'Alice' });
    expect((await alice.openConversation())?.message).toMatchObject({ text: 'Welcome!' });
    expect((await alice.send('hi')).map((m) => m.text)).toEqual(['hello']);

    // A callback Viber sends twice: handled once.
    const again = emulator.callbacks.message('alice-id', 'hi');
    const url = `${webhookUrl}`;
    expect((await postSigned(url, again.body, emulator.token)).status).toBe(200);
    expect((await postSigned(url, again.body, emulator.token)).status).toBe(200);
    // A forged one.
    const forged = await postSigned(url, again.body, emulator.token, { signature: 'f'.repeat(64) });
    expect(forged.status).toBe(403);
    // A handler that throws, and one whose send fails (answered 200: errorStatus's default).
    await alice.send('boom');
    await alice.send('tell nobody');
    await emulator.settled();
    await waitFor(() => emulator.botMessages.length === 3);

    expect(await seriesOf(registry, 'viber_callbacks_total')).toEqual({
      // No handler and not recorded: answered without the dispatch.
      'bot=default,event=webhook,outcome=ignored': 1,
      'bot=default,event=conversation_started,outcome=handled': 1,
      'bot=default,event=message,outcome=handled': 2,
      'bot=default,event=message,outcome=duplicate': 1,
      'bot=default,event=message,outcome=error': 2,
      'bot=default,event=unknown,outcome=rejected_signature': 1,
    });
    expect(await seriesOf(registry, 'viber_callback_duration_seconds')).toEqual({
      'bot=default,event=conversation_started': 1,
      'bot=default,event=message': 4,
    });
    expect(await seriesOf(registry, 'viber_handler_duration_seconds')).toEqual({
      'bot=default,handler=Handlers.welcome,outcome=ok': 1,
      'bot=default,handler=Handlers.hi,outcome=ok': 2,
      'bot=default,handler=Handlers.boom,outcome=error': 1,
      'bot=default,handler=Handlers.tellNobody,outcome=error': 1,
    });
    expect(await seriesOf(registry, 'viber_api_requests_total')).toEqual({
      'bot=default,endpoint=set_webhook,status=ok': 1,
      'bot=default,endpoint=send_message,status=ok': 2,
      'bot=default,endpoint=send_message,status=receiverNotRegistered': 1,
    });
    expect(await seriesOf(registry, 'viber_api_request_duration_seconds')).toEqual({
      'bot=default,endpoint=set_webhook': 1,
      'bot=default,endpoint=send_message': 3,
    });
    expect(await seriesOf(registry, 'viber_api_retries_total')).toEqual({});
    expect(await seriesOf(registry, 'viber_callback_deadline_exceeded_total')).toEqual({});
    expect(await seriesOf(registry, 'viber_callbacks_in_flight')).toEqual({ 'bot=default': 0 });

    // What Prometheus scrapes: the same figures, and nothing that identifies a user.
    const scraped = await fetch(`${base}/metrics`);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const text = await scraped.text();
    expect(text).toContain(
      'viber_callbacks_total{bot="default",event="message",outcome="duplicate"} 1',
    );
    for (const secret of ['alice-id', 'Alice', emulator.token, 'psst', 'hello', 'nobody']) {
      expect(text).not.toContain(secret);
    }
  });

  it('spans: webhook → handler → send_message in one trace', async () => {
    tracing.reset();
    const bob = emulator.user({ id: 'bob-id', name: 'Bob' });
    await bob.send('hi');
    await emulator.settled();
    const spans = tracing.spans();
    const callback = spans.find((s) => s.name === 'viber.callback')!;
    expect(callback.attributes).toEqual({
      'viber.bot': 'default',
      'viber.event': 'message',
      'viber.message_token': expect.stringMatching(/^\d+$/),
      'viber.outcome': 'handled',
      'viber.duplicate': false,
    });
    expect(callback.kind).toBe(1); // server: nothing above it here
    const handler = spans.find((s) => s.name === 'viber.handler')!;
    const send = spans.find((s) => s.name === 'viber.api send_message')!;
    expect(handler.attributes).toMatchObject({ 'viber.handler': 'Handlers.hi' });
    expect(parentOf(handler)).toBe(callback.spanContext().spanId);
    expect(parentOf(send)).toBe(handler.spanContext().spanId);
    expect(send.attributes).toMatchObject({ 'viber.status': 'ok', 'viber.attempt': 1 });
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(
      new Set([callback.spanContext().traceId]),
    );
  });

  it('broadcast receivers are counted by result, and its requests waited for the rate limiter', async () => {
    emulator.user({ id: 'carol-id', subscribed: true });
    const client = app.get(ViberClient);
    const result = await client.broadcast(['carol-id', 'ghost-1', 'ghost-2'], 'news');
    expect(result.sent).toBe(1);
    expect(result.failed_list).toHaveLength(2);
    expect(await seriesOf(registry, 'viber_broadcast_receivers_total')).toEqual({
      'bot=default,result=sent': 1,
      'bot=default,result=failed': 2,
    });
    expect(await seriesOf(registry, 'viber_rate_limit_wait_seconds')).toEqual({
      'bot=default,endpoint=broadcast_message': 1,
    });
  });

  it('liveness is up without asking Viber; readiness asks Viber and turns down when the webhook moved', async () => {
    const asked = () =>
      emulator.requests.filter((request) => request.endpoint === 'get_account_info').length;
    const before = asked();
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({
      status: 'ok',
      info: { viber: { status: 'up', bots: { default: { status: 'up' } } } },
    });
    expect(asked()).toBe(before);

    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: {
        viber: {
          status: 'up',
          bots: {
            default: {
              status: 'up',
              account: { status: 'up' },
              webhook: { status: 'up' },
              eventTypes: { status: 'up' },
              dedupeStore: { status: 'up', message: 'in memory' },
              subscriberStore: { status: 'up', message: 'in memory' },
            },
          },
        },
      },
    });
    expect(asked()).toBe(before + 1);

    // Someone registered another URL for this bot (another deployment, a script).
    emulator.setWebhook({
      url: 'https://elsewhere.example.com/viber/webhook',
      eventTypes: ['conversation_started'],
    });
    const down = await fetch(`${base}/health/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      status: 'error',
      error: {
        viber: {
          status: 'down',
          bots: {
            default: {
              status: 'down',
              account: { status: 'up' },
              webhook: { status: 'down', message: 'the registered webhook URL is not webhook.url' },
            },
          },
        },
      },
    });
    // The events differ too.
    emulator.setWebhook({ url: webhookUrl, eventTypes: ['delivered', 'conversation_started'] });
    const events = await fetch(`${base}/health/ready`);
    expect(events.status).toBe(503);
    expect(((await events.json()) as { error: unknown }).error).toMatchObject({
      viber: {
        bots: {
          default: {
            webhook: { status: 'up' },
            eventTypes: { status: 'down', missing: [], unexpected: ['delivered'] },
          },
        },
      },
    });
    emulator.setWebhook({ url: webhookUrl, eventTypes: ['conversation_started'] });
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
  });
});

describe('retries in the metrics', () => {
  it('counts each attempt with its status and each retry', async () => {
    const api = await RecordingApiServer.start();
    let calls = 0;
    api.respondWith((request) =>
      request.endpoint === 'send_message' && ++calls === 1
        ? { body: { status: 12, status_message: 'tooManyRequests' } }
        : {
            body: '{"status":0,"status_message":"ok","message_token":5491057495223473139}',
          },
    );
    const own = new Registry();
    const { app } = await startApp('express', {
      imports: [
        ViberModule.forRoot({
          token: '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9',
          apiUrl: api.url,
          sender: { name: 'Bot' },
          name: 'retrying',
          webhook: { path: '/retrying' },
          retry: { baseDelayMs: 10 },
          metrics: { registry: own },
        }),
      ],
    });
    try {
      const client = app.get<ViberClient>(getViberClientToken('retrying'));
      await client.sendMessage('someone', 'hi');
      expect(await seriesOf(own, 'viber_api_requests_total')).toEqual({
        'bot=retrying,endpoint=send_message,status=tooManyRequests': 1,
        'bot=retrying,endpoint=send_message,status=ok': 1,
      });
      expect(await seriesOf(own, 'viber_api_retries_total')).toEqual({
        'bot=retrying,endpoint=send_message': 1,
      });
    } finally {
      await app.close();
      await api.close();
    }
  });
});
