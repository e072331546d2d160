import type { ViberDedupeStore } from './viber-dedupe.store';

/** Default prefix of the keys a {@link RedisDedupeStore} writes. */
export const VIBER_REDIS_DEDUPE_KEY_PREFIX = 'nestjs-viber:dedupe:';

/** Default time a {@link RedisDedupeStore} waits for Redis before a claim or release fails, in ms. */
export const VIBER_REDIS_DEDUPE_TIMEOUT_MS = 1000;

/**
 * The two Redis commands a {@link RedisDedupeStore} sends. An `ioredis` client (`Redis` or
 * `Cluster`, v5) satisfies it as is; wrap other clients (node-redis: `set(key, value, { PX, NX })`)
 * in an object of this shape. The library does not depend on any Redis package.
 */
export interface ViberRedisClient {
  /** `SET key value PX milliseconds NX`: resolves `'OK'` when set, `null` when the key exists. */
  set(
    key: string,
    value: string,
    millisecondsToken: 'PX',
    milliseconds: number,
    nx: 'NX',
  ): Promise<'OK' | null>;
  /** `DEL key`: resolves the number of keys removed. */
  del(key: string): Promise<number>;
  /** `PING` (optional; ioredis has it): health checks use it, else a `DEL` of an unused key. */
  ping?(): Promise<unknown>;
}

/** Options of a {@link RedisDedupeStore}. */
export interface RedisDedupeStoreOptions {
  /**
   * Prefix of every key (`<prefix><bot>:<event>:<message_token>`). Default
   * `nestjs-viber:dedupe:`. Give apps that share a Redis but not their bots different prefixes.
   */
  keyPrefix?: string;
  /**
   * How long a claim or release waits for Redis before it rejects, in ms. Default 1000, well
   * below Viber's ~5 s answer window (a client with an offline queue would otherwise wait
   * through its reconnects). `0` waits as long as the client does.
   */
  timeoutMs?: number;
}

/** A Redis command of a {@link RedisDedupeStore} failed or timed out; `cause` is the client's error. */
export class RedisDedupeStoreError extends Error {
  constructor(
    /** The store operation that failed. */
    readonly operation: 'claim' | 'release' | 'ping',
    /** The full Redis key. */
    readonly key: string,
    message: string,
    cause?: unknown,
  ) {
    super(`nestjs-viber: Redis dedupe ${operation} of "${key}" failed: ${message}`, { cause });
    this.name = 'RedisDedupeStoreError';
  }
}

/**
 * A {@link ViberDedupeStore} in Redis, shared by every replica that uses the same Redis (and key
 * prefix): a callback re-sent to another instance is handled once. A claim is one atomic
 * `SET <prefix><key> 1 PX <ttl> NX`; a release is a `DEL`. Keys expire on their own.
 *
 * Redis errors are not hidden: `claim` and `release` reject with a {@link RedisDedupeStoreError}
 * (also after `timeoutMs`), and the caller decides whether to handle the callback anyway.
 *
 * ```ts
 * import Redis from 'ioredis';
 * const redis = new Redis(process.env.REDIS_URL!);
 * ViberModule.forRoot({ token, handling: { dedupeStore: new RedisDedupeStore(redis) } });
 * ```
 */
export class RedisDedupeStore implements ViberDedupeStore {
  /** Prefix of every key the store writes. */
  readonly keyPrefix: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly client: ViberRedisClient,
    options: RedisDedupeStoreOptions = {},
  ) {
    if (
      client === null ||
      typeof client !== 'object' ||
      typeof client.set !== 'function' ||
      typeof client.del !== 'function'
    ) {
      throw new TypeError(
        'nestjs-viber: RedisDedupeStore needs a Redis client with set() and del() (e.g. an ioredis client)',
      );
    }
    const timeoutMs = options.timeoutMs ?? VIBER_REDIS_DEDUPE_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(
        `nestjs-viber: RedisDedupeStore timeoutMs must be a number >= 0; got ${String(timeoutMs)}`,
      );
    }
    this.keyPrefix = options.keyPrefix ?? VIBER_REDIS_DEDUPE_KEY_PREFIX;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Claims `key` for `ttlMs` milliseconds with one atomic `SET … PX … NX`: `true` for the first
   * claim, `false` while an earlier one holds. `ttlMs` is rounded up to a whole millisecond. Rejects with a {@link RedisDedupeStoreError}
   * when Redis fails or does not answer within `timeoutMs`.
   */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    const redisKey = this.keyPrefix + key;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new RedisDedupeStoreError(
        'claim',
        redisKey,
        `ttlMs must be a positive number; got ${String(ttlMs)}`,
      );
    }
    const answer = await this.command('claim', redisKey, () =>
      this.client.set(redisKey, '1', 'PX', Math.ceil(ttlMs), 'NX'),
    );
    return answer === 'OK';
  }

  /**
   * Drops a claim (`DEL`), so a re-delivery is handled again. Rejects with a {@link RedisDedupeStoreError} when Redis fails or does not answer in time.
   */
  async release(key: string): Promise<void> {
    const redisKey = this.keyPrefix + key;
    await this.command('release', redisKey, () => this.client.del(redisKey));
  }

  /**
   * Checks that Redis answers: `PING` (or, for a client without `ping()`, a `DEL` of the key
   * `<prefix>__ping`, which never exists). Rejects with a {@link RedisDedupeStoreError} when Redis
   * fails or does not answer within `timeoutMs`. Readiness checks call it.
   */
  async ping(): Promise<void> {
    const key = `${this.keyPrefix}__ping`;
    const client = this.client;
    await this.command('ping', key, () =>
      typeof client.ping === 'function' ? client.ping() : client.del(key),
    );
  }

  /** Runs one command, bounded by `timeoutMs`, turning its failures into store errors. */
  private async command<T>(
    operation: 'claim' | 'release' | 'ping',
    key: string,
    send: () => Promise<T>,
  ): Promise<T> {
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(send());
    } catch (error) {
      throw new RedisDedupeStoreError(operation, key, messageOf(error), error);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout =
      this.timeoutMs > 0
        ? new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new RedisDedupeStoreError(
                    operation,
                    key,
                    `no answer from Redis within ${this.timeoutMs} ms`,
                  ),
                ),
              this.timeoutMs,
            );
          })
        : undefined;
    // A command that fails after the timeout must not become an unhandled rejection.
    pending.catch(() => undefined);
    try {
      return await (timeout ? Promise.race([pending, timeout]) : pending);
    } catch (error) {
      if (error instanceof RedisDedupeStoreError) throw error;
      throw new RedisDedupeStoreError(operation, key, messageOf(error), error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
