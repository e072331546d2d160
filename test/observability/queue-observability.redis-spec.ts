/**
 * Observability of the queue, on a real redis-server with real BullMQ, a real prom-client registry
 * and the OpenTelemetry SDK with an in-memory exporter: the queued webhook counts `queued` and its
 * worker's span continues the webhook span's trace (W3C traceparent in the job, only with
 * tracing on); queued broadcast chunks count their receivers as the in-process broadcast does,
 * and their request spans are children of the span that started the broadcast (its trace context
 * stored with the broadcast, only with tracing on);
 * the queue's figures reach readiness and the `viber_queue_*` gauges; with Redis stopped,
 * readiness is down and a callback that could not be queued counts as `unavailable`.
 */
import { Controller, Get, Injectable } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import {
  OnText,
  ViberBroadcasts,
  ViberHealthIndicator,
  ViberModule,
  getViberQueueNames,
  type ViberBroadcastStatus,
  type ViberModuleOptions,
} from 'nestjs-viber';
import { Registry } from 'prom-client';
import { nextToken, textMessage } from '../support/callbacks';
import {
  parentOf,
  seriesOf,
  startInMemoryTracing,
  type InMemoryTracing,
} from '../support/in-memory-tracing';
import { RecordingApiServer } from '../support/recording-api.server';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import {
  TEST_TOKEN,
  postSigned,
  startApp,
  waitFor,
  type RunningApp,
} from '../support/viber-test-app';

jest.setTimeout(60_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class Handlers {
  @OnText('hi')
  hi(): string {
    return 'hello';
  }

  @OnText('boom')
  boom(): void {
    throw new Error('the handler failed');
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly viber: ViberHealthIndicator,
  ) {}

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.viber.checkReadiness('viber', { account: false, timeoutMs: 500 }),
    ]);
  }
}

/** The callback spans, the webhook's (outcome `queued`) and the workers' (`viber.queued`). */
function callbackSpans(tracing: InMemoryTracing): {
  webhook: ReadableSpan[];
  worker: ReadableSpan[];
} {
  const spans = tracing.spans().filter((span) => span.name === 'viber.callback');
  return {
    webhook: spans.filter((span) => span.attributes['viber.queued'] === undefined),
    worker: spans.filter((span) => span.attributes['viber.queued'] === true),
  };
}

describe('queue observability', () => {
  let redis: RedisTestServer;
  let api: RecordingApiServer;
  let tracing: InMemoryTracing;
  let running: RunningApp;
  const registry = new Registry();
  const others: RunningApp[] = [];

  function queueOptions(
    prefix: string,
    workers: boolean,
  ): NonNullable<ViberModuleOptions['queue']> {
    return {
      connection: { host: '127.0.0.1', port: redis.port },
      prefix,
      workers,
      broadcast: { concurrency: 2, startSlackMs: 200, requestTimeoutMs: 500 },
      webhook: { partitions: 2, attempts: 1, ingestTimeoutMs: 500 },
    };
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    api = await RecordingApiServer.start();
    tracing = startInMemoryTracing();
    running = await startApp('express', {
      imports: [
        TerminusModule.forRoot({ logger: false }),
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          sender: { name: 'Bot' },
          timeout: 500,
          webhook: { mode: 'queue' },
          handling: { shutdownTimeoutMs: 2000 },
          rateLimits: { broadcast_message: { limit: 100, intervalMs: 1000 } },
          queue: queueOptions('{observed}', true),
          metrics: { registry },
          tracing: { tracerProvider: tracing.provider },
        }),
      ],
      controllers: [HealthController],
      providers: [Handlers],
    });
  });

  afterAll(async () => {
    for (const other of others) await other.app.close();
    await running?.app.close();
    await tracing?.stop();
    await api?.close();
    await redis?.stop();
  });

  it('queued callbacks count as queued; each worker span continues its webhook span', async () => {
    const webhook = `${running.url}/viber/webhook`;
    for (const [user, text] of [
      ['u1', 'hi'],
      ['u2', 'hi'],
      ['u1', 'hi'],
    ] as const) {
      expect(
        (await postSigned(webhook, textMessage(user, text, nextToken()), TEST_TOKEN)).status,
      ).toBe(200);
    }
    await waitFor(() => api.to('send_message').length === 3, 20_000);
    await waitFor(() => callbackSpans(tracing).worker.length === 3, 10_000);

    expect(await seriesOf(registry, 'viber_callbacks_total')).toEqual({
      'bot=default,event=message,outcome=queued': 3,
    });
    // The workers' runs: their duration and their handlers (not a second count of the callback).
    expect(await seriesOf(registry, 'viber_callback_duration_seconds')).toEqual({
      'bot=default,event=message': 3,
    });
    expect(await seriesOf(registry, 'viber_handler_duration_seconds')).toEqual({
      'bot=default,handler=Handlers.hi,outcome=ok': 3,
    });
    expect(await seriesOf(registry, 'viber_api_requests_total')).toEqual({
      'bot=default,endpoint=send_message,status=ok': 3,
    });

    const { webhook: stored, worker } = callbackSpans(tracing);
    expect(stored).toHaveLength(3);
    expect(stored.map((span) => span.attributes['viber.outcome'])).toEqual([
      'queued',
      'queued',
      'queued',
    ]);
    const spans = tracing.spans();
    for (const run of worker) {
      expect(run.kind).toBe(4); // SpanKind.CONSUMER
      expect(run.attributes['viber.outcome']).toBe('handled');
      const origin = stored.find((span) => span.spanContext().spanId === parentOf(run));
      expect(origin).toBeDefined();
      expect(run.spanContext().traceId).toBe(origin!.spanContext().traceId);
      expect(run.attributes['viber.message_token']).toBe(origin!.attributes['viber.message_token']);
      // Under the worker's span: the handler, and under it the reply's send_message.
      const handler = spans.find(
        (span) => span.name === 'viber.handler' && parentOf(span) === run.spanContext().spanId,
      );
      expect(handler?.attributes['viber.handler']).toBe('Handlers.hi');
      expect(
        spans.filter(
          (span) =>
            span.name === 'viber.api send_message' &&
            parentOf(span) === handler!.spanContext().spanId,
        ),
      ).toHaveLength(1);
    }
    // Three traces, one per callback.
    expect(new Set(worker.map((span) => span.spanContext().traceId)).size).toBe(3);
  });

  it('the trace context rides in the job only when tracing is on', async () => {
    for (const [prefix, traced] of [
      ['{producer-traced}', true],
      ['{producer-plain}', false],
    ] as const) {
      const producer = await startApp('express', {
        imports: [
          ViberModule.forRoot({
            token: TEST_TOKEN,
            apiUrl: api.url,
            webhook: { mode: 'queue' },
            queue: { ...queueOptions(prefix, false), webhook: { partitions: 1 } },
            ...(traced ? { tracing: { tracerProvider: tracing.provider } } : {}),
          }),
        ],
        providers: [Handlers],
      });
      others.push(producer);
      tracing.reset();
      const token = nextToken();
      const answer = await postSigned(
        `${producer.url}/viber/webhook`,
        textMessage('u9', 'hi', token),
        TEST_TOKEN,
      );
      expect(answer.status).toBe(200);
      const queue = new Queue(getViberQueueNames('default', 1).webhook[0]!, {
        connection: { host: '127.0.0.1', port: redis.port },
        prefix,
      });
      try {
        const [job] = await queue.getWaiting();
        const data = job!.data as { raw: string; trace?: Record<string, string> };
        expect(JSON.parse(data.raw)).toMatchObject({ message_token: Number(token) });
        if (traced) {
          const [span] = callbackSpans(tracing).webhook;
          const { traceId, spanId } = span!.spanContext();
          expect(data.trace).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
        } else {
          expect('trace' in data).toBe(false);
        }
      } finally {
        await queue.close();
      }
    }
  });

  it('queued broadcast chunks count their receivers: sent, failed, uncertain', async () => {
    const broadcasts = running.app.get(ViberBroadcasts);
    api.respondWith(async (request) => {
      const text = (request.body as { text?: string } | undefined)?.text;
      if (request.endpoint === 'broadcast_message' && text === 'no answer') return 'hang';
      if (request.endpoint === 'broadcast_message') {
        const list = (request.body as { broadcast_list: string[] }).broadcast_list;
        // Viber refuses one receiver of the first chunk (status 6: not subscribed).
        const failed = list.includes('b0')
          ? [{ receiver: 'b0', status: 6, status_message: 'notSubscribed' }]
          : [];
        return { body: { status: 0, status_message: 'ok', message_token: 1, failed_list: failed } };
      }
      return { body: { status: 0, status_message: 'ok', message_token: 2 } };
    });
    const until = async (
      id: string,
      done: (status: ViberBroadcastStatus) => boolean,
    ): Promise<ViberBroadcastStatus> => {
      for (const deadline = Date.now() + 30_000; ;) {
        const status = await broadcasts.get(id);
        if (status && done(status)) return status;
        if (Date.now() > deadline) throw new Error(`not there: ${JSON.stringify(status)}`);
        await sleep(50);
      }
    };
    const receivers = Array.from({ length: 301 }, (_, i) => `b${i}`);
    await broadcasts.start(receivers, 'news', { id: 'metrics-news' });
    const news = await until('metrics-news', (status) => status.state === 'completed');
    expect(news).toMatchObject({ sent: 300, failed: 1, uncertain: 0 });

    await broadcasts.start(
      Array.from({ length: 10 }, (_, i) => `q${i}`),
      'no answer',
      { id: 'metrics-uncertain' },
    );
    const silent = await until('metrics-uncertain', (status) => status.state === 'completed');
    expect(silent).toMatchObject({ sent: 0, failed: 0, uncertain: 10 });

    expect(await seriesOf(registry, 'viber_broadcast_receivers_total')).toEqual({
      'bot=default,result=sent': 300,
      'bot=default,result=failed': 1,
      'bot=default,result=uncertain': 10,
    });
    // The workers' requests: one probe each, under the bot's labels.
    expect(await seriesOf(registry, 'viber_api_requests_total')).toMatchObject({
      'bot=default,endpoint=broadcast_message,status=ok': 2,
      'bot=default,endpoint=broadcast_message,status=timeout': 1,
    });
    api.reset();
  });

  it("a broadcast's chunk requests continue the trace of the span that started it", async () => {
    const broadcasts = running.app.get(ViberBroadcasts);
    tracing.reset();
    const tracer = tracing.provider.getTracer('test');
    const caller = await tracer.startActiveSpan('caller', async (span) => {
      try {
        await broadcasts.start(
          Array.from({ length: 301 }, (_, i) => `t${i}`),
          'traced news',
          { id: 'traced-news' },
        );
        await broadcasts.send('t-one', 'traced send', { id: 'traced-send' });
        return span.spanContext();
      } finally {
        span.end();
      }
    });
    for (const id of ['traced-news', 'traced-send']) {
      for (const deadline = Date.now() + 20_000; ; await sleep(50)) {
        if ((await broadcasts.get(id))?.state === 'completed') break;
        if (Date.now() > deadline) throw new Error(`${id} did not complete`);
      }
    }
    const requests = tracing
      .spans()
      .filter((span) => /^viber\.api (broadcast_message|send_message)$/.test(span.name));
    expect(requests.map((span) => span.name).sort()).toEqual([
      'viber.api broadcast_message',
      'viber.api broadcast_message',
      'viber.api send_message',
    ]);
    for (const request of requests) {
      expect(request.spanContext().traceId).toBe(caller.traceId);
      expect(parentOf(request)).toBe(caller.spanId);
    }
    // Stored with the broadcast's definition (so a chunk of any replica, re-queued or not, has it).
    const redisClient = new Redis(redis.port, '127.0.0.1');
    try {
      expect(
        JSON.parse((await redisClient.hget('{observed}:viber-default:b:traced-news', 'trace'))!),
      ).toEqual({ traceparent: `00-${caller.traceId}-${caller.spanId}-01` });
    } finally {
      redisClient.disconnect();
    }
    api.reset();
  });

  it('without tracing, a broadcast started inside a span stores no trace', async () => {
    const plain = await startApp('express', {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          sender: { name: 'Bot' },
          queue: queueOptions('{broadcast-plain}', false),
        }),
      ],
    });
    others.push(plain);
    const broadcasts = plain.app.get(ViberBroadcasts);
    await tracing.provider.getTracer('test').startActiveSpan('caller', async (span) => {
      try {
        await broadcasts.start(['p1', 'p2'], 'plain news', { id: 'plain-news' });
      } finally {
        span.end();
      }
    });
    const redisClient = new Redis(redis.port, '127.0.0.1');
    try {
      const record = await redisClient.hgetall('{broadcast-plain}:viber-default:b:plain-news');
      expect(record.id).toBe('plain-news');
      expect('trace' in record).toBe(false);
    } finally {
      redisClient.disconnect();
    }
  });

  it('readiness and the gauges report the queues: a failed callback stays in its partition', async () => {
    const webhook = `${running.url}/viber/webhook`;
    expect(
      (await postSigned(webhook, textMessage('u3', 'boom', nextToken()), TEST_TOKEN)).status,
    ).toBe(200);
    const failedJobs = async (): Promise<number> => {
      const series = await seriesOf(registry, 'viber_queue_jobs');
      return Object.entries(series)
        .filter(([labels]) => labels.includes('state=failed'))
        .reduce((sum, [, value]) => sum + value, 0);
    };
    for (const deadline = Date.now() + 20_000; (await failedJobs()) < 1; await sleep(100)) {
      if (Date.now() > deadline) throw new Error('the failed callback never reached the gauges');
    }
    const series = await seriesOf(registry, 'viber_queue_jobs');
    expect(Object.keys(series).sort()).toEqual(
      ['outgoing', 'webhook-0', 'webhook-1']
        .flatMap((queue) =>
          ['active', 'delayed', 'failed', 'waiting'].map(
            (state) => `bot=default,queue=${queue},state=${state}`,
          ),
        )
        .sort(),
    );
    expect(await seriesOf(registry, 'viber_queue_paused')).toMatchObject({
      'bot=default,queue=outgoing,reason=manual': 0,
    });

    const ready = await fetch(`${running.url}/health/ready`);
    expect(ready.status).toBe(200);
    const health = (await ready.json()) as {
      info: {
        viber: {
          bots: {
            default: {
              queue: {
                status: string;
                queues: Array<{ queue: string; waiting: number; failed: number }>;
              };
            };
          };
        };
      };
    };
    const queue = health.info.viber.bots.default.queue;
    expect(queue.status).toBe('up');
    expect(queue.queues.map((each) => each.queue)).toEqual(['outgoing', 'webhook-0', 'webhook-1']);
    expect(queue.queues.reduce((sum, each) => sum + each.failed, 0)).toBe(1);
    expect(queue.queues.every((each) => each.waiting === 0)).toBe(true);
  });
});

// Its own app and Redis: the figures start from zero.
describe('queue observability with Redis stopped', () => {
  let redis: RedisTestServer;
  let api: RecordingApiServer;
  let tracing: InMemoryTracing;
  let running: RunningApp;
  const registry = new Registry();

  beforeAll(async () => {
    redis = await startRedisServer();
    api = await RecordingApiServer.start();
    tracing = startInMemoryTracing();
    running = await startApp('express', {
      imports: [
        TerminusModule.forRoot({ logger: false }),
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          webhook: { mode: 'queue' },
          handling: { shutdownTimeoutMs: 2000 },
          queue: {
            connection: { host: '127.0.0.1', port: redis.port },
            prefix: '{observed-down}',
            webhook: { partitions: 2, ingestTimeoutMs: 500 },
          },
          metrics: { registry },
          tracing: { tracerProvider: tracing.provider },
        }),
      ],
      controllers: [HealthController],
      providers: [Handlers],
    });
  });

  afterAll(async () => {
    await running?.app.close();
    await tracing?.stop();
    await api?.close();
    await redis?.stop();
  });

  it('Redis stopped: readiness down on the queue, a callback not queued counts as unavailable; back up: ready again', async () => {
    const port = redis.port;
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
    await redis.stop();
    try {
      const down = await fetch(`${running.url}/health/ready`);
      expect(down.status).toBe(503);
      expect(
        ((await down.json()) as { error: { viber: { bots: { default: { queue: unknown } } } } })
          .error.viber.bots.default.queue,
      ).toEqual({ status: 'down', message: 'queue: no answer within 500 ms' });

      const answer = await postSigned(
        `${running.url}/viber/webhook`,
        textMessage('u4', 'hi', nextToken()),
        TEST_TOKEN,
      );
      expect(answer.status).toBe(503);
      expect(await seriesOf(registry, 'viber_callbacks_total')).toEqual({
        'bot=default,event=unknown,outcome=unavailable': 1,
      });
      // The webhook span of that callback ends failed, outcome unavailable.
      const refused = callbackSpans(tracing).webhook.find(
        (span) => span.attributes['viber.outcome'] === 'unavailable',
      );
      expect(refused?.status.code).toBe(2); // SpanStatusCode.ERROR
    } finally {
      // Back, so that the apps close cleanly.
      redis = await startRedisServer(10_000, { port });
    }
    // Back up: ready again once BullMQ reconnected (before the app closes).
    for (const deadline = Date.now() + 40_000; ; await sleep(200)) {
      if ((await fetch(`${running.url}/health/ready`)).status === 200) break;
      if (Date.now() > deadline) throw new Error('not ready again after Redis came back');
    }
  });
});
