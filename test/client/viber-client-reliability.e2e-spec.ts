import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  createNodeTransport,
  type ViberHttpTransport,
} from '../../libs/viber/src/client/viber-node.transport';
import {
  ViberApiError,
  ViberClient,
  ViberHttpError,
  ViberNetworkError,
  ViberTimeoutError,
  VIBER_NOT_SENT_STATUS,
  type ViberBroadcastProgress,
  type ViberClientOptions,
} from 'nestjs-viber';
import { SlidingWindowRateLimiter } from '../../libs/viber/src/client/viber-rate-limiter';
import { backoffDelay, resolveRetryPolicy } from '../../libs/viber/src/client/viber-retry.policy';
import {
  RecordingApiServer,
  type RecordedRequest,
  type Reply,
} from '../support/recording-api.server';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
const OK_SEND = '{"status":0,"status_message":"ok","message_token":5491057495223473139}';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An API URL on a port nothing listens on (connections are refused). */
async function closedPortUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  return `http://127.0.0.1:${port}/pa`;
}

/** A seeded PRNG (mulberry32), so the fault pattern is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

describe.each(TRANSPORTS)('ViberClient reliability (%s)', (_name, transport) => {
  let api: RecordingApiServer;
  const client = (options: Partial<ViberClientOptions> = {}): ViberClient =>
    new ViberClient(new HttpService(axios.create()), {
      token: TOKEN,
      apiUrl: api.url,
      transport: transport(),
      sender: { name: 'Bot' },
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      logger: {
        log: () => undefined,
        error: () => undefined,
        warn: () => undefined,
        debug: () => undefined,
      },
      ...options,
    });
  /** Answers with the given replies in turn, then OK. */
  const sequence = (...replies: Reply[]): void => {
    let call = 0;
    api.respondWith(() => replies[call++] ?? { body: OK_SEND });
  };

  beforeAll(async () => {
    api = await RecordingApiServer.start();
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());

  describe('retries what may succeed later', () => {
    it.each<[string, Reply]>([
      [
        'status 12 (too many requests)',
        { body: { status: 12, status_message: 'Too many requests' } },
      ],
      ['HTTP 500', { status: 500, body: '<html>error</html>' }],
      ['HTTP 503', { status: 503, body: '' }],
    ])('%s, then success', async (_name, failure) => {
      sequence(failure, failure);
      const answer = await client().sendMessage('u1', 'hi');
      expect(answer.message_token).toBe('5491057495223473139');
      expect(api.to('send_message')).toHaveLength(3);
    });

    it('a refused connection (the request never left): every attempt, then a ViberNetworkError saying so', async () => {
      const closed = await closedPortUrl();
      const debug: string[] = [];
      const error = (await client({
        apiUrl: closed,
        retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
        logger: {
          log: () => undefined,
          error: () => undefined,
          warn: () => undefined,
          debug: (line: unknown) => debug.push(String(line)),
        },
      })
        .sendMessage('u1', 'hi')
        .catch((e: unknown) => e)) as ViberNetworkError;
      expect(error).toBeInstanceOf(ViberNetworkError);
      expect(error.code).toBe('ECONNREFUSED');
      expect(error.outcomeUnknown).toBe(false);
      expect(debug.filter((line) => line.startsWith('Retrying send_message'))).toHaveLength(3);
    });

    it('a dropped connection on an idempotent read', async () => {
      sequence('destroy');
      const answer = await client().getAccountInfo();
      expect(answer.status).toBe(0);
      expect(api.requests).toHaveLength(2);
    });

    it('a timeout on an idempotent read', async () => {
      sequence('hang');
      api.respondWith((request) =>
        api.requests.length === 1
          ? 'hang'
          : { body: { status: 0, id: 'pa:1', name: 'Bot', request: request.endpoint } },
      );
      const answer = await client({ timeout: 200 }).getAccountInfo();
      expect(answer.name).toBe('Bot');
      expect(api.requests).toHaveLength(2);
    });
  });

  describe('never retries what will fail again', () => {
    it.each([2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 19, 20, 999])('status %i', async (status) => {
      sequence({ body: { status } });
      await expect(client().sendMessage('u1', 'hi')).rejects.toBeInstanceOf(ViberApiError);
      expect(api.requests).toHaveLength(1);
    });

    it('HTTP 400', async () => {
      sequence({ status: 400, body: 'bad request' });
      await expect(client().sendMessage('u1', 'hi')).rejects.toBeInstanceOf(ViberHttpError);
      expect(api.requests).toHaveLength(1);
    });

    it('a timed-out send (it may have been delivered)', async () => {
      api.respondWith(() => 'hang');
      const error = (await client({ timeout: 150 })
        .sendMessage('u1', 'hi')
        .catch((e: unknown) => e)) as ViberTimeoutError;
      expect(error).toBeInstanceOf(ViberTimeoutError);
      expect(error.outcomeUnknown).toBe(true);
      expect(api.requests).toHaveLength(1);
    });

    it.each(['send_message', 'broadcast_message'] as const)(
      'a %s whose connection is reset after the request was sent (it may have been delivered)',
      async (endpoint) => {
        api.respondWith(() => 'destroy');
        const c = client();
        const error = (await (
          endpoint === 'send_message'
            ? c.sendMessage('u1', 'hi')
            : c.request('broadcast_message', {
                type: 'text',
                text: 'hi',
                sender: { name: 'Bot' },
                broadcast_list: ['u1'],
              })
        ).catch((e: unknown) => e)) as ViberNetworkError;
        expect(error).toBeInstanceOf(ViberNetworkError);
        expect(error.outcomeUnknown).toBe(true);
        expect(error.message).toContain('after it was sent');
        expect(api.requests).toHaveLength(1);
      },
    );
  });

  it('caps the attempts', async () => {
    api.respondWith(() => ({ body: { status: 12 } }));
    const error = (await client({ retry: { maxAttempts: 3, baseDelayMs: 1 } })
      .sendMessage('u1', 'hi')
      .catch((e: unknown) => e)) as ViberApiError;
    expect(error.status).toBe(12);
    expect(api.requests).toHaveLength(3);
  });

  it('caps the total time: no retry starts past maxTotalMs', async () => {
    api.respondWith(() => ({ body: { status: 12 } }));
    await expect(
      client({
        retry: { maxAttempts: 50, baseDelayMs: 40, maxDelayMs: 40, maxTotalMs: 1 },
      }).sendMessage('u1', 'hi'),
    ).rejects.toBeInstanceOf(ViberApiError);
    // A first retry needs a wait the budget no longer allows, unless the jitter drew 0 ms.
    expect(api.requests.length).toBeLessThan(50);
  });

  it('backoff grows exponentially with full jitter, bounded by maxDelayMs', () => {
    const policy = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(policy, attempt, () => 0.999))).toEqual(
      [99, 199, 399, 799, 999, 999],
    );
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });

  describe('rate limiting', () => {
    it('no window of intervalMs holds more than limit broadcast requests', async () => {
      const times: number[] = [];
      api.respondWith(() => {
        times.push(Date.now());
        return { body: { status: 0, message_token: 1 } };
      });
      const receivers = Array.from({ length: 7 * 300 }, (_, i) => `u${i}`);
      const result = await client({
        rateLimits: { broadcast_message: { limit: 3, intervalMs: 150 } },
      }).broadcast(receivers, 'news');
      expect(result.requests).toBe(7);
      expect(result.sent).toBe(receivers.length);
      // Arrival times at the server: the client sends the 4th request of any run one interval
      // after the 1st; network jitter on a busy machine may shift arrivals by a few ms, never by
      // a whole window.
      expect(times[6]! - times[0]!).toBeGreaterThanOrEqual(250);
      for (let i = 3; i < times.length; i++) {
        expect(times[i]! - times[i - 3]!).toBeGreaterThanOrEqual(100);
      }
    });

    it('serves callers in order and lets an aborted caller go without blocking the others', async () => {
      const limiter = new SlidingWindowRateLimiter({ limit: 1, intervalMs: 40 });
      const order: string[] = [];
      const releaseA = await limiter.acquire('send_message');
      order.push('a');
      releaseA();
      const controller = new AbortController();
      const b = limiter.acquire('send_message', controller.signal).then(
        () => order.push('b'),
        () => order.push('b aborted'),
      );
      const c = limiter.acquire('send_message').then((release) => {
        order.push('c');
        release();
      });
      controller.abort();
      await Promise.all([b, c]);
      expect(order).toEqual(['a', 'b aborted', 'c']);
    });

    it('counts a slot from the end of its request: a long request delays the next window', async () => {
      let now = 0;
      const limiter = new SlidingWindowRateLimiter({ limit: 1, intervalMs: 10 }, () => now);
      const release = await limiter.acquire('broadcast_message');
      let second = false;
      const next = limiter.acquire('broadcast_message').then((r) => {
        second = true;
        r();
      });
      now = 1000; // the first request is still in flight long after its window
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(second).toBe(false);
      release(); // ends at 1000: the next may start at 1010
      now = 1010;
      await next;
      expect(second).toBe(true);
    });
  });

  describe('broadcast progress and stopping', () => {
    it('reports progress after each request', async () => {
      api.respondWith((request) => {
        const list = (request.body as { broadcast_list: string[] }).broadcast_list;
        return {
          body: {
            status: 0,
            message_token: 7,
            failed_list: [{ receiver: list[0], status: 6, status_message: 'Not subscribed' }],
          },
        };
      });
      const progress: ViberBroadcastProgress[] = [];
      const receivers = Array.from({ length: 650 }, (_, i) => `u${i}`);
      const result = await client().broadcast(receivers, 'news', {
        concurrency: 1,
        onProgress: (p) => progress.push(p),
      });
      expect(progress).toEqual([
        {
          total: 650,
          sent: 299,
          failed: 1,
          uncertain: 0,
          requests: 1,
          settled: 300,
          complete: true,
        },
        {
          total: 650,
          sent: 598,
          failed: 2,
          uncertain: 0,
          requests: 2,
          settled: 600,
          complete: true,
        },
        {
          total: 650,
          sent: 647,
          failed: 3,
          uncertain: 0,
          requests: 3,
          settled: 650,
          complete: true,
        },
      ]);
      expect(result.sent + result.failed_list.length).toBe(650);
    });

    it('an abort stops the broadcast and reports every unsent receiver', async () => {
      const controller = new AbortController();
      api.respondWith(async () => {
        if (api.requests.length === 2) controller.abort();
        await sleep(20);
        return { body: { status: 0, message_token: 1 } };
      });
      const receivers = Array.from({ length: 3000 }, (_, i) => `u${i}`);
      const result = await client().broadcast(receivers, 'news', {
        concurrency: 1,
        signal: controller.signal,
      });
      expect(result.aborted).toBe(true);
      expect(result.sent).toBe(300);
      // The second request was on the wire when the caller aborted it: Viber may have it.
      expect(result.uncertain_list).toEqual(receivers.slice(300, 600));
      const notSent = result.failed_list
        .filter((f) => f.status === VIBER_NOT_SENT_STATUS)
        .map((f) => f.receiver);
      expect(notSent).toEqual(receivers.slice(600));
    });

    it('a request that gets no answer puts its receivers in uncertain_list, never in failed_list', async () => {
      api.respondWith((request) => {
        const list = (request.body as { broadcast_list: string[] }).broadcast_list;
        return list[0] === 'u300' ? 'destroy' : { body: { status: 0, message_token: 1 } };
      });
      const receivers = Array.from({ length: 900 }, (_, i) => `u${i}`);
      const progress: ViberBroadcastProgress[] = [];
      const result = await client().broadcast(receivers, 'news', {
        concurrency: 1,
        onProgress: (p) => progress.push(p),
      });
      expect(result.sent).toBe(600);
      expect(result.failed_list).toEqual([]);
      expect(result.uncertain_list).toEqual(receivers.slice(300, 600));
      expect(api.requests).toHaveLength(3);
      expect(progress.at(-1)).toEqual({
        total: 900,
        sent: 600,
        failed: 0,
        uncertain: 300,
        requests: 3,
        settled: 900,
        complete: true,
      });
    });

    it('stopBroadcasts() lets requests in flight finish as Viber answered and starts no other', async () => {
      const c = client({ rateLimits: { broadcast_message: { limit: 2, intervalMs: 60_000 } } });
      let accepted = 0;
      api.respondWith(async (request) => {
        if (api.requests.length === 2) c.stopBroadcasts();
        await sleep(50);
        accepted += (request.body as { broadcast_list: string[] }).broadcast_list.length;
        return { body: { status: 0, message_token: 1 } };
      });
      const receivers = Array.from({ length: 1500 }, (_, i) => `u${i}`);
      const result = await c.broadcast(receivers, 'news', { concurrency: 5 });
      // Two requests were on the wire: both answered and counted as sent; the three waiting for
      // the rate limiter never started.
      expect(api.requests).toHaveLength(2);
      expect(accepted).toBe(600);
      expect(result.sent).toBe(600);
      expect(result.uncertain_list).toEqual([]);
      expect(result.failed_list.map((f) => f.status)).toEqual(
        Array.from({ length: 900 }, () => VIBER_NOT_SENT_STATUS),
      );
      expect(result.aborted).toBe(true);
    });

    it('client.close() stops running broadcasts', async () => {
      const c = client();
      api.respondWith(async () => {
        if (api.requests.length === 1) c.close();
        await sleep(10);
        return { body: { status: 0, message_token: 1 } };
      });
      const result = await c.broadcast(
        Array.from({ length: 900 }, (_, i) => `u${i}`),
        'news',
        { concurrency: 1 },
      );
      expect(result.aborted).toBe(true);
      expect(result.sent + result.failed_list.length + result.uncertain_list.length).toBe(900);
      await expect(c.getAccountInfo()).rejects.toThrow('aborted');
    });
  });

  it('a broadcast to 10,000 receivers through a faulty API accounts for every receiver, none accepted twice', async () => {
    const random = seeded(42);
    /** Per receiver: how many answered-OK requests included it. */
    const accepted = new Map<string, number>();
    const acceptedThenReset: string[] = [];
    let faults = 0;
    api.respondWith(async (request: RecordedRequest): Promise<Reply> => {
      const list = (request.body as { broadcast_list: string[] }).broadcast_list;
      const roll = random();
      if (roll < 0.05) {
        faults++;
        return {
          status: 500,
          body: '<html>Internal Server Error</html>',
          contentType: 'text/html',
        };
      }
      if (roll < 0.1) {
        faults++;
        return { body: { status: 12, status_message: 'Too many requests' } };
      }
      if (roll < 0.15) {
        faults++;
        return 'destroy';
      }
      if (roll < 0.2) {
        // Accepted, then the connection is reset before the answer: the client cannot know.
        faults++;
        acceptedThenReset.push(...list);
        for (const id of list) accepted.set(id, (accepted.get(id) ?? 0) + 1);
        return 'destroy';
      }
      if (roll < 0.25) {
        faults++;
        await sleep(50 + Math.floor(random() * 100)); // slow, but within the timeout
      }
      const failed = list
        .filter((id) => id.endsWith('7'))
        .map((receiver) => ({ receiver, status: 6, status_message: 'Not subscribed' }));
      for (const id of list) if (!id.endsWith('7')) accepted.set(id, (accepted.get(id) ?? 0) + 1);
      return {
        body: `{"status":0,"status_message":"ok","message_token":${5000000000000000000n + BigInt(api.requests.length)},"failed_list":${JSON.stringify(failed)}}`,
      };
    });
    const receivers = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const result = await client({
      timeout: 2000,
      retry: { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 40 },
    }).broadcast(receivers, 'news');

    expect(faults).toBeGreaterThan(0);
    expect(acceptedThenReset.length).toBeGreaterThan(0);
    // No receiver accepted twice; each reported once: sent, failed (with a status) or uncertain.
    const failedIds = new Set(result.failed_list.map((f) => f.receiver));
    const uncertainIds = new Set(result.uncertain_list);
    expect(result.failed_list.every((f) => typeof f.status === 'number')).toBe(true);
    for (const id of receivers) {
      const times = accepted.get(id) ?? 0;
      expect(times).toBeLessThanOrEqual(1);
      expect(failedIds.has(id) && uncertainIds.has(id)).toBe(false);
      // A failed receiver was never accepted: sending it again is safe.
      if (failedIds.has(id)) expect(times === 0 || id.endsWith('7')).toBe(true);
    }
    // Every receiver accepted then reset is reported as uncertain, not as failed.
    for (const id of acceptedThenReset) expect(uncertainIds.has(id)).toBe(true);
    expect(result.sent + result.failed_list.length + result.uncertain_list.length).toBe(
      receivers.length,
    );
    const acceptedAndAnswered = [...accepted.entries()].filter(
      ([id, n]) => n === 1 && !uncertainIds.has(id),
    ).length;
    expect(result.sent).toBe(acceptedAndAnswered);
  });
});
