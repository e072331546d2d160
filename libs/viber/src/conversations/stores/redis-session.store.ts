import { randomBytes } from 'node:crypto';
import { ViberSessionStoreError } from '../../errors/viber-session-store.error';
import type { ViberSessionRecord } from '../viber-session.types';
import type {
  ViberSessionLease,
  ViberSessionLocking,
  ViberSessionStore,
  ViberSessionTicket,
  ViberSessionWriteOptions,
} from './viber-session.store';

/** Default prefix of the keys a {@link RedisSessionStore} writes. */
export const VIBER_REDIS_SESSION_KEY_PREFIX = 'nestjs-viber:conversations:';
/** Default time a {@link RedisSessionStore} command waits for Redis before it fails, in ms. */
export const VIBER_REDIS_SESSION_TIMEOUT_MS = 2000;
/** Default time between two tries of a callback waiting for its user's turn, in ms. */
export const VIBER_REDIS_SESSION_POLL_MS = 10;

/**
 * The one Redis command a {@link RedisSessionStore} sends: `EVAL script numkeys key… arg…` (every
 * operation is one atomic Lua script). An `ioredis` client (v5) satisfies it as is; wrap other
 * clients in an object of this shape. The library depends on no Redis package.
 */
export interface ViberRedisSessionClient {
  /** `EVAL script numkeys key… arg…`. */
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Options of a {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** Prefix of every key. Default `nestjs-viber:conversations:`. */
  keyPrefix?: string;
  /** How long one command waits for Redis before it fails, in ms. Default 2000; `0` waits as long as the client. */
  timeoutMs?: number;
  /** Time between two tries of a callback waiting for its user's turn, in ms. Default 10. */
  pollMs?: number;
}

// Every script starts like this: Redis 5 and 6 need effects replication for TIME before writes
// (Redis 7 always replicates effects); `now` is the server's clock, the same for every replica.
const NOW = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Takes a place at the end of the user's line. KEYS: line, alive, arrivals. ARGV: ticket, leaseMs.
 * The line is a list of tickets in arrival order; `alive` scores each waiting ticket with the time
 * its process last showed it was alive; `arrivals` numbers the arrivals. Returns the number.
 */
const ENQUEUE = `${NOW}
local ttl = tonumber(ARGV[2])
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
local n = redis.call('INCR', KEYS[3])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl * 3) end
return n
`;

/**
 * Tries to take the turn. KEYS: line, alive, lease. ARGV: ticket, leaseMs, then the other tickets
 * of this process still waiting in the line (kept alive). Heads whose process stopped showing it
 * is alive are dropped. Returns 1 (the turn is this ticket's: lease set), 0 (wait), -1 (the
 * ticket is no longer in the line: take a new place).
 */
const ACQUIRE = `${NOW}
local ttl = tonumber(ARGV[2])
for i = 1, #ARGV do
  if i ~= 2 then redis.call('ZADD', KEYS[2], 'XX', now + ttl, ARGV[i]) end
end
redis.call('PEXPIRE', KEYS[1], ttl * 3)
redis.call('PEXPIRE', KEYS[2], ttl * 3)
local holder = redis.call('GET', KEYS[3])
if holder == ARGV[1] then return 1 end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -1 end
if holder then return 0 end
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then return -1 end
  if head == ARGV[1] then
    redis.call('LPOP', KEYS[1])
    redis.call('ZREM', KEYS[2], head)
    redis.call('SET', KEYS[3], ARGV[1], 'PX', ttl)
    return 1
  end
  local alive = tonumber(redis.call('ZSCORE', KEYS[2], head))
  if alive and alive >= now then return 0 end
  redis.call('LPOP', KEYS[1])
  redis.call('ZREM', KEYS[2], head)
end
`;

/**
 * Extends the lease while the handlers run. KEYS: lease, line, alive. ARGV: ticket, leaseMs, then
 * the tickets of this process still waiting. Returns 1, or 0 when the lease is no longer this
 * ticket's.
 */
const RENEW = `${NOW}
local ttl = tonumber(ARGV[2])
for i = 3, #ARGV do redis.call('ZADD', KEYS[3], 'XX', now + ttl, ARGV[i]) end
redis.call('PEXPIRE', KEYS[2], ttl * 3)
redis.call('PEXPIRE', KEYS[3], ttl * 3)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

/** Releases the lease if it is still this ticket's. KEYS: lease. ARGV: ticket. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/** Leaves the line without taking the turn. KEYS: line, alive. ARGV: ticket. */
const CANCEL = `
redis.call('LREM', KEYS[1], 0, ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/** Reads the record. KEYS: session. */
const GET = `return redis.call('GET', KEYS[1])`;

/**
 * Writes the record, fenced: with a ticket, only while the lease is that ticket's. KEYS: session,
 * lease. ARGV: ticket ('' without a lease), JSON ('' deletes), ttlMs. Returns 1, or 0 when refused.
 */
const WRITE = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
`;

/** Sleeps `ms`, or rejects when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The lease of a {@link RedisSessionStore}: the ticket that holds `<user>:lease`. */
class RedisSessionLease implements ViberSessionLease {
  constructor(
    private readonly store: RedisSessionStore,
    readonly key: string,
    readonly ticket: string,
    private readonly leaseMs: number,
  ) {}

  renew(): Promise<boolean> {
    return this.store.renewLease(this.key, this.ticket, this.leaseMs);
  }

  release(): Promise<void> {
    return this.store.releaseLease(this.key, this.ticket);
  }
}

/**
 * Conversations in Redis, shared by every replica that uses the same Redis and key prefix; they
 * survive restarts of the app (and of Redis, if it persists its data). Each user's record is one
 * JSON value `<prefix>{<bot>:<user>}:s` with the TTL `conversations.ttlMs`.
 *
 * It also orders each user's callbacks across replicas ({@link ViberSessionLocking}): a callback
 * takes a place at the end of the user's line when it arrives (`RPUSH`), waits until it is at the
 * head and no lease is held, then holds a lease (`SET … PX leaseMs`) that is renewed while its
 * handlers run and released after. A process that dies holding the lease delays that user by at
 * most `leaseMs`; the places of a dead process's waiting callbacks expire after `leaseMs` as well.
 * Saves are fenced: a turn whose lease expired (a stalled process) cannot write over a newer one.
 * The keys of one user share a hash tag, so it works on Redis Cluster too.
 *
 * ```ts
 * import Redis from 'ioredis';
 * const redis = new Redis(process.env.REDIS_URL!);
 * ViberModule.forRoot({ token, conversations: { store: new RedisSessionStore(redis) } });
 * ```
 */
export class RedisSessionStore implements ViberSessionStore, ViberSessionLocking {
  /** Prefix of every key the store writes. */
  readonly keyPrefix: string;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  /** This process's tickets (random prefix) and the ones still waiting, by user key. */
  private readonly instance = randomBytes(6).toString('base64url');
  private sequence = 0;
  private readonly waiting = new Map<string, Set<string>>();

  constructor(
    private readonly client: ViberRedisSessionClient,
    options: RedisSessionStoreOptions = {},
  ) {
    if (client === null || typeof client !== 'object' || typeof client.eval !== 'function') {
      throw new TypeError(
        'nestjs-viber: RedisSessionStore needs a Redis client with eval() (e.g. an ioredis client)',
      );
    }
    const timeoutMs = options.timeoutMs ?? VIBER_REDIS_SESSION_TIMEOUT_MS;
    const pollMs = options.pollMs ?? VIBER_REDIS_SESSION_POLL_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(
        `nestjs-viber: RedisSessionStore timeoutMs must be a number >= 0; got ${String(timeoutMs)}`,
      );
    }
    if (!Number.isFinite(pollMs) || pollMs <= 0) {
      throw new RangeError(
        `nestjs-viber: RedisSessionStore pollMs must be a number > 0; got ${String(pollMs)}`,
      );
    }
    this.keyPrefix = options.keyPrefix ?? VIBER_REDIS_SESSION_KEY_PREFIX;
    this.timeoutMs = timeoutMs;
    this.pollMs = pollMs;
  }

  /** {@inheritDoc ViberSessionStore.get} */
  async get(key: string): Promise<ViberSessionRecord | undefined> {
    const json = await this.command('get', key, GET, [this.redisKey(key, 's')]);
    if (typeof json !== 'string' || json.length === 0) return undefined;
    return JSON.parse(json) as ViberSessionRecord;
  }

  /** {@inheritDoc ViberSessionStore.set} */
  async set(
    key: string,
    record: ViberSessionRecord,
    options: ViberSessionWriteOptions,
  ): Promise<boolean> {
    return this.write('set', key, JSON.stringify(record), options);
  }

  /** {@inheritDoc ViberSessionStore.delete} */
  async delete(key: string, options: ViberSessionWriteOptions): Promise<boolean> {
    return this.write('delete', key, '', options);
  }

  /** {@inheritDoc ViberSessionLocking.enqueue} */
  enqueue(key: string, leaseMs: number): ViberSessionTicket {
    const ticket = `${this.instance}:${++this.sequence}`;
    let tickets = this.waiting.get(key);
    if (!tickets) this.waiting.set(key, (tickets = new Set()));
    tickets.add(ticket);
    // Sent now, in arrival order: one connection keeps the order of the user's line.
    const placed = this.place(key, ticket, leaseMs);
    placed.catch(() => undefined);
    return {
      acquire: (signal) => this.acquire(key, ticket, leaseMs, placed, signal),
      cancel: () => this.cancel(key, ticket),
    };
  }

  /** Extends a lease (and keeps this process's waiting tickets of the user alive). @internal */
  async renewLease(key: string, ticket: string, leaseMs: number): Promise<boolean> {
    const answer = await this.command(
      'renew',
      key,
      RENEW,
      [this.redisKey(key, 'l'), this.redisKey(key, 'q'), this.redisKey(key, 'a')],
      [ticket, leaseMs, ...this.othersWaiting(key, ticket)],
    );
    return Number(answer) === 1;
  }

  /** Releases a lease if it is still the ticket's. @internal */
  async releaseLease(key: string, ticket: string): Promise<void> {
    await this.command('release', key, RELEASE, [this.redisKey(key, 'l')], [ticket]);
  }

  private place(key: string, ticket: string, leaseMs: number): Promise<unknown> {
    return this.command(
      'enqueue',
      key,
      ENQUEUE,
      [this.redisKey(key, 'q'), this.redisKey(key, 'a'), this.redisKey(key, 'n')],
      [ticket, leaseMs],
    );
  }

  private async acquire(
    key: string,
    ticket: string,
    leaseMs: number,
    placed: Promise<unknown>,
    signal: AbortSignal,
  ): Promise<ViberSessionLease> {
    try {
      await placed;
      for (;;) {
        if (signal.aborted) throw signal.reason as Error;
        const answer = Number(
          await this.command(
            'acquire',
            key,
            ACQUIRE,
            [this.redisKey(key, 'q'), this.redisKey(key, 'a'), this.redisKey(key, 'l')],
            [ticket, leaseMs, ...this.othersWaiting(key, ticket)],
          ),
        );
        if (answer === 1) return new RedisSessionLease(this, key, ticket, leaseMs);
        // Dropped from the line (this process looked dead, e.g. a long event-loop stall): a new place.
        if (answer === -1) await this.place(key, ticket, leaseMs);
        else await sleep(this.pollMs * (0.5 + Math.random()), signal);
      }
    } finally {
      this.forgetWaiting(key, ticket);
    }
  }

  private async cancel(key: string, ticket: string): Promise<void> {
    this.forgetWaiting(key, ticket);
    await this.command(
      'cancel',
      key,
      CANCEL,
      [this.redisKey(key, 'q'), this.redisKey(key, 'a')],
      [ticket],
    );
  }

  private async write(
    operation: 'set' | 'delete',
    key: string,
    json: string,
    options: ViberSessionWriteOptions,
  ): Promise<boolean> {
    const ticket = options.lease instanceof RedisSessionLease ? options.lease.ticket : '';
    const answer = await this.command(
      operation,
      key,
      WRITE,
      [this.redisKey(key, 's'), this.redisKey(key, 'l')],
      [ticket, json, Math.max(1, Math.ceil(options.ttlMs))],
    );
    return Number(answer) === 1;
  }

  private othersWaiting(key: string, ticket: string): string[] {
    const tickets = this.waiting.get(key);
    if (!tickets) return [];
    const others: string[] = [];
    for (const other of tickets) if (other !== ticket) others.push(other);
    return others;
  }

  private forgetWaiting(key: string, ticket: string): void {
    const tickets = this.waiting.get(key);
    if (!tickets) return;
    tickets.delete(ticket);
    if (tickets.size === 0) this.waiting.delete(key);
  }

  /** `<prefix>{<bot>:<user>}:<suffix>`: one hash tag per user (one Redis Cluster slot). */
  private redisKey(key: string, suffix: string): string {
    return `${this.keyPrefix}{${key}}:${suffix}`;
  }

  /** Runs one script, bounded by `timeoutMs`, turning failures into store errors. */
  private async command(
    operation: string,
    key: string,
    script: string,
    keys: string[],
    args: Array<string | number> = [],
  ): Promise<unknown> {
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(this.client.eval(script, keys.length, ...keys, ...args));
    } catch (error) {
      throw new ViberSessionStoreError(operation, key, messageOf(error), { cause: error });
    }
    // A command that fails after the timeout must not become an unhandled rejection.
    pending.catch(() => undefined);
    if (this.timeoutMs === 0) {
      try {
        return await pending;
      } catch (error) {
        throw new ViberSessionStoreError(operation, key, messageOf(error), { cause: error });
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ViberSessionStoreError(
              operation,
              key,
              `no answer from Redis within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([pending, timeout]);
    } catch (error) {
      if (error instanceof ViberSessionStoreError) throw error;
      throw new ViberSessionStoreError(operation, key, messageOf(error), { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
