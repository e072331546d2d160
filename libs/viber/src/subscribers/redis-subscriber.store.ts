import { ViberUsageError } from '../errors/viber-usage.error';
import {
  COUNT_SCRIPT,
  FORGET_SCRIPT,
  OBSERVE_SCRIPT,
  PAGE_SCRIPT,
  type RedisSubscriberScript,
} from './redis-subscriber.scripts';
import { subscriberIndexQuery, type SubscriberIndexQuery } from './subscriber-index';
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
 * Needs Redis 6 or later (tested with 7.0).
 */
export interface ViberRedisSubscriberClient {
  /** `EVALSHA sha1 numkeys key… arg…`: runs a script loaded before. */
  evalsha(sha1: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** `SCRIPT LOAD script`: loads a script (once per Redis server, again after a restart). */
  script(subcommand: 'LOAD', script: string): Promise<unknown>;
  /** `HGETALL key`. */
  hgetall(key: string): Promise<Record<string, string>>;
}

/** Options of a {@link RedisSubscriberStore}. */
export interface RedisSubscriberStoreOptions {
  /** Prefix of every key. Default `nestjs-viber:subscribers:`; give each bot its own. */
  keyPrefix?: string;
}

/** Profile field → the letter of its value in the user's hash. */
const LETTERS: Readonly<Record<keyof ViberSubscriberProfile, string>> = {
  name: 'N',
  avatar: 'A',
  country: 'C',
  language: 'L',
  api_version: 'V',
  primary_device_os: 'O',
};

/** Bitmap bytes one page script reads at most, over all the bitmaps of the filter. */
const PAGE_WINDOW_BYTES = 32_768;

/** A hash as a field → value lookup (HGETALL's object, or the flat list a script returns). */
type HashFields = Record<string, string>;

function fieldsOf(flat: readonly string[]): HashFields {
  const fields: HashFields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

/** A profile value, its continuation fields joined. */
function valueOf(hash: HashFields, letter: string): string | undefined {
  let value = hash[letter];
  if (value === undefined) return undefined;
  for (let k = 1; hash[`${letter}${k}`] !== undefined; k++) value += hash[`${letter}${k}`];
  return value;
}

/** The script arguments of a filter: min API level, then groups (count, names…). */
function filterArgs(query: SubscriberIndexQuery): string[] {
  const args = [query.minApiVersion === undefined ? '' : String(query.minApiVersion)];
  for (const group of query.groups) args.push(String(group.length), ...group);
  return args;
}

/**
 * A {@link ViberSubscriberStore} in Redis, shared by every replica using the same Redis and key
 * prefix. Each user is a small hash (a listpack in Redis: about 250 bytes plus the profile's own
 * bytes) merged by one Lua script per observation, run by `EVALSHA`, so concurrent callbacks
 * never lose an update. Users are numbered in the order they were first seen, and every index
 * the filters use (subscribed, country, language, API level, OS family) is a bitmap over those
 * numbers, kept by the same script: `count` is a `BITOP`/`BITCOUNT` (milliseconds at 10 million
 * users), and `list` pages by number, the same cost for every page. Key layout: see
 * `redis-subscriber.scripts.ts`.
 */
export class RedisSubscriberStore implements ViberSubscriberStore {
  private readonly prefix: string;
  /** Scripts being loaded (`SCRIPT LOAD`), so concurrent calls that got `NOSCRIPT` load once. */
  private readonly loading = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: ViberRedisSubscriberClient,
    options: RedisSubscriberStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'nestjs-viber:subscribers:';
  }

  /** {@inheritDoc ViberSubscriberStore.observe} */
  async observe(observation: ViberSubscriberObservation): Promise<void> {
    const suffix = `u:${observation.id}`;
    const args: string[] = [
      suffix,
      observation.id,
      String(observation.at),
      observation.subscribed === undefined ? '' : observation.subscribed ? '1' : '0',
      observation.message ? '1' : '',
    ];
    for (const field of VIBER_SUBSCRIBER_PROFILE_FIELDS) {
      const value = observation.profile?.[field];
      if (value !== undefined) args.push(LETTERS[field], String(value));
    }
    await this.run(OBSERVE_SCRIPT, this.prefix + suffix, args);
  }

  /** {@inheritDoc ViberSubscriberStore.get} */
  async get(id: string): Promise<ViberSubscriber | undefined> {
    return this.decode(id, await this.redis.hgetall(`${this.prefix}u:${id}`));
  }

  /** {@inheritDoc ViberSubscriberStore.forget} */
  async forget(id: string): Promise<boolean> {
    const suffix = `u:${id}`;
    return Number(await this.run(FORGET_SCRIPT, this.prefix + suffix, [suffix])) > 0;
  }

  /** {@inheritDoc ViberSubscriberStore.count} */
  async count(filter?: ViberSubscriberFilter): Promise<number> {
    const query = subscriberIndexQuery(filter);
    const suffix = `x:${query.base}`;
    return Number(
      await this.run(COUNT_SCRIPT, this.prefix + suffix, [suffix, ...filterArgs(query)]),
    );
  }

  /**
   * A page of users passing the filter, in the order they were first seen. The cursor is a
   * position (a number as a string): it stays valid while users are added or forgotten. Each
   * script call reads only what the page needs, so pages never overlap.
   */
  async list(
    options: { filter?: ViberSubscriberFilter; limit?: number; cursor?: string } = {},
  ): Promise<ViberSubscriberPage> {
    const limit = Math.max(1, Math.floor(options.limit ?? 100));
    let position = parseCursor(options.cursor);
    const query = subscriberIndexQuery(options.filter);
    const suffix = `x:${query.base}`;
    const tail = filterArgs(query);
    const items: ViberSubscriber[] = [];
    for (;;) {
      const reply = JSON.parse(
        String(
          await this.run(PAGE_SCRIPT, this.prefix + suffix, [
            suffix,
            String(position),
            String(limit - items.length),
            String(PAGE_WINDOW_BYTES),
            ...tail,
          ]),
        ),
      ) as [number, ...Array<string | string[]>];
      for (let i = 1; i + 1 < reply.length; i += 2) {
        const record = this.decode(reply[i] as string, fieldsOf(reply[i + 1] as string[]));
        if (record) items.push(record);
      }
      const next = Number(reply[0]);
      if (next < 0) return { items };
      if (items.length >= limit) return { items, cursor: String(next) };
      position = next;
    }
  }

  /** Runs a script by its SHA1, loading it first when Redis does not know it (`NOSCRIPT`). */
  private async run(script: RedisSubscriberScript, key: string, args: string[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(script.sha, 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      let loading = this.loading.get(script.sha);
      if (!loading) {
        loading = this.redis.script('LOAD', script.source);
        this.loading.set(script.sha, loading);
        void loading.then(
          () => this.loading.delete(script.sha),
          () => this.loading.delete(script.sha),
        );
      }
      await loading;
      return this.redis.evalsha(script.sha, 1, key, ...args);
    }
  }

  private decode(id: string, hash: HashFields): ViberSubscriber | undefined {
    if (!hash || hash.tf === undefined) return undefined;
    const record: ViberSubscriber = {
      id,
      subscribed: hash.s === '1',
      first_seen_at: Number(hash.tf),
      status_at: Number(hash.ts ?? 0),
      profile_at: {},
    };
    if (hash.tm !== undefined) record.last_message_at = Number(hash.tm);
    const profile = record as unknown as Record<string, unknown>;
    for (const field of VIBER_SUBSCRIBER_PROFILE_FIELDS) {
      const letter = LETTERS[field];
      const value = valueOf(hash, letter);
      if (value === undefined) continue;
      profile[field] = field === 'api_version' ? Number(value) : value;
      record.profile_at[field] = Number(hash[`t${letter}`] ?? hash.tp);
    }
    return record;
  }
}

/** The position a cursor names (0: the start). */
function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,15}$/.test(cursor))
    throw new ViberUsageError(
      `RedisSubscriberStore.list: cursor "${cursor.slice(0, 40)}" is not one this store returned (a position, digits only)`,
    );
  return Number(cursor);
}
