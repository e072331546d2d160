import Redis from 'ioredis';
import { startRedisServer, type RedisTestServer } from '../../../../test/support/redis-server';
import {
  RedisDedupeStore,
  RedisDedupeStoreError,
  VIBER_REDIS_DEDUPE_KEY_PREFIX,
  type ViberRedisClient,
} from './redis-dedupe.store';
import type { ViberDedupeStore } from './viber-dedupe.store';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A client whose commands never answer (a Redis that hangs). */
const hangingClient: ViberRedisClient = {
  set: () => new Promise<never>(() => undefined),
  del: () => new Promise<never>(() => undefined),
};

describe('RedisDedupeStore (real redis-server)', () => {
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

  it('rejects a TTL Redis cannot take, without sending anything', async () => {
    const set = jest.fn(() => Promise.resolve<'OK' | null>('OK'));
    const spy = new RedisDedupeStore({ set, del: () => Promise.resolve(0) });
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(spy.claim('k', ttl)).rejects.toThrow(RedisDedupeStoreError);
    }
    expect(set).not.toHaveBeenCalled();
  });

  it('refuses a client without set() and del(), and a bad timeout', () => {
    expect(() => new RedisDedupeStore({} as unknown as ViberRedisClient)).toThrow(
      /needs a Redis client with set\(\) and del\(\)/,
    );
    expect(() => new RedisDedupeStore(redis, { timeoutMs: -1 })).toThrow(RangeError);
  });

  it('ping: PING with an ioredis client, else a DEL of <prefix>__ping (health checks call it)', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    const del = jest.fn(() => Promise.resolve(0));
    const withoutPing = new RedisDedupeStore({ set: () => Promise.resolve(null), del });
    await withoutPing.ping();
    expect(del).toHaveBeenCalledWith('nestjs-viber:dedupe:__ping');
    const hanging = new RedisDedupeStore(
      { ...hangingClient, ping: () => new Promise<never>(() => undefined) },
      { timeoutMs: 50 },
    );
    await expect(hanging.ping()).rejects.toMatchObject({
      operation: 'ping',
      message: expect.stringContaining('no answer from Redis within 50 ms') as unknown,
    });
  });

  describe('when Redis fails', () => {
    it('rejects claim and release with a RedisDedupeStoreError carrying the cause', async () => {
      const cause = new Error('READONLY You cannot write against a read only replica.');
      const failing = new RedisDedupeStore({
        set: () => Promise.reject(cause),
        del: () => Promise.reject(cause),
      });
      const claim = failing.claim('default:message:1', 1000);
      await expect(claim).rejects.toBeInstanceOf(RedisDedupeStoreError);
      await expect(claim).rejects.toMatchObject({
        operation: 'claim',
        key: 'nestjs-viber:dedupe:default:message:1',
        cause,
        message: expect.stringContaining('READONLY') as unknown,
      });
      await expect(failing.release('default:message:1')).rejects.toMatchObject({
        operation: 'release',
        cause,
      });
    });

    it('turns a client that throws synchronously into a rejection', async () => {
      const throwing = new RedisDedupeStore({
        set: () => {
          throw new Error('boom');
        },
        del: () => Promise.resolve(1),
      });
      await expect(throwing.claim('k', 1000)).rejects.toThrow(
        /claim of "nestjs-viber:dedupe:k".*boom/,
      );
    });

    it('rejects after timeoutMs when Redis does not answer', async () => {
      const slow: ViberDedupeStore = new RedisDedupeStore(hangingClient, { timeoutMs: 50 });
      const started = Date.now();
      await expect(slow.claim('k', 1000)).rejects.toThrow(/no answer from Redis within 50 ms/);
      await expect(slow.release('k')).rejects.toThrow(RedisDedupeStoreError);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('does not leak an unhandled rejection when the command fails after the timeout', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      try {
        const late = new RedisDedupeStore(
          {
            set: () => sleep(60).then(() => Promise.reject(new Error('late'))),
            del: () => Promise.resolve(0),
          },
          { timeoutMs: 10 },
        );
        await expect(late.claim('k', 1000)).rejects.toThrow(/within 10 ms/);
        await sleep(100);
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
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
        const started = Date.now();
        await expect(onDoomed.claim('k2', 60_000)).rejects.toThrow(RedisDedupeStoreError);
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        client.disconnect();
        await doomed.stop();
      }
    });
  });
});

describe('startRedisServer', () => {
  it('fails with an installation hint when redis-server is missing', async () => {
    const saved = process.env.REDIS_SERVER_BIN;
    jest.resetModules();
    process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
    try {
      const helper = await import('../../../../test/support/redis-server');
      await expect(helper.startRedisServer()).rejects.toThrow(
        /redis-server was not found: .*apt-get install -y redis-server/,
      );
    } finally {
      if (saved === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = saved;
    }
  });
});
