/**
 * The worker process is SIGKILLed halfway through a 100,000-receiver broadcast and started again:
 * the broadcast completes; no receiver whose answer was recorded is sent twice, none is missed,
 * and the receivers of the requests in flight at the kill are reported as uncertain (at most the
 * chunks one worker runs at once), never silently sent again. The fake API answers after 1 s,
 * so requests are always in flight when the kill lands.
 */
import type { ChildApp } from '../support/child-app';
import {
  command,
  reportOf,
  startFakeApi,
  startQueueApp,
  waitForStatus,
} from '../support/queue-processes';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';

jest.setTimeout(180_000);

const RECEIVERS = 100_000;
const CONCURRENCY = 30;

describe('a queued broadcast survives SIGKILL of its worker', () => {
  let redis: RedisTestServer;
  let api: ChildApp;
  let apiUrl: string;
  const children: ChildApp[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    const fake = await startFakeApi(1000);
    api = fake.child;
    apiUrl = fake.ready;
  });

  afterAll(async () => {
    for (const child of [...children, api]) child?.kill();
    await Promise.all([...children, api].filter(Boolean).map((child) => child.exited));
    await redis?.stop();
  });

  it('completes after a restart: 0 sent twice, 0 missed, uncertain ≤ the chunks in flight, and reported', async () => {
    const env = {
      REDIS_PORT: String(redis.port),
      VIBER_API_URL: apiUrl,
      QUEUE_PREFIX: '{crash}',
      RATE_LIMIT: '100/1000',
      TIMEOUT_MS: '3000',
      START_SLACK_MS: '200',
      CONCURRENCY: String(CONCURRENCY),
      LOCK_MS: '2000',
      STALLED_MS: '1000',
    };
    const first = (await startQueueApp(env)).child;
    children.push(first);
    expect(await command(first, `broadcast crash u ${RECEIVERS}`, 'started')).toBe('crash true');

    // Halfway through (by requests that reached the API), kill the worker without warning.
    const half = Math.ceil(RECEIVERS / 300 / 2);
    for (;;) {
      const { broadcastRequests } = await reportOf(api, 1000, []);
      if (broadcastRequests >= half) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.child.kill('SIGKILL');
    await first.exited;

    const second = (await startQueueApp(env)).child;
    children.push(second);
    const status = await waitForStatus(second, 'crash', (s) => s.state === 'completed', 150_000);
    expect(status.failed).toBe(0);
    expect(status.sent + status.uncertain).toBe(RECEIVERS);
    // Requests were in flight at the kill: their receivers are uncertain, no more.
    expect(status.uncertain).toBeGreaterThan(0);
    expect(status.uncertain).toBeLessThanOrEqual(CONCURRENCY * 300);

    const uncertain = JSON.parse(await command(second, 'uncertain crash', 'uncertain')) as string[];
    expect(uncertain).toHaveLength(status.uncertain);
    expect(new Set(uncertain).size).toBe(uncertain.length);

    const report = await reportOf(api, 1000, [['u', RECEIVERS]]);
    // Nobody received the message twice.
    expect(report.duplicates).toEqual([]);
    // Nobody is missed: whoever never reached the API is among the reported uncertain ones.
    const reported = new Set(uncertain);
    expect(report.missing.filter((id) => !reported.has(id))).toEqual([]);
    expect(report.largestList).toBeLessThanOrEqual(300);
  });
});
