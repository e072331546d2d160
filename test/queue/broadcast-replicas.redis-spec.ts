/**
 * Three bot replicas (processes) on one Redis each start a 100,000-receiver broadcast at the same
 * moment, against a fake Viber API in its own process. The shared limit is scaled down to 100
 * requests per second (Viber's is 500 per 10 s; the invariant is the same) with a 500 ms request
 * timeout, so the test stays short. Every replica also has `webhook.url`: one set_webhook in all.
 */
import type { ChildApp } from '../support/child-app';
import {
  command,
  reportOf,
  startFakeApi,
  startQueueApp,
  statusOf,
  waitForStatus,
} from '../support/queue-processes';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';

jest.setTimeout(180_000);

const RECEIVERS = 100_000;
const LIMIT = 100;
const INTERVAL_MS = 1000;

describe('queued broadcasts from three replicas under one rate limit', () => {
  let redis: RedisTestServer;
  let api: ChildApp;
  const replicas: ChildApp[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    const fake = await startFakeApi(5);
    api = fake.child;
    const env = {
      REDIS_PORT: String(redis.port),
      VIBER_API_URL: fake.ready,
      QUEUE_PREFIX: '{replicas}',
      RATE_LIMIT: `${LIMIT}/${INTERVAL_MS}`,
      TIMEOUT_MS: '500',
      START_SLACK_MS: '100',
      WEBHOOK_URL: 'https://bot.example.com/viber/webhook',
    };
    for (const started of await Promise.all([0, 1, 2].map(() => startQueueApp(env)))) {
      replicas.push(started.child);
    }
  });

  afterAll(async () => {
    for (const child of [...replicas, api]) child?.kill();
    await Promise.all([...replicas, api].filter(Boolean).map((child) => child.exited));
    await redis?.stop();
  });

  it('no sliding window holds more than the limit by arrival, no request over 300, every receiver once, readable from any replica', async () => {
    const ids = ['r0', 'r1', 'r2'];
    const answers = await Promise.all(
      replicas.map((child, i) =>
        command(child, `broadcast ${ids[i]} p${i}- ${RECEIVERS}`, 'started'),
      ),
    );
    expect(answers).toEqual(['r0 true', 'r1 true', 'r2 true']);

    // Each broadcast completes; replica 2 reads the progress of the one replica 0 started.
    for (const id of ids) {
      const status = await waitForStatus(replicas[2]!, id, (s) => s.state === 'completed', 150_000);
      expect(status).toMatchObject({
        total: RECEIVERS,
        sent: RECEIVERS,
        failed: 0,
        uncertain: 0,
        pending: 0,
        planned: true,
      });
    }
    expect(await statusOf(replicas[0]!, 'r2')).toMatchObject({
      state: 'completed',
      sent: RECEIVERS,
    });

    const report = await reportOf(api, INTERVAL_MS, [
      ['p0-', RECEIVERS],
      ['p1-', RECEIVERS],
      ['p2-', RECEIVERS],
    ]);
    expect(report.broadcastRequests).toBe(3 * Math.ceil(RECEIVERS / 300));
    expect(report.busiest).toBeLessThanOrEqual(LIMIT);
    expect(report.largestList).toBeLessThanOrEqual(300);
    expect(report.named).toBe(3 * RECEIVERS);
    expect(report.duplicates).toEqual([]);
    expect(report.missing).toEqual([]);
    // Three replicas booted with the same webhook.url: one set_webhook.
    expect(report.setWebhooks).toBe(1);
  });

  it('starting a broadcast again with its id adds nothing', async () => {
    expect(await command(replicas[1]!, `broadcast r0 p0- ${RECEIVERS}`, 'started')).toBe(
      'r0 false',
    );
    const before = (await reportOf(api, INTERVAL_MS, [])).broadcastRequests;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await reportOf(api, INTERVAL_MS, [])).broadcastRequests).toBe(before);
  });
});
