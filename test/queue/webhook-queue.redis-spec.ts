/**
 * The queued webhook on two replicas (processes) sharing one Redis: 2,000 callbacks, each
 * delivered to both replicas as Viber's re-sends may be, are handled 2,000 times, each user's in
 * arrival order. With Redis stopped the webhook answers 503 (never 200 for a callback it did not
 * store); once Redis is back (AOF, as production should run it), every callback re-sent is handled
 * once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildApp } from '../support/child-app';
import { nextToken, textMessage } from '../support/callbacks';
import { startFakeApi, startQueueApp } from '../support/queue-processes';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { TEST_TOKEN, postSigned, waitFor } from '../support/viber-test-app';

jest.setTimeout(180_000);

const USERS = 40;
const PER_USER = 50;

/** One handler run: user, text, and when it ran (wall clock, sub-ms). */
interface Run {
  user: string;
  text: string;
  at: number;
}

/** The handler runs of both replicas, in the order they ran. */
function runsOf(replicas: readonly ChildApp[]): Run[] {
  return replicas
    .flatMap((child) => child.lines.filter((line) => line.startsWith('handled ')))
    .map((line) => {
      const [, user, text, at] = line.split(' ');
      return { user: user!, text: text!, at: Number(at) };
    })
    .sort((a, b) => a.at - b.at);
}

describe('queued webhook on two replicas', () => {
  let redis: RedisTestServer;
  let aofDir: string;
  let api: ChildApp;
  const replicas: ChildApp[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    aofDir = mkdtempSync(join(tmpdir(), 'viber-queue-aof-'));
    redis = await startRedisServer(10_000, { aofDir });
    const fake = await startFakeApi(5);
    api = fake.child;
    const env = {
      REDIS_PORT: String(redis.port),
      VIBER_API_URL: fake.ready,
      QUEUE_PREFIX: '{webhook-queue}',
      WEBHOOK_MODE: 'queue',
      INGEST_TIMEOUT_MS: '500',
    };
    for (const started of await Promise.all([startQueueApp(env), startQueueApp(env)])) {
      replicas.push(started.child);
      urls.push(`http://127.0.0.1:${started.ready}/viber/webhook`);
    }
  });

  afterAll(async () => {
    for (const child of [...replicas, api]) child?.kill();
    await Promise.all([...replicas, api].filter(Boolean).map((child) => child.exited));
    await redis?.stop();
    rmSync(aofDir, { recursive: true, force: true });
  });

  it('2,000 callbacks each delivered to both replicas: 2,000 handler runs, each user in arrival order', async () => {
    await Promise.all(
      Array.from({ length: USERS }, async (_, u) => {
        for (let n = 0; n < PER_USER; n++) {
          const body = textMessage(`user${u}`, String(n), nextToken());
          const answers = await Promise.all(urls.map((url) => postSigned(url, body, TEST_TOKEN)));
          expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
        }
      }),
    );
    await waitFor(() => runsOf(replicas).length >= USERS * PER_USER, 120_000);
    // A moment more: nothing is handled twice, late.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const runs = runsOf(replicas);
    expect(runs).toHaveLength(USERS * PER_USER);
    expect(new Set(runs.map((run) => `${run.user} ${run.text}`)).size).toBe(USERS * PER_USER);
    // Both replicas handled some; each user's callbacks ran in the order they arrived.
    for (const child of replicas)
      expect(child.lines.some((l) => l.startsWith('handled '))).toBe(true);
    for (let u = 0; u < USERS; u++) {
      const texts = runs.filter((run) => run.user === `user${u}`).map((run) => Number(run.text));
      expect(texts).toEqual(Array.from({ length: PER_USER }, (_, n) => n));
    }
  });

  it('Redis down: 503 (never 200); back up: every callback Viber re-sends is handled once', async () => {
    const before = runsOf(replicas).length;
    const port = redis.port;
    await redis.stop();
    const bodies = Array.from({ length: 8 }, (_, i) =>
      textMessage(`late${i % 4}`, `late-${i}`, nextToken()),
    );
    for (const body of bodies) {
      const answers = await Promise.all(urls.map((url) => postSigned(url, body, TEST_TOKEN)));
      expect(answers.map((answer) => answer.status)).toEqual([503, 503]);
    }
    redis = await startRedisServer(10_000, { port, aofDir });
    // Viber re-sends each one (to either replica, here to both) until it gets a 200.
    for (const body of bodies) {
      for (;;) {
        const answers = await Promise.all(urls.map((url) => postSigned(url, body, TEST_TOKEN)));
        if (answers.every((answer) => answer.status === 200)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    await waitFor(() => runsOf(replicas).length >= before + bodies.length, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const late = runsOf(replicas)
      .filter((run) => run.user.startsWith('late'))
      .map((run) => `${run.user} ${run.text}`);
    expect(late.sort()).toEqual(bodies.map((_, i) => `late${i % 4} late-${i}`).sort());
    expect(runsOf(replicas)).toHaveLength(before + bodies.length);
  });
});
