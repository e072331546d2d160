/**
 * Dedupe shared through a real Redis by two app instances (one Express, one Fastify): a callback
 * delivered to both is handled once. The test starts its own redis-server (CI installs it).
 */
import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import {
  Event,
  OnMessage,
  RedisDedupeStore,
  ViberModule,
  type ViberCallback,
  type ViberDedupeStore,
} from 'nestjs-viber';
import { nextToken, textMessage } from '../support/callbacks';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import {
  TEST_TOKEN,
  postSigned,
  startApp,
  type Platform,
  type RunningApp,
} from '../support/viber-test-app';

jest.setTimeout(60_000);

/** Texts whose first run throws (shared by both instances: they run in this process). */
const failOnce = new Set<string>();

/** Records the `message_token` of every handler run of one app instance. */
@Injectable()
class Runs {
  readonly tokens: string[] = [];

  @OnMessage()
  run(@Event() callback: ViberCallback): void {
    if (callback.event !== 'message') return;
    const text = callback.message.text ?? '';
    this.tokens.push(callback.message_token);
    if (text.startsWith('fail-once') && !failOnce.has(text)) {
      failOnce.add(text);
      throw new Error('handler failed');
    }
  }
}

/** Starts one instance whose dedupe store is `store`; its client never leaves 127.0.0.1. */
function startInstance(platform: Platform, store: ViberDedupeStore): Promise<RunningApp> {
  return startApp(platform, {
    imports: [
      ViberModule.forRoot({
        token: TEST_TOKEN,
        apiUrl: 'http://127.0.0.1:9/pa',
        // A failed handler releases its claim, so Viber's re-delivery is handled again.
        handling: { dedupeStore: store, errorStatus: 503 },
      }),
    ],
    providers: [Runs],
  });
}

/** Runs `task` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

describe('RedisDedupeStore shared by two app instances (express + fastify)', () => {
  let redis: RedisTestServer;
  const clients: Redis[] = [];
  let instances: Array<{ platform: Platform; running: RunningApp; runs: Runs; webhook: string }>;
  let inspector: Redis;

  const totalRuns = (): number => instances.reduce((sum, i) => sum + i.runs.tokens.length, 0);
  const runsOf = (token: string): number =>
    instances.reduce((sum, i) => sum + i.runs.tokens.filter((t) => t === token).length, 0);

  beforeAll(async () => {
    redis = await startRedisServer();
    instances = [];
    for (const platform of ['express', 'fastify'] as const) {
      // Each instance has its own connection, as separate processes would.
      const client = new Redis(redis.port, redis.host, { lazyConnect: true });
      clients.push(client);
      await client.connect();
      const running = await startInstance(platform, new RedisDedupeStore(client));
      instances.push({
        platform,
        running,
        runs: running.app.get(Runs),
        webhook: `${running.url}/viber/webhook`,
      });
    }
    inspector = new Redis(redis.port, redis.host, { lazyConnect: true });
    await inspector.connect();
  });

  afterAll(async () => {
    await Promise.all((instances ?? []).map((i) => i.running.app.close()));
    await Promise.all([...clients, inspector].filter(Boolean).map((c) => c.quit()));
    await redis?.stop();
  });

  beforeEach(() => {
    for (const instance of instances) instance.runs.tokens.length = 0;
  });

  it('handles 1,000 callbacks delivered to both instances concurrently exactly 1,000 times', async () => {
    const callbacks = Array.from({ length: 1000 }, (_, i) => {
      const token = nextToken();
      return { token, body: textMessage(`user-${i % 37}`, `hello ${i}`, token) };
    });
    const statuses: number[] = [];
    // 25 callbacks at a time, each POSTed to both instances at once: 50 requests in flight.
    await pool(callbacks, 25, async ({ body }) => {
      const answers = await Promise.all(
        instances.map((instance) => postSigned(instance.webhook, body, TEST_TOKEN)),
      );
      statuses.push(...answers.map((answer) => answer.status));
    });

    expect(statuses).toHaveLength(2000);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(totalRuns()).toBe(1000);
    const handled = instances.flatMap((i) => i.runs.tokens);
    expect(new Set(handled).size).toBe(1000);
    expect(new Set(handled)).toEqual(new Set(callbacks.map((c) => c.token)));

    // One key per callback in Redis, with the bot's TTL (1 hour by default).
    const keys = await inspector.keys('nestjs-viber:dedupe:default:message:*');
    expect(keys).toHaveLength(1000);
    const pttl = await inspector.pttl(keys[0]!);
    expect(pttl).toBeGreaterThan(59 * 60 * 1000);
    expect(pttl).toBeLessThanOrEqual(60 * 60 * 1000);
  });

  it('does not handle again a callback re-sent later to the other instance', async () => {
    const [first, second] = instances;
    const token = nextToken();
    const body = textMessage('alice', 'once', token);
    expect((await postSigned(first!.webhook, body, TEST_TOKEN)).status).toBe(200);
    expect((await postSigned(second!.webhook, body, TEST_TOKEN)).status).toBe(200);
    expect((await postSigned(first!.webhook, body, TEST_TOKEN)).status).toBe(200);
    expect(runsOf(token)).toBe(1);
  });

  it('lets the other instance handle a re-delivery after a failed run released the claim', async () => {
    const [first, second] = instances;
    const token = nextToken();
    const body = textMessage('bob', `fail-once ${token}`, token);
    expect((await postSigned(first!.webhook, body, TEST_TOKEN)).status).toBe(503);
    expect(await inspector.exists(`nestjs-viber:dedupe:default:message:${token}`)).toBe(0);
    expect((await postSigned(second!.webhook, body, TEST_TOKEN)).status).toBe(200);
    expect((await postSigned(first!.webhook, body, TEST_TOKEN)).status).toBe(200);
    expect(runsOf(token)).toBe(2);
  });
});

describe('RedisDedupeStore when Redis is down', () => {
  // The store rejects (RedisDedupeStoreError, after timeoutMs at the latest); ViberBot fails open:
  // it logs the error and handles the callback, so the webhook never answers 5xx for it.
  it('answers 200 and handles the callback (fails open)', async () => {
    const doomed = await startRedisServer();
    const client = new Redis(doomed.port, doomed.host, {
      lazyConnect: true,
      disconnectTimeout: 50,
    });
    client.on('error', () => undefined);
    let running: RunningApp | undefined;
    try {
      await client.connect();
      running = await startInstance('express', new RedisDedupeStore(client, { timeoutMs: 200 }));
      await doomed.stop();
      const answer = await postSigned(
        `${running.url}/viber/webhook`,
        textMessage('carol', 'redis is down', nextToken()),
        TEST_TOKEN,
      );
      expect({ status: answer.status, runs: running.app.get(Runs).tokens.length }).toEqual({
        status: 200,
        runs: 1,
      });
    } finally {
      await running?.app.close();
      client.disconnect();
      await doomed.stop();
    }
  });
});
