/**
 * RedisSessionStore against a real redis-server: records with their TTL, the fair line of each
 * user across clients, the lease (renewed, released, expiring when its holder is gone), dead
 * waiters skipped, fenced writes, and failures as typed errors.
 */
import Redis from 'ioredis';
import {
  RedisSessionStore,
  ViberSessionStoreError,
  type ViberRedisSessionClient,
  type ViberSessionLease,
  type ViberSessionTicket,
} from 'nestjs-viber';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';

const signal = new AbortController().signal;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisSessionStore (real redis-server)', () => {
  let server: RedisTestServer;
  let redis: Redis;
  let other: Redis;
  let seq = 0;
  /** A user key no other test uses. */
  const fresh = (): string => `default:user-${Date.now()}-${++seq}`;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.port, server.host, { lazyConnect: true });
    other = new Redis(server.port, server.host, { lazyConnect: true });
    await Promise.all([redis.connect(), other.connect()]);
  });

  afterAll(async () => {
    await Promise.all([redis?.quit(), other?.quit()]);
    await server?.stop();
  });

  it('keeps one JSON record per user with the TTL, under one hash tag', async () => {
    // An ioredis client is a ViberRedisSessionClient as is (this line type-checks it).
    const store = new RedisSessionStore(redis);
    const key = fresh();
    expect(await store.get(key)).toBeUndefined();
    const record = {
      session: { cart: ['apple'] },
      scene: { id: 'order', step: 2, state: { qty: 3 } },
    };
    expect(await store.set(key, record, { ttlMs: 60_000 })).toBe(true);
    expect(await store.get(key)).toEqual(record);
    const redisKey = `nestjs-viber:conversations:{${key}}:s`;
    expect(JSON.parse((await redis.get(redisKey))!)).toEqual(record);
    const pttl = await redis.pttl(redisKey);
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await store.delete(key, { ttlMs: 60_000 })).toBe(true);
    expect(await store.get(key)).toBeUndefined();
  });

  it('gives the turn in arrival order across clients, one at a time', async () => {
    const stores = [
      new RedisSessionStore(redis, { pollMs: 2 }),
      new RedisSessionStore(other, { pollMs: 2 }),
    ];
    const key = fresh();
    const clients = [redis, other];
    const tickets: ViberSessionTicket[] = [];
    for (let i = 0; i < 20; i++) {
      tickets.push(stores[i % 2]!.enqueue(key, 5000));
      // A round trip on the same connection: the place is taken before the next arrives.
      await clients[i % 2]!.ping();
    }
    const order: number[] = [];
    let holders = 0;
    let maxHolders = 0;
    // Each waits for the one before it in its own process, as the library's line does.
    const chains = [Promise.resolve(), Promise.resolve()];
    const runs = tickets.map((ticket, i) => {
      const previous = chains[i % 2]!;
      const run = previous.then(async () => {
        const lease = await ticket.acquire(signal);
        holders++;
        maxHolders = Math.max(maxHolders, holders);
        order.push(i);
        await sleep(1);
        holders--;
        await lease.release();
      });
      chains[i % 2] = run;
      return run;
    });
    await Promise.all(runs);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(maxHolders).toBe(1);
  });

  it('a lease whose holder is gone expires after leaseMs; a renewed one does not', async () => {
    const a = new RedisSessionStore(redis, { pollMs: 5 });
    const b = new RedisSessionStore(other, { pollMs: 5 });
    const key = fresh();
    const held = await a.enqueue(key, 300).acquire(signal);
    const waiting = b.enqueue(key, 300);
    // While renewed, the lease outlives leaseMs and B waits.
    let acquired: ViberSessionLease | undefined;
    const taking = waiting.acquire(signal).then((lease) => (acquired = lease));
    for (let i = 0; i < 6; i++) {
      await sleep(100);
      expect(await held.renew()).toBe(true);
    }
    expect(acquired).toBeUndefined();
    // The holder stops renewing (its process died): B gets the turn once the lease expired.
    const leaseKey = `nestjs-viber:conversations:{${key}}:l`;
    expect(await redis.pttl(leaseKey)).toBeLessThanOrEqual(300);
    await taking;
    expect(acquired).toBeDefined();
    expect(await held.renew()).toBe(false);
    await acquired!.release();
    expect(await redis.exists(leaseKey)).toBe(0);
  });

  it('a dead process waiting in the line is skipped after leaseMs', async () => {
    const dead = new RedisSessionStore(redis);
    const alive = new RedisSessionStore(other, { pollMs: 5 });
    const key = fresh();
    dead.enqueue(key, 200); // never acquires, never cancels, never shows it is alive again
    const lease = await alive.enqueue(key, 200).acquire(signal);
    expect(await redis.llen(`nestjs-viber:conversations:{${key}}:q`)).toBe(0);
    await lease.release();
  });

  it('writes are fenced: a turn that lost its lease cannot save over the new holder', async () => {
    const a = new RedisSessionStore(redis, { pollMs: 5 });
    const b = new RedisSessionStore(other, { pollMs: 5 });
    const key = fresh();
    const stale = await a.enqueue(key, 150).acquire(signal);
    expect(await a.set(key, { session: { by: 'a' } }, { ttlMs: 60_000, lease: stale })).toBe(true);
    const fresh2 = await b.enqueue(key, 5000).acquire(signal); // after A's lease expired
    expect(await b.set(key, { session: { by: 'b' } }, { ttlMs: 60_000, lease: fresh2 })).toBe(true);
    expect(await a.set(key, { session: { by: 'stale a' } }, { ttlMs: 60_000, lease: stale })).toBe(
      false,
    );
    expect(await a.delete(key, { ttlMs: 60_000, lease: stale })).toBe(false);
    expect(await a.get(key)).toEqual({ session: { by: 'b' } });
    await fresh2.release();
  });

  it('a cancelled place lets the next one go at once', async () => {
    const store = new RedisSessionStore(redis, { pollMs: 5 });
    const key = fresh();
    const first = store.enqueue(key, 60_000);
    const second = store.enqueue(key, 60_000);
    await first.cancel();
    const lease = await second.acquire(signal);
    await lease.release();
  });

  it('an aborted wait rejects with the reason', async () => {
    const store = new RedisSessionStore(redis, { pollMs: 5 });
    const key = fresh();
    const holder = await store.enqueue(key, 60_000).acquire(signal);
    const stop = new AbortController();
    const waiting = store.enqueue(key, 60_000).acquire(stop.signal);
    stop.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    await holder.release();
  });

  it('failures and timeouts are ViberSessionStoreErrors naming the operation and key', async () => {
    const failing: ViberRedisSessionClient = {
      eval: () => Promise.reject(new Error('READONLY replica')),
    };
    const store = new RedisSessionStore(failing);
    await expect(store.get('default:u')).rejects.toMatchObject({
      name: 'ViberSessionStoreError',
      operation: 'get',
      key: 'default:u',
      retryable: true,
      message: 'nestjs-viber: session store get of "default:u" failed: READONLY replica',
    });
    const hanging = new RedisSessionStore(
      { eval: () => new Promise(() => undefined) },
      { timeoutMs: 50 },
    );
    await expect(hanging.set('default:u', { session: {} }, { ttlMs: 1000 })).rejects.toThrow(
      /no answer from Redis within 50 ms/,
    );
    await expect(hanging.enqueue('default:u', 1000).acquire(signal)).rejects.toBeInstanceOf(
      ViberSessionStoreError,
    );
    expect(() => new RedisSessionStore({} as ViberRedisSessionClient)).toThrow(
      /needs a Redis client with eval\(\)/,
    );
  });
});
