import {
  RedisDedupeStore,
  RedisDedupeStoreError,
  VIBER_REDIS_DEDUPE_KEY_PREFIX,
  type ViberRedisClient,
} from './redis-dedupe.store';
import type { ViberDedupeStore } from './viber-dedupe.store';

// No redis-server here (unit project): fake clients only. What needs a real Redis (atomic SET NX
// across clients, expiry, the stored TTL) is in test/dedupe/redis-dedupe.store.redis-spec.ts.

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A client whose commands never answer (a Redis that hangs). */
const hangingClient: ViberRedisClient = {
  set: () => new Promise<never>(() => undefined),
  del: () => new Promise<never>(() => undefined),
};

describe('RedisDedupeStore (fake clients, real timers; no server)', () => {
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
    expect(() => new RedisDedupeStore(hangingClient, { timeoutMs: -1 })).toThrow(RangeError);
  });

  it('ping: PING when the client has it, else a DEL of <prefix>__ping (health checks call it)', async () => {
    const ping = jest.fn(() => Promise.resolve('PONG'));
    await new RedisDedupeStore({
      set: () => Promise.resolve(null),
      del: () => Promise.resolve(0),
      ping,
    } as ViberRedisClient).ping();
    expect(ping).toHaveBeenCalledTimes(1);
    const del = jest.fn(() => Promise.resolve(0));
    const withoutPing = new RedisDedupeStore({ set: () => Promise.resolve(null), del });
    await withoutPing.ping();
    expect(del).toHaveBeenCalledWith('nestjs-viber:dedupe:__ping');
    const hanging = new RedisDedupeStore(
      { ...hangingClient, ping: () => new Promise<never>(() => undefined) } as ViberRedisClient,
      { timeoutMs: 50 },
    );
    await expect(hanging.ping()).rejects.toMatchObject({
      operation: 'ping',
      message: expect.stringContaining('no answer from Redis within 50 ms') as unknown,
    });
  });

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
    await expect(slow.claim('k', 1000)).rejects.toThrow(/no answer from Redis within 50 ms/);
    await expect(slow.release('k')).rejects.toThrow(RedisDedupeStoreError);
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
});

describe('RedisDedupeStore (fake client, fake timers; no server)', () => {
  type SetArgs = Parameters<ViberRedisClient['set']>;

  /** A client that records its commands and answers from `answers` (default `'OK'` / 1). */
  function recordingClient(
    answers: { set?: () => Promise<'OK' | null>; del?: () => Promise<number> } = {},
  ): {
    client: ViberRedisClient;
    sets: SetArgs[];
    dels: string[];
  } {
    const sets: SetArgs[] = [];
    const dels: string[] = [];
    const client: ViberRedisClient = {
      set: (...args: SetArgs) => {
        sets.push(args);
        return answers.set ? answers.set() : Promise.resolve('OK');
      },
      del: (key: string) => {
        dels.push(key);
        return answers.del ? answers.del() : Promise.resolve(1);
      },
    };
    return { client, sets, dels };
  }

  /** Resolves after `ms` of the (fake) clock. */
  const later = <T>(ms: number, value: T): Promise<T> =>
    new Promise((resolve) => setTimeout(() => resolve(value), ms));

  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('sends SET <prefix><key> 1 PX <ceil(ttl)> NX and answers true for OK, false for null', async () => {
    let answer: 'OK' | null = 'OK';
    const { client, sets } = recordingClient({ set: () => Promise.resolve(answer) });
    const store = new RedisDedupeStore(client);
    expect(store.keyPrefix).toBe('nestjs-viber:dedupe:');
    await expect(store.claim('default:message:7', 1500)).resolves.toBe(true);
    answer = null;
    await expect(store.claim('default:message:7', 0.2)).resolves.toBe(false);
    expect(sets).toEqual([
      ['nestjs-viber:dedupe:default:message:7', '1', 'PX', 1500, 'NX'],
      ['nestjs-viber:dedupe:default:message:7', '1', 'PX', 1, 'NX'],
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('sends DEL <prefix><key> on release and resolves undefined', async () => {
    const { client, dels } = recordingClient();
    const store = new RedisDedupeStore(client, { keyPrefix: 'app:' });
    await expect(store.release('default:message:7')).resolves.toBeUndefined();
    expect(dels).toEqual(['app:default:message:7']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('accepts an empty prefix', async () => {
    const { client, sets } = recordingClient();
    const store = new RedisDedupeStore(client, { keyPrefix: '' });
    await store.claim('k', 10);
    expect(sets[0]![0]).toBe('k');
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects a TTL of %s with the exact reason, sending nothing',
    async (ttl) => {
      const { client, sets } = recordingClient();
      const store = new RedisDedupeStore(client);
      const claim = store.claim('k', ttl);
      await expect(claim).rejects.toThrow(RedisDedupeStoreError);
      await expect(claim).rejects.toMatchObject({
        name: 'RedisDedupeStoreError',
        operation: 'claim',
        key: 'nestjs-viber:dedupe:k',
        message: `nestjs-viber: Redis dedupe claim of "nestjs-viber:dedupe:k" failed: ttlMs must be a positive number; got ${String(ttl)}`,
      });
      expect(sets).toEqual([]);
    },
  );

  it('accepts a TTL below one millisecond (sent as 1)', async () => {
    const { client, sets } = recordingClient();
    await expect(new RedisDedupeStore(client).claim('k', 0.001)).resolves.toBe(true);
    expect(sets[0]![3]).toBe(1);
  });

  it('waits 1000 ms for Redis by default, then rejects with the timeout', async () => {
    const store = new RedisDedupeStore(hangingClient);
    let error: unknown;
    const claim = store.claim('k', 60_000).catch((e: unknown) => {
      error = e;
    });
    jest.advanceTimersByTime(999);
    await flush();
    expect(error).toBeUndefined();
    jest.advanceTimersByTime(1);
    await claim;
    expect(error).toBeInstanceOf(RedisDedupeStoreError);
    expect(error).toMatchObject({
      operation: 'claim',
      key: 'nestjs-viber:dedupe:k',
      message:
        'nestjs-viber: Redis dedupe claim of "nestjs-viber:dedupe:k" failed: no answer from Redis within 1000 ms',
      cause: undefined,
    });
  });

  it('times a release out after timeoutMs too', async () => {
    const store = new RedisDedupeStore(hangingClient, { timeoutMs: 250 });
    const release = store.release('k');
    jest.advanceTimersByTime(250);
    await expect(release).rejects.toMatchObject({
      operation: 'release',
      message:
        'nestjs-viber: Redis dedupe release of "nestjs-viber:dedupe:k" failed: no answer from Redis within 250 ms',
    });
  });

  it('clears its timer once Redis answers in time', async () => {
    const { client } = recordingClient({ set: () => later(40, 'OK' as const) });
    const store = new RedisDedupeStore(client, { timeoutMs: 50 });
    const claim = store.claim('k', 1000);
    expect(jest.getTimerCount()).toBe(2); // the answer and the timeout
    jest.advanceTimersByTime(40);
    await expect(claim).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('with timeoutMs 0 waits as long as the client does', async () => {
    const { client } = recordingClient({ set: () => later(60_000, null) });
    const store = new RedisDedupeStore(client, { timeoutMs: 0 });
    let answer: boolean | undefined;
    const claim = store.claim('k', 1000).then((a) => {
      answer = a;
    });
    expect(jest.getTimerCount()).toBe(1); // the client's own, no timeout
    jest.advanceTimersByTime(59_999);
    await flush();
    expect(answer).toBeUndefined();
    jest.advanceTimersByTime(1);
    await claim;
    expect(answer).toBe(false);
  });

  it('wraps a client failure once, keeping the cause; a non-Error cause is stringified', async () => {
    const cause = new Error('LOADING Redis is loading the dataset in memory');
    const failing = new RedisDedupeStore(
      recordingClient({ set: () => Promise.reject(cause) }).client,
    );
    await expect(failing.claim('k', 1000)).rejects.toMatchObject({
      name: 'RedisDedupeStoreError',
      message:
        'nestjs-viber: Redis dedupe claim of "nestjs-viber:dedupe:k" failed: LOADING Redis is loading the dataset in memory',
      cause,
    });
    const odd = new RedisDedupeStore(
      recordingClient({ del: () => Promise.reject('connection closed') }).client,
    );
    await expect(odd.release('k')).rejects.toMatchObject({
      operation: 'release',
      message:
        'nestjs-viber: Redis dedupe release of "nestjs-viber:dedupe:k" failed: connection closed',
      cause: 'connection closed',
    });
  });

  it('turns a synchronous throw into a rejection with the cause, arming no timer', async () => {
    const cause = new TypeError('client is closed');
    const store = new RedisDedupeStore({
      set: () => {
        throw cause;
      },
      del: () => {
        throw 'closed';
      },
    });
    await expect(store.claim('k', 1000)).rejects.toMatchObject({
      message:
        'nestjs-viber: Redis dedupe claim of "nestjs-viber:dedupe:k" failed: client is closed',
      cause,
    });
    await expect(store.release('k')).rejects.toMatchObject({
      message: 'nestjs-viber: Redis dedupe release of "nestjs-viber:dedupe:k" failed: closed',
      cause: 'closed',
    });
    expect(jest.getTimerCount()).toBe(0);
  });

  describe('constructor', () => {
    const ok = (): ViberRedisClient => recordingClient().client;
    const noClient = new TypeError(
      'nestjs-viber: RedisDedupeStore needs a Redis client with set() and del() (e.g. an ioredis client)',
    );

    it.each([
      ['null', null],
      ['undefined', undefined],
      ['a string', 'redis://localhost'],
      ['a function with set and del', Object.assign(() => undefined, ok())],
      ['an object without set', { del: ok().del }],
      ['an object without del', { set: ok().set }],
      ['an object whose set is not a function', { set: 'SET', del: ok().del }],
    ])('refuses %s with a TypeError', (_name, client) => {
      const construct = (): RedisDedupeStore =>
        new RedisDedupeStore(client as unknown as ViberRedisClient);
      expect(construct).toThrow(TypeError);
      expect(construct).toThrow(noClient);
    });

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])(
      'refuses timeoutMs %s with a RangeError',
      (timeoutMs) => {
        const construct = (): RedisDedupeStore => new RedisDedupeStore(ok(), { timeoutMs });
        expect(construct).toThrow(RangeError);
        expect(construct).toThrow(
          `nestjs-viber: RedisDedupeStore timeoutMs must be a number >= 0; got ${String(timeoutMs)}`,
        );
      },
    );

    it('accepts timeoutMs 0 and the default options', () => {
      expect(() => new RedisDedupeStore(ok(), { timeoutMs: 0 })).not.toThrow();
      expect(() => new RedisDedupeStore(ok(), {})).not.toThrow();
      expect(new RedisDedupeStore(ok(), {}).keyPrefix).toBe(VIBER_REDIS_DEDUPE_KEY_PREFIX);
    });
  });
});
