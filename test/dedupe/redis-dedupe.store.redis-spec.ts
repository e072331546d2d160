// RedisDedupeStore against a real redis-server (started by the test): what only Redis can show
// (atomic SET NX across clients, key expiry, the TTL Redis stores, a server that goes away). The
// store's logic with a fake client and fake timers is pinned without a server in
// libs/viber/src/dedupe/redis-dedupe.store.spec.ts (the unit project, and the mutation run).
import Redis from 'ioredis';
import {
  RedisDedupeStore,
  RedisDedupeStoreError,
  VIBER_REDIS_DEDUPE_KEY_PREFIX,
} from '../../libs/viber/src/dedupe/redis-dedupe.store';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisDedupeStore on a real redis-server', () => {
  let server: RedisTestServer;
  let redis: Redis;
  let other: Redis;
  let store: RedisDedupeStore;
  let seq = 0;
  /** A key no other test uses. */
  const fresh = (): string => `default:message:${Date.now()}${++seq}`;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.port, server.host, { lazyConnect: true });
    other = new Redis(server.port, server.host, { lazyConnect: true });
    await Promise.all([redis.connect(), other.connect()]);
    // An ioredis client is a ViberRedisClient as is (this line type-checks it).
    store = new RedisDedupeStore(redis);
  });

  afterAll(async () => {
    await Promise.all([redis?.quit(), other?.quit()]);
    await server?.stop();
  });

  it('claims a key once while it lives', async () => {
    const key = fresh();
    await expect(store.claim(key, 60_000)).resolves.toBe(true);
    await expect(store.claim(key, 60_000)).resolves.toBe(false);
    await expect(store.claim(fresh(), 60_000)).resolves.toBe(true);
  });

  it('writes `<prefix><key>` = "1" with the TTL in ms', async () => {
    const key = fresh();
    await store.claim(key, 90_000);
    const redisKey = `${VIBER_REDIS_DEDUPE_KEY_PREFIX}${key}`;
    expect(redisKey.startsWith('nestjs-viber:dedupe:default:message:')).toBe(true);
    expect(await redis.get(redisKey)).toBe('1');
    const pttl = await redis.pttl(redisKey);
    expect(pttl).toBeGreaterThan(85_000);
    expect(pttl).toBeLessThanOrEqual(90_000);
  });

  it('rounds a fractional TTL up to a whole millisecond', async () => {
    const key = fresh();
    await expect(store.claim(key, 0.2)).resolves.toBe(true);
    await sleep(20);
    await expect(store.claim(key, 60_000)).resolves.toBe(true);
  });

  it('lets a key be claimed again once it expired', async () => {
    const key = fresh();
    await expect(store.claim(key, 40)).resolves.toBe(true);
    await expect(store.claim(key, 40)).resolves.toBe(false);
    await sleep(80);
    await expect(store.claim(key, 40)).resolves.toBe(true);
  });

  it('release drops a claim; releasing an unknown key is fine', async () => {
    const key = fresh();
    await store.claim(key, 60_000);
    await expect(store.release(key)).resolves.toBeUndefined();
    await expect(store.claim(key, 60_000)).resolves.toBe(true);
    await expect(store.release(fresh())).resolves.toBeUndefined();
  });

  it('is atomic across clients: of 200 concurrent claims of one key exactly one wins', async () => {
    const stores = [new RedisDedupeStore(redis), new RedisDedupeStore(other)];
    for (let round = 0; round < 5; round++) {
      const key = fresh();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => stores[i % 2]!.claim(key, 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('keeps stores with different prefixes apart', async () => {
    const a = new RedisDedupeStore(redis, { keyPrefix: 'app-a:' });
    const b = new RedisDedupeStore(other, { keyPrefix: 'app-b:' });
    const key = fresh();
    await expect(a.claim(key, 60_000)).resolves.toBe(true);
    await expect(b.claim(key, 60_000)).resolves.toBe(true);
    await expect(a.claim(key, 60_000)).resolves.toBe(false);
    expect(await redis.exists(`app-a:${key}`, `app-b:${key}`)).toBe(2);
    expect(a.keyPrefix).toBe('app-a:');
  });

  it('rejects within timeoutMs once the real server is gone (ioredis keeps retrying)', async () => {
    const doomed = await startRedisServer();
    // disconnectTimeout: ioredis arms a timer of that length when it disconnects a dead stream.
    const client = new Redis(doomed.port, doomed.host, {
      lazyConnect: true,
      disconnectTimeout: 50,
    });
    const errors: Error[] = [];
    client.on('error', (error: Error) => errors.push(error));
    try {
      await client.connect();
      const onDoomed = new RedisDedupeStore(client, { timeoutMs: 300 });
      await expect(onDoomed.claim('k', 60_000)).resolves.toBe(true);
      await doomed.stop();
      // The store's own timeout answers, not ioredis's retries running out.
      const failure = onDoomed.claim('k2', 60_000);
      await expect(failure).rejects.toBeInstanceOf(RedisDedupeStoreError);
      await expect(failure).rejects.toThrow(/no answer from Redis within 300 ms/);
    } finally {
      client.disconnect();
      await doomed.stop();
    }
  });
});

describe('startRedisServer', () => {
  it('fails with an installation hint when redis-server is missing', async () => {
    const saved = process.env.REDIS_SERVER_BIN;
    jest.resetModules();
    process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
    try {
      const helper = await import('../support/redis-server');
      await expect(helper.startRedisServer()).rejects.toThrow(
        /redis-server was not found: .*apt-get install -y redis-server/,
      );
    } finally {
      if (saved === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = saved;
    }
  });
});
