import { matchesSubscriberFilter } from './subscriber-merge';
import type { ViberSubscriberStore } from './viber-subscriber.store';
import {
  VIBER_SUBSCRIBER_PROFILE_FIELDS,
  type ViberSubscriber,
  type ViberSubscriberFilter,
  type ViberSubscriberObservation,
  type ViberSubscriberPage,
  type ViberSubscriberProfile,
} from './viber-subscriber.types';

/**
 * The Redis commands a {@link RedisSubscriberStore} sends. An `ioredis` client (v5) satisfies it
 * as is; wrap other clients in an object of this shape. The library depends on no Redis package.
 */
export interface ViberRedisSubscriberClient {
  /** `EVAL script numkeys key… arg…`. */
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** `HGETALL key`. */
  hgetall(key: string): Promise<Record<string, string>>;
  /** `ZRANGEBYLEX key min max LIMIT offset count`. */
  zrangebylex(
    key: string,
    min: string,
    max: string,
    limit: 'LIMIT',
    offset: number,
    count: number,
  ): Promise<string[]>;
  /** `PING` (optional; ioredis has it): health checks use it, else a one-id `ZRANGEBYLEX`. */
  ping?(): Promise<unknown>;
}

/** Options of a {@link RedisSubscriberStore}. */
export interface RedisSubscriberStoreOptions {
  /** Prefix of every key. Default `nestjs-viber:subscribers:`; give each bot its own. */
  keyPrefix?: string;
}

/**
 * Merges one observation into a user's hash, atomically (the same rules as `mergeSubscriber`):
 * newest status (ties: unsubscribed), earliest first_seen_at, latest last_message_at, and per
 * profile field the newest value. KEYS: hash, index. ARGV: id, at, subscribed ('' | '1' | '0'),
 * message ('' | '1'), then field/value pairs (values JSON-encoded).
 */
const OBSERVE_SCRIPT = `
local key, index = KEYS[1], KEYS[2]
local id, at, sub, msg = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
redis.call('ZADD', index, 0, id)
local first = tonumber(redis.call('HGET', key, 'first_seen_at'))
if (not first) or at < first then redis.call('HSET', key, 'first_seen_at', ARGV[2]) end
if sub ~= '' then
  local since = tonumber(redis.call('HGET', key, 'status_at')) or 0
  if at > since or since == 0 then
    redis.call('HSET', key, 'subscribed', sub, 'status_at', ARGV[2])
  elseif at == since and sub == '0' then
    redis.call('HSET', key, 'subscribed', '0')
  end
elseif not redis.call('HGET', key, 'subscribed') then
  redis.call('HSET', key, 'subscribed', '0', 'status_at', '0')
end
if msg == '1' then
  local last = tonumber(redis.call('HGET', key, 'last_message_at')) or 0
  if at > last then redis.call('HSET', key, 'last_message_at', ARGV[2]) end
end
for i = 5, #ARGV, 2 do
  local field, value = ARGV[i], ARGV[i + 1]
  local since = tonumber(redis.call('HGET', key, 't:' .. field)) or 0
  local current = redis.call('HGET', key, 'p:' .. field)
  if at > since or (at == since and ((not current) or value > current)) then
    redis.call('HSET', key, 'p:' .. field, value, 't:' .. field, ARGV[2])
  end
end
return 1
`;

/** Removes a user. KEYS: hash, index. ARGV: id. Returns 1 when there was a record. */
const FORGET_SCRIPT = `
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])
`;

const PAGE = 200;

/**
 * A {@link ViberSubscriberStore} in Redis, shared by every replica using the same Redis and key
 * prefix. Each user is a hash `<prefix>user:<id>`, merged by one Lua script per observation (no
 * lost update under concurrency); a sorted set `<prefix>index` orders ids for paging.
 */
export class RedisSubscriberStore implements ViberSubscriberStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: ViberRedisSubscriberClient,
    options: RedisSubscriberStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'nestjs-viber:subscribers:';
  }

  /** {@inheritDoc ViberSubscriberStore.observe} */
  async observe(observation: ViberSubscriberObservation): Promise<void> {
    const args: Array<string | number> = [
      observation.id,
      String(observation.at),
      observation.subscribed === undefined ? '' : observation.subscribed ? '1' : '0',
      observation.message ? '1' : '',
    ];
    for (const field of VIBER_SUBSCRIBER_PROFILE_FIELDS) {
      const value = observation.profile?.[field];
      if (value !== undefined) args.push(field, JSON.stringify(value));
    }
    await this.redis.eval(OBSERVE_SCRIPT, 2, this.userKey(observation.id), this.indexKey, ...args);
  }

  /** {@inheritDoc ViberSubscriberStore.get} */
  async get(id: string): Promise<ViberSubscriber | undefined> {
    return this.decode(id, await this.redis.hgetall(this.userKey(id)));
  }

  /** {@inheritDoc ViberSubscriberStore.forget} */
  async forget(id: string): Promise<boolean> {
    return Number(await this.redis.eval(FORGET_SCRIPT, 2, this.userKey(id), this.indexKey, id)) > 0;
  }

  /** {@inheritDoc ViberSubscriberStore.count} */
  async count(filter?: ViberSubscriberFilter): Promise<number> {
    let count = 0;
    let cursor: string | undefined;
    do {
      const { records, next } = await this.scan(cursor);
      for (const record of records) if (matchesSubscriberFilter(record, filter)) count++;
      cursor = next;
    } while (cursor !== undefined);
    return count;
  }

  /** A page of users passing the filter, ordered by id; the cursor is the last id of the page. */
  async list(
    options: { filter?: ViberSubscriberFilter; limit?: number; cursor?: string } = {},
  ): Promise<ViberSubscriberPage> {
    const limit = Math.max(1, options.limit ?? 100);
    const items: ViberSubscriber[] = [];
    let cursor = options.cursor;
    for (;;) {
      const { records, next } = await this.scan(cursor);
      for (const record of records) {
        cursor = record.id;
        if (!matchesSubscriberFilter(record, options.filter)) continue;
        items.push(record);
        if (items.length === limit) return { items, cursor: record.id };
      }
      if (next === undefined) return { items };
      cursor = next;
    }
  }

  /**
   * Checks that Redis answers: `PING`, or for a client without `ping()` a read of one id of the
   * index. Readiness checks call it (and bound how long they wait).
   */
  async ping(): Promise<void> {
    if (typeof this.redis.ping === 'function') await this.redis.ping();
    else await this.redis.zrangebylex(this.indexKey, '-', '+', 'LIMIT', 0, 1);
  }

  private get indexKey(): string {
    return `${this.prefix}index`;
  }

  private userKey(id: string): string {
    return `${this.prefix}user:${id}`;
  }

  /** Reads up to one page of ids after `cursor`, and their records. */
  private async scan(
    cursor: string | undefined,
  ): Promise<{ records: ViberSubscriber[]; next?: string }> {
    const min = cursor === undefined ? '-' : `(${cursor}`;
    const ids = await this.redis.zrangebylex(this.indexKey, min, '+', 'LIMIT', 0, PAGE);
    const hashes = await Promise.all(ids.map((id) => this.redis.hgetall(this.userKey(id))));
    const records: ViberSubscriber[] = [];
    ids.forEach((id, index) => {
      const record = this.decode(id, hashes[index]!);
      if (record) records.push(record);
    });
    return { records, next: ids.length === PAGE ? ids[ids.length - 1] : undefined };
  }

  private decode(id: string, hash: Record<string, string>): ViberSubscriber | undefined {
    if (!hash || Object.keys(hash).length === 0) return undefined;
    const record: ViberSubscriber = {
      id,
      subscribed: hash.subscribed === '1',
      first_seen_at: Number(hash.first_seen_at),
      status_at: Number(hash.status_at ?? 0),
      profile_at: {},
    };
    if (hash.last_message_at !== undefined) record.last_message_at = Number(hash.last_message_at);
    const profile = record as unknown as Record<string, unknown>;
    for (const field of VIBER_SUBSCRIBER_PROFILE_FIELDS) {
      const value = hash[`p:${field}`];
      if (value === undefined) continue;
      profile[field] = JSON.parse(value) as ViberSubscriberProfile[typeof field];
      record.profile_at[field] = Number(hash[`t:${field}`]);
    }
    return record;
  }
}
