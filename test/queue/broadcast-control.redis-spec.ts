/**
 * Queued broadcasts, controlled: pause and resume, cancel, a subscriber filter planned page by
 * page, a queued send, uncertain chunks and retryUncertain, a status no request survives, paged
 * failures. One app in this process, a real redis-server, the recording API.
 */
import Redis from 'ioredis';
import {
  ViberBroadcasts,
  ViberModule,
  ViberSubscribers,
  ViberUsageError,
  type ViberBroadcastStatus,
} from 'nestjs-viber';
import { RecordingApiServer, type RecordedRequest } from '../support/recording-api.server';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { TEST_TOKEN, startApp, waitFor, type RunningApp } from '../support/viber-test-app';

jest.setTimeout(60_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const listOf = (request: RecordedRequest): string[] =>
  (request.body as { broadcast_list?: string[] }).broadcast_list ?? [];
const users = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('queued broadcasts: control and accounting', () => {
  let redis: RedisTestServer;
  let api: RecordingApiServer;
  let running: RunningApp;
  let broadcasts: ViberBroadcasts;

  /** Waits until `get(id)` satisfies `done`. */
  async function until(
    id: string,
    done: (status: ViberBroadcastStatus) => boolean,
  ): Promise<ViberBroadcastStatus> {
    let last: ViberBroadcastStatus | undefined;
    const deadline = Date.now() + 40_000;
    for (;;) {
      last = await broadcasts.get(id);
      if (last && done(last)) return last;
      if (Date.now() > deadline) throw new Error(`not there: ${JSON.stringify(last)}`);
      await sleep(50);
    }
  }

  /** How many times each receiver was named in requests of broadcast text `text`. */
  function namedBy(text: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const request of api.to('broadcast_message')) {
      if ((request.body as { text?: string }).text !== text) continue;
      for (const id of listOf(request)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    api = await RecordingApiServer.start();
    running = await startApp('express', {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          sender: { name: 'Bot' },
          timeout: 500,
          rateLimits: { broadcast_message: { limit: 100, intervalMs: 1000 } },
          queue: {
            connection: { host: '127.0.0.1', port: redis.port },
            prefix: '{control}',
            broadcast: { concurrency: 2, startSlackMs: 100, pageChunks: 2 },
          },
        }),
      ],
    });
    broadcasts = running.app.get(ViberBroadcasts);
  });

  afterAll(async () => {
    await running?.app.close();
    await api?.close();
    await redis?.stop();
  });

  beforeEach(() => {
    api.reset();
    api.respondWith(async () => {
      await sleep(20);
      return { body: { status: 0, message_token: 1, failed_list: [] } };
    });
  });

  it('pause stops its requests, resume finishes it: everyone once', async () => {
    const receivers = users('pause-', 9000);
    await broadcasts.start(receivers, 'pause test', { id: 'pause' });
    await waitFor(() => api.to('broadcast_message').length >= 4, 20_000);
    expect((await broadcasts.pause('pause'))?.state).toBe('paused');
    await sleep(300); // requests already on the wire finish
    const atPause = api.to('broadcast_message').length;
    await sleep(1000);
    expect(api.to('broadcast_message').length).toBe(atPause);
    expect((await broadcasts.get('pause'))?.state).toBe('paused');

    expect((await broadcasts.resume('pause'))?.state).toBe('running');
    const status = await until('pause', (s) => s.state === 'completed');
    expect(status).toMatchObject({ total: 9000, sent: 9000, failed: 0, uncertain: 0, pending: 0 });
    const named = namedBy('pause test');
    expect(named.size).toBe(9000);
    expect([...named.values()].every((times) => times === 1)).toBe(true);
  });

  it('cancel stops it for good; what was not sent stays pending', async () => {
    await broadcasts.start(users('cancel-', 9000), 'cancel test', { id: 'cancel' });
    await waitFor(() => api.to('broadcast_message').length >= 3, 20_000);
    const cancelled = await broadcasts.cancel('cancel');
    expect(cancelled?.state).toBe('cancelled');
    await sleep(1200);
    const status = (await broadcasts.get('cancel'))!;
    expect(status.state).toBe('cancelled');
    expect(status.pending).toBeGreaterThan(0);
    expect(status.sent + status.pending).toBe(9000);
    expect(status.sent).toBe(namedBy('cancel test').size);
    expect((await broadcasts.resume('cancel'))?.state).toBe('cancelled');
  });

  it('a subscriber filter is planned page by page: current subscribers passing it, old devices skipped', async () => {
    const subscribers = running.app.get(ViberSubscribers);
    for (let i = 0; i < 1500; i++) {
      await subscribers.store.observe({
        id: `sub-${String(i).padStart(4, '0')}`,
        at: 1000 + i,
        subscribed: i % 10 !== 0,
        profile: { country: i % 3 === 0 ? 'DE' : 'UA', api_version: i % 7 === 0 ? 2 : 8 },
      });
    }
    const eligible = [];
    let skipped = 0;
    for (let i = 0; i < 1500; i++) {
      if (i % 10 === 0 || i % 3 === 0) continue;
      if (i % 7 === 0) skipped++;
      else eligible.push(`sub-${String(i).padStart(4, '0')}`);
    }
    const message = {
      type: 'text' as const,
      text: 'filter test',
      min_api_version: 3,
    };
    await broadcasts.start({ country: 'UA' }, message, { id: 'filter' });
    const status = await until('filter', (s) => s.state === 'completed');
    expect(status).toMatchObject({
      total: eligible.length,
      sent: eligible.length,
      skipped,
      planned: true,
    });
    expect([...namedBy('filter test').keys()].sort()).toEqual(eligible.sort());
    // 600 receivers per page (2 chunks): several pages were planned.
    expect(Math.ceil((eligible.length + skipped) / 600)).toBeGreaterThan(1);
  });

  it('a queued send goes out as send_message and is reported like a broadcast of one', async () => {
    const handle = await broadcasts.send('user-42', 'just you', { id: 'send-1' });
    expect(handle).toEqual({ id: 'send-1', created: true });
    const status = await until('send-1', (s) => s.state === 'completed');
    expect(status).toMatchObject({ via: 'send_message', total: 1, sent: 1 });
    expect(api.to('send_message').map((r) => (r.body as { receiver: string }).receiver)).toEqual([
      'user-42',
    ]);
  });

  it('a request without an answer is uncertain, listed, not re-sent; retryUncertain sends it again', async () => {
    let hung = false;
    api.respondWith(async (request) => {
      if (!hung && request.endpoint === 'broadcast_message') {
        hung = true;
        return 'hang';
      }
      await sleep(10);
      return { body: { status: 0, message_token: 1, failed_list: [] } };
    });
    await broadcasts.start(users('unc-', 1500), 'uncertain test', { id: 'unc' });
    const status = await until('unc', (s) => s.state === 'completed');
    expect(status).toMatchObject({ sent: 1200, uncertain: 300, pending: 0 });
    const page = await broadcasts.uncertainReceivers('unc');
    expect(page.items).toHaveLength(300);
    expect(page.items).toEqual(listOf(api.to('broadcast_message')[0]!));

    await broadcasts.retryUncertain('unc');
    const after = await until('unc', (s) => s.state === 'completed' && s.uncertain === 0);
    expect(after).toMatchObject({ sent: 1500, uncertain: 0 });
    expect((await broadcasts.uncertainReceivers('unc')).items).toEqual([]);
  });

  it('a status no request survives fails the rest unsent; failures are paged with their status', async () => {
    api.respondWith(async () => ({
      body: { status: 20, status_message: 'broadcastNotAllowed' },
    }));
    await broadcasts.start(users('fatal-', 3000), 'fatal test', { id: 'fatal' });
    const status = await until('fatal', (s) => s.state === 'completed');
    expect(status).toMatchObject({ total: 3000, sent: 0, failed: 3000 });
    // Only the requests already started when the first answer came; the rest were not sent.
    expect(api.to('broadcast_message').length).toBeLessThan(10);
    const first = await broadcasts.failedReceivers('fatal', { limit: 2000 });
    const second = await broadcasts.failedReceivers('fatal', { cursor: first.cursor, limit: 2000 });
    expect(first.items).toHaveLength(2000);
    expect(second.items).toHaveLength(1000);
    expect(second.cursor).toBeUndefined();
    expect(new Set([...first.items, ...second.items].map((f) => f.status))).toEqual(new Set([20]));
    expect(new Set([...first.items, ...second.items].map((f) => f.receiver)).size).toBe(3000);
  });

  it('checks its input: ids, audiences, messages', async () => {
    await expect(broadcasts.start(['a'], 'x', { id: 'bad:id' })).rejects.toThrow(ViberUsageError);
    await expect(broadcasts.start([''], 'x')).rejects.toThrow(ViberUsageError);
    await expect(broadcasts.start(['a'], { type: 'text', text: '' })).rejects.toThrow(/text/);
    expect(await broadcasts.get('nope')).toBeUndefined();
    const empty = await broadcasts.start([], 'nobody', { id: 'empty' });
    expect(await broadcasts.get(empty.id)).toMatchObject({ state: 'completed', total: 0 });
  });

  it("every key the queue wrote carries the prefix's hash tag (one Redis Cluster slot)", async () => {
    const redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const keys = await redisClient.keys('*');
      expect(keys.length).toBeGreaterThan(10);
      // Cluster hashes only the first {…} of a key: it must be the prefix's tag for every key.
      expect(keys.filter((key) => /\{([^}]+)\}/.exec(key)?.[1] !== 'control')).toEqual([]);
    } finally {
      redisClient.disconnect();
    }
  });
});
