import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import fc from 'fast-check';
import Redis from 'ioredis';
import {
  InMemorySubscriberStore,
  RedisSubscriberStore,
  VIBER_NOT_SENT_STATUS,
  ViberClient,
  ViberSubscribers,
  ViberUsageError,
  type ViberSubscriber,
  type ViberSubscriberFilter,
  type ViberSubscriberObservation,
  type ViberSubscriberStore,
} from 'nestjs-viber';
import { RecordingApiServer } from '../support/recording-api.server';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { TEST_TOKEN } from '../support/viber-test-app';

const COUNTRIES = ['UA', 'DE', 'GB'];
const LANGUAGES = ['uk', 'de', 'en', 'en-GB'];
const OSES = ['android 13', 'Android 7.1', 'iOS 17.2'];

type Step = { observe: ViberSubscriberObservation } | { forget: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .record(
        {
          id: fc.integer({ min: 0, max: 25 }).map((i) => `user-${i}`),
          at: fc.integer({ min: 1, max: 40 }),
          subscribed: fc.boolean(),
          message: fc.boolean(),
          profile: fc.record(
            {
              name: fc.constantFrom('Ann', 'Bob', 'Олена'),
              avatar: fc.constantFrom(
                'https://a.example/1.jpg',
                `https://a.example/${'x'.repeat(90)}`,
              ),
              country: fc.constantFrom(...COUNTRIES),
              language: fc.constantFrom(...LANGUAGES),
              api_version: fc.integer({ min: 1, max: 10 }),
              primary_device_os: fc.constantFrom(...OSES),
            },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: ['id', 'at'] },
      )
      .map((o) => ({ observe: o })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 25 }).map((i) => ({ forget: `user-${i}` })),
  },
);

const filter: fc.Arbitrary<ViberSubscriberFilter> = fc.record(
  {
    minApiVersion: fc.integer({ min: 1, max: 11 }),
    country: fc.oneof(fc.constantFrom(...COUNTRIES, 'FR'), fc.subarray([...COUNTRIES, 'FR'])),
    language: fc.oneof(fc.constantFrom(...LANGUAGES), fc.subarray(LANGUAGES)),
    os: fc.oneof(fc.constantFrom('android', 'IOS', 'windows'), fc.subarray(['android', 'ios'])),
    includeUnsubscribed: fc.boolean(),
  },
  { requiredKeys: [] },
);

async function walk(
  store: ViberSubscriberStore,
  f: ViberSubscriberFilter | undefined,
  limit: number,
): Promise<ViberSubscriber[]> {
  const items: ViberSubscriber[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ filter: f, limit, cursor });
    if (page.cursor !== undefined) expect(page.items).toHaveLength(limit);
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return items;
}

async function commandStats(redis: Redis): Promise<Record<string, number>> {
  const stats: Record<string, number> = {};
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) stats[match[1]!] = Number(match[2]);
  }
  return stats;
}

const user = (i: number): string => `user-${String(i).padStart(6, '0')}`;

describe('RedisSubscriberStore indexes, counts and paging (real redis-server)', () => {
  let server: RedisTestServer;
  let redis: Redis;
  let run = 0;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('counts and pages exactly like the in-memory store (random histories and filters)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 80 }),
        fc.array(filter, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 9 }),
        async (steps, filters, limit) => {
          const store = new RedisSubscriberStore(redis, { keyPrefix: `prop-${run++}:` });
          const reference = new InMemorySubscriberStore({ warnAt: false });
          for (const s of steps) {
            if ('forget' in s) {
              expect(await store.forget(s.forget)).toBe(await reference.forget(s.forget));
            } else {
              await store.observe(s.observe);
              await reference.observe(s.observe);
            }
          }
          for (const f of [undefined, { includeUnsubscribed: true }, ...filters]) {
            expect(await store.count(f)).toBe(await reference.count(f));
            expect(await walk(store, f, limit)).toEqual(await walk(reference, f, limit));
          }
          for (let i = 0; i <= 25; i++)
            expect(await store.get(`user-${i}`)).toEqual(await reference.get(`user-${i}`));
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('reads each user once per walk (pages never overlap) and sends only EVALSHA after the first load', async () => {
    const prefix = 'walk:';
    const store = new RedisSubscriberStore(redis, { keyPrefix: prefix });
    await Promise.all(
      Array.from({ length: 2_345 }, (_, i) =>
        store.observe({
          id: user(i),
          at: 1 + i,
          subscribed: i % 4 !== 0,
          profile: { country: i % 3 === 0 ? 'DE' : 'UA', api_version: 5 + (i % 3) },
        }),
      ),
    );
    await redis.config('RESETSTAT');
    const monitor = await redis.monitor();
    const reads = new Map<string, number>();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      const name = args[0]!.toLowerCase();
      commands.push(name);
      if (name === 'hgetall' && args[1]!.startsWith(`${prefix}u:`))
        reads.set(args[1]!, (reads.get(args[1]!) ?? 0) + 1);
    });
    try {
      const all = await walk(store, undefined, 500);
      const german = await walk(store, { country: 'DE', minApiVersion: 6 }, 100);
      expect(await store.count({ country: 'DE', minApiVersion: 6 })).toBe(german.length);
      // MONITOR lags the replies a little: wait until it has seen every read.
      const wanted = all.length + german.length;
      for (let i = 0; i < 100 && [...reads.values()].reduce((a, b) => a + b, 0) < wanted; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(all).toHaveLength(2_345 - Math.ceil(2_345 / 4));
      expect(german.map((s) => s.id)).toEqual(
        all.filter((s) => s.country === 'DE' && s.api_version! >= 6).map((s) => s.id),
      );
      // Every user read by the first walk once, and the filtered walk read only its matches.
      expect([...reads.values()].every((n) => n <= 2)).toBe(true);
      expect([...reads.values()].reduce((a, b) => a + b, 0)).toBe(wanted);
      expect(reads.size).toBe(all.length);
    } finally {
      monitor.disconnect();
    }
    const stats = await commandStats(redis);
    expect(stats.evalsha).toBeGreaterThan(0);
    expect(stats.eval).toBeUndefined();
    expect(commands).not.toContain('eval');
    expect(commands).not.toContain('zrangebylex');
  });

  it('loads each script once, even when many concurrent calls find Redis without it', async () => {
    const store = new RedisSubscriberStore(redis, { keyPrefix: 'load:' });
    await redis.script('FLUSH');
    await redis.config('RESETSTAT');
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        store.observe({ id: `u${i}`, at: 1, subscribed: true }),
      ),
    );
    expect(await store.count()).toBe(300);
    const stats = await commandStats(redis);
    expect(stats['script|load']).toBe(2); // observe, count
    expect(stats.eval).toBeUndefined();
    expect(stats.evalsha).toBe(300 + 300 + 2); // 300 NOSCRIPT, 300 again, the count (twice)
  });

  it('keeps each user hash a listpack, long and multi-byte values included, and reads them back whole', async () => {
    const store = new RedisSubscriberStore(redis, { keyPrefix: 'long:' });
    const avatar = `https://media-direct.cdn.viber.com/download_photo?dlid=${'Ab9'.repeat(60)}&fltp=jpg&imsz=0000`;
    // 2-, 3- and 4-byte characters, so that 64-byte cuts fall inside characters.
    const name = `${'Олена'.repeat(7)} ${'日本'.repeat(9)} ${'😀'.repeat(9)}`;
    await store.observe({
      id: 'long',
      at: 5,
      subscribed: true,
      profile: { name, avatar, country: 'UA', primary_device_os: 'iOS 17.2' },
    });
    const record = await store.get('long');
    expect(record).toMatchObject({ name, avatar, country: 'UA', primary_device_os: 'iOS 17.2' });
    expect(await redis.object('ENCODING', 'long:u:long')).toBe('listpack');
    for (const value of Object.values(await redis.hgetall('long:u:long')))
      expect(Buffer.byteLength(value)).toBeLessThanOrEqual(64);
    // A shorter value replaces every piece of the longer one.
    await store.observe({ id: 'long', at: 6, profile: { avatar: 'https://a.example/b.jpg' } });
    expect((await store.get('long'))!.avatar).toBe('https://a.example/b.jpg');
    expect(Object.keys(await redis.hgetall('long:u:long')).filter((f) => /^A\d/.test(f))).toEqual(
      [],
    );
    expect((await walk(store, { os: 'ios' }, 10)).map((s) => s.name)).toEqual([name]);
  });

  it('forgets a user everywhere: hash, indexes, number; one seen again comes last', async () => {
    const store = new RedisSubscriberStore(redis, { keyPrefix: 'forget:' });
    for (let i = 0; i < 5; i++)
      await store.observe({ id: `u${i}`, at: 1, subscribed: true, profile: { country: 'DE' } });
    expect(await store.forget('u1')).toBe(true);
    expect(await store.forget('u1')).toBe(false);
    expect(await store.count({ country: 'DE' })).toBe(4);
    expect(await store.count({ includeUnsubscribed: true })).toBe(4);
    await store.observe({ id: 'u1', at: 2, subscribed: true });
    expect((await walk(store, undefined, 2)).map((s) => s.id)).toEqual([
      'u0',
      'u2',
      'u3',
      'u4',
      'u1',
    ]);
    expect(await store.count({ country: 'DE' })).toBe(4);
  });

  it('works under an ioredis keyPrefix: every key, scripts included, gets it', async () => {
    const prefixed = new Redis(server.url, { keyPrefix: 'tenant-a:', maxRetriesPerRequest: 1 });
    try {
      const store = new RedisSubscriberStore(prefixed, { keyPrefix: 'subs:' });
      await store.observe({ id: 'x', at: 1, subscribed: true, profile: { language: 'en' } });
      expect(await store.get('x')).toMatchObject({ id: 'x', language: 'en' });
      expect(await store.count({ language: 'en' })).toBe(1);
      expect((await store.list()).items.map((s) => s.id)).toEqual(['x']);
      const keys = await redis.keys('*subs:*');
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((key) => key.startsWith('tenant-a:subs:'))).toBe(true);
    } finally {
      prefixed.disconnect();
    }
  });

  it('refuses a cursor it did not hand out', async () => {
    const store = new RedisSubscriberStore(redis, { keyPrefix: 'cursor:' });
    await expect(store.list({ cursor: 'alice' })).rejects.toBeInstanceOf(ViberUsageError);
  });

  it('lets timers run during a long walk', async () => {
    const store = new RedisSubscriberStore(redis, { keyPrefix: 'loop:' });
    await Promise.all(
      Array.from({ length: 5_000 }, (_, i) =>
        store.observe({ id: user(i), at: 1, subscribed: true }),
      ),
    );
    const subscribers = new ViberSubscribers(store, {} as ViberClient, true, 'loop');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let seen = 0;
    try {
      for await (const _ of subscribers.iterate(undefined, 200)) seen++;
    } finally {
      clearInterval(timer);
    }
    expect(seen).toBe(5_000);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('broadcastToSubscribers from a Redis registry (streamed)', () => {
  let server: RedisTestServer;
  let redis: Redis;
  let api: RecordingApiServer;
  const SUBSCRIBERS = 6_000;

  const client = (): ViberClient =>
    new ViberClient(new HttpService(axios.create()), {
      token: TEST_TOKEN,
      apiUrl: api.url,
      sender: { name: 'Bot' },
      retry: false,
      rateLimits: { broadcast_message: false },
      logger: { log: () => undefined, error: () => undefined, warn: () => undefined },
    });
  const lists = (): string[][] =>
    api.to('broadcast_message').map((r) => (r.body as { broadcast_list: string[] }).broadcast_list);

  let store: RedisSubscriberStore;
  let everyone: string[];

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    api = await RecordingApiServer.start();
    store = new RedisSubscriberStore(redis, { keyPrefix: 'broadcast:' });
    await Promise.all(
      Array.from({ length: SUBSCRIBERS + 500 }, (_, i) =>
        store.observe({
          id: user(i),
          at: 1 + i,
          subscribed: i < SUBSCRIBERS,
          profile: { api_version: i % 10 === 0 ? 3 : 8 },
        }),
      ),
    );
    everyone = (await walk(store, undefined, 1000)).map((s) => s.id);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
    await api.close();
  });
  beforeEach(() => api.reset());

  it('sends the first request before it has read the registry, reads ahead a bounded amount, and sends to every subscriber once', async () => {
    const events: string[] = [];
    const watched: ViberSubscriberStore = {
      observe: (o) => store.observe(o),
      get: (id) => store.get(id),
      forget: (id) => store.forget(id),
      count: (f) => store.count(f),
      list: async (options) => {
        events.push('list');
        return store.list(options);
      },
    };
    api.respondWith(() => {
      events.push('request');
      return { body: { status: 0, message_token: 1 } };
    });
    const subscribers = new ViberSubscribers(watched, client(), true, 'stream');
    let widest = 0;
    const result = await subscribers.broadcastToSubscribers(
      'Sale today!',
      {},
      {
        concurrency: 2,
        pageSize: 500,
        onProgress: (p) => {
          widest = Math.max(widest, p.total - p.settled);
        },
      },
    );
    expect(events.indexOf('request')).toBeLessThan(events.lastIndexOf('list'));
    // 12 pages, and a last empty one when the 12th ends exactly at the end.
    expect(events.filter((e) => e === 'list').length).toBeLessThanOrEqual(SUBSCRIBERS / 500 + 1);
    // Read ahead of the answers: the requests in flight plus one page, never the registry.
    expect(widest).toBeLessThanOrEqual(2 * 300 + 500);
    const sent = lists().flat();
    expect(sent).toHaveLength(SUBSCRIBERS);
    expect(new Set(sent).size).toBe(SUBSCRIBERS);
    expect([...sent].sort()).toEqual([...everyone].sort());
    expect(result).toMatchObject({
      sent: SUBSCRIBERS,
      total: SUBSCRIBERS,
      aborted: false,
      skippedCount: 0,
      skipped: [],
    });
    expect(result.cursor).toBeUndefined();
  });

  it('counts every skipped subscriber and lists only the first ones', async () => {
    api.respondWith(() => ({ body: { status: 0, message_token: 1 } }));
    const subscribers = new ViberSubscribers(store, client(), true, 'skip');
    const result = await subscribers.broadcastToSubscribers(
      { type: 'text', text: 'needs 6', min_api_version: 6 },
      {},
      { skippedListLimit: 25 },
    );
    expect(result.skippedCount).toBe(SUBSCRIBERS / 10);
    expect(result.skipped).toHaveLength(25);
    expect(result.skipped[0]).toEqual({ receiver: user(0), api_version: 3, required: 6 });
    expect(result.sent).toBe(SUBSCRIBERS - SUBSCRIBERS / 10);
  });

  it('a stopped broadcast says where it was: continuing from its cursor reaches everyone else once', async () => {
    const controller = new AbortController();
    api.respondWith(async () => {
      if (api.to('broadcast_message').length === 4) controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { body: { status: 0, message_token: 1 } };
    });
    const subscribers = new ViberSubscribers(store, client(), true, 'resume');
    const cursors: Array<string | undefined> = [];
    const first = await subscribers.broadcastToSubscribers(
      'Part one',
      {},
      {
        concurrency: 1,
        pageSize: 500,
        signal: controller.signal,
        onProgress: (p) => cursors.push(p.cursor),
      },
    );
    expect(first.aborted).toBe(true);
    expect(first.cursor).toBeDefined();
    // 3 pages read (1,500) for 4 requests, the 4th in flight when stopped (uncertain): the rest
    // of the third page was read and not sent.
    expect(first.total).toBe(1500);
    expect(first.sent).toBe(900);
    expect(first.uncertain_list).toHaveLength(300);
    const notSent = first.failed_list
      .filter((f) => f.status === VIBER_NOT_SENT_STATUS)
      .map((f) => f.receiver);
    expect(notSent).toEqual(everyone.slice(1200, 1500));
    expect(cursors.filter((c) => c !== undefined).length).toBeGreaterThan(0);

    api.respondWith(() => ({ body: { status: 0, message_token: 1 } }));
    const second = await subscribers.broadcastToSubscribers(
      'Part two',
      {},
      { after: first.cursor },
    );
    await client().broadcast(notSent, 'Part one, the rest');
    const sent = lists().flat();
    expect(second.total).toBe(SUBSCRIBERS - first.total);
    expect(new Set(sent).size).toBe(sent.length);
    expect([...sent].sort()).toEqual([...everyone].sort());
  });
});
