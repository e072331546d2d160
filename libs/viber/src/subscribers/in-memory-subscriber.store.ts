import { Logger, type LoggerService } from '@nestjs/common';
import { ViberUsageError } from '../errors/viber-usage.error';
import { VIBER_DEFAULT_SUBSCRIBERS_WARN_AT } from '../viber.defaults';
import { SubscriberBitset, SubscriberBitsetQuery } from './subscriber-bitset';
import {
  SUBSCRIBER_INDEX,
  apiLevelsAtLeast,
  subscriberIndexQuery,
  subscriberIndexesOf,
} from './subscriber-index';
import { mergeSubscriber } from './subscriber-merge';
import type { ViberSubscriberStore } from './viber-subscriber.store';
import {
  VIBER_SUBSCRIBER_PROFILE_FIELDS,
  type ViberSubscriber,
  type ViberSubscriberFilter,
  type ViberSubscriberObservation,
  type ViberSubscriberPage,
  type ViberSubscriberProfile,
} from './viber-subscriber.types';

/** Options of an {@link InMemorySubscriberStore}. */
export interface InMemorySubscriberStoreOptions {
  /**
   * Number of users past which the store logs (once) that a restart would lose them all and
   * points at `RedisSubscriberStore`. Default 100,000; `false`: never.
   */
  warnAt?: number | false;
  /** Where that warning goes. Default: a Nest `Logger('InMemorySubscriberStore')`. */
  logger?: LoggerService;
}

/** A flat copy of a string kept for long: no rope or slice of a bigger string stays reachable. */
function flatCopy(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

/** Profile fields kept as codes into a table of distinct values (few distinct values each). */
const CODED_FIELDS = ['country', 'language', 'api_version', 'primary_device_os'] as const;
type CodedField = (typeof CODED_FIELDS)[number];

/** Distinct values of one field, numbered from 1 (0: no value). */
class ValueTable {
  private readonly codes = new Map<unknown, number>();
  private readonly values: unknown[] = [undefined];

  code(value: unknown): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(typeof value === 'string' ? flatCopy(value) : value);
      this.codes.set(value, code);
    }
    return code;
  }

  value(code: number): unknown {
    return this.values[code];
  }
}

const INITIAL_CAPACITY = 1024;

/**
 * The default subscriber store: one process, in memory (lost on restart; replicas do not share
 * it). Records are kept column by column in typed arrays, numbered in the order users were first
 * seen; low-cardinality fields are codes into small tables. Each index (subscribed, country,
 * language, API level, OS family) is a bitset over those numbers, so `count` is a popcount of
 * ANDed words and `list` pages through ANDed words from a numeric cursor: the same cost for every
 * page, no sort. About 270 bytes per user, typed arrays included (BENCHMARKS.md).
 */
export class InMemorySubscriberStore implements ViberSubscriberStore {
  /** User id → number (position in the columns). */
  private readonly numbers = new Map<string, number>();
  private readonly ids: Array<string | undefined> = [];
  private readonly names: unknown[] = [];
  private readonly avatars: unknown[] = [];
  private capacity = INITIAL_CAPACITY;
  private firstSeen = new Float64Array(INITIAL_CAPACITY);
  private statusAt = new Float64Array(INITIAL_CAPACITY);
  /** NaN: no message yet. */
  private lastMessage = new Float64Array(INITIAL_CAPACITY);
  /** Per user, bit f set: profile field f has a value. */
  private profileFields = new Uint8Array(INITIAL_CAPACITY);
  /** Per user, the time every profile field with a value was set at (the usual case)… */
  private profileAt = new Float64Array(INITIAL_CAPACITY);
  /** …or, for users whose fields were set at different times, one time per field (NaN: none). */
  private readonly profileTimes = new Map<number, Float64Array>();
  private readonly coded: Record<CodedField, { table: ValueTable; codes: Uint32Array }>;
  private readonly indexes = new Map<string, SubscriberBitset>();
  private readonly warnAt: number | false;
  private readonly logger: LoggerService;
  private warned = false;

  constructor(options: InMemorySubscriberStoreOptions = {}) {
    this.warnAt = options.warnAt ?? VIBER_DEFAULT_SUBSCRIBERS_WARN_AT;
    this.logger = options.logger ?? new Logger(InMemorySubscriberStore.name);
    this.coded = Object.fromEntries(
      CODED_FIELDS.map((field) => [
        field,
        { table: new ValueTable(), codes: new Uint32Array(INITIAL_CAPACITY) },
      ]),
    ) as Record<CodedField, { table: ValueTable; codes: Uint32Array }>;
    this.index(SUBSCRIBER_INDEX.all);
    this.index(SUBSCRIBER_INDEX.subscribed);
  }

  /** Number of users kept (subscribed or not). */
  get size(): number {
    return this.numbers.size;
  }

  /** {@inheritDoc ViberSubscriberStore.observe} */
  async observe(observation: ViberSubscriberObservation): Promise<void> {
    let n = this.numbers.get(observation.id);
    const existing = n === undefined ? undefined : this.read(n);
    const next = mergeSubscriber(existing, observation);
    if (n === undefined) n = this.add(next.id);
    this.write(n, next, existing);
  }

  /** {@inheritDoc ViberSubscriberStore.get} */
  async get(id: string): Promise<ViberSubscriber | undefined> {
    const n = this.numbers.get(id);
    return n === undefined ? undefined : this.read(n);
  }

  /** {@inheritDoc ViberSubscriberStore.forget} */
  async forget(id: string): Promise<boolean> {
    const n = this.numbers.get(id);
    if (n === undefined) return false;
    const record = this.read(n);
    for (const name of subscriberIndexesOf(record)) this.indexes.get(name)?.delete(n);
    this.indexes.get(SUBSCRIBER_INDEX.all)!.delete(n);
    this.numbers.delete(id);
    // The number is not reused: cursors handed out stay valid.
    this.ids[n] = undefined;
    this.names[n] = undefined;
    this.avatars[n] = undefined;
    for (const field of CODED_FIELDS) this.coded[field].codes[n] = 0;
    this.profileFields[n] = 0;
    this.profileTimes.delete(n);
    return true;
  }

  /** {@inheritDoc ViberSubscriberStore.count} */
  async count(filter?: ViberSubscriberFilter): Promise<number> {
    return this.query(filter)?.count() ?? 0;
  }

  /**
   * A page of users passing the filter, in the order they were first seen. The cursor is a
   * position (a number as a string): it stays valid while users are added or forgotten.
   */
  async list(
    options: { filter?: ViberSubscriberFilter; limit?: number; cursor?: string } = {},
  ): Promise<ViberSubscriberPage> {
    const limit = Math.max(1, Math.floor(options.limit ?? 100));
    const start = parseCursor(options.cursor);
    const items: ViberSubscriber[] = [];
    const query = this.query(options.filter);
    if (!query) return { items };
    let w = start >>> 5;
    // Bits of the first word below the cursor are not wanted.
    let mask = start % 32 === 0 ? -1 : ~((1 << (start % 32)) - 1);
    for (; w < query.length; w++, mask = -1) {
      let bits = query.word(w) & mask;
      while (bits !== 0) {
        const bit = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        items.push(this.read(w * 32 + bit));
        if (items.length === limit) {
          const next = w * 32 + bit + 1;
          return this.hasMatchFrom(query, next) ? { items, cursor: String(next) } : { items };
        }
      }
    }
    return { items };
  }

  private hasMatchFrom(query: SubscriberBitsetQuery, from: number): boolean {
    let w = from >>> 5;
    let mask = from % 32 === 0 ? -1 : ~((1 << (from % 32)) - 1);
    // Bounded look-ahead: a cursor on a page that turns out to be the last one is harmless.
    for (let seen = 0; w < query.length && seen < 4096; w++, seen++, mask = -1) {
      if ((query.word(w) & mask) !== 0) return true;
    }
    return w < query.length;
  }

  private index(name: string): SubscriberBitset {
    let bitset = this.indexes.get(name);
    if (!bitset) {
      bitset = new SubscriberBitset(this.capacity);
      this.indexes.set(name, bitset);
    }
    return bitset;
  }

  /** The bitsets of a filter; undefined when an index it needs does not exist (nobody). */
  private query(filter?: ViberSubscriberFilter): SubscriberBitsetQuery | undefined {
    const plan = subscriberIndexQuery(filter);
    const groups = plan.groups.map((group) =>
      group.map((name) => this.indexes.get(name)).filter((b): b is SubscriberBitset => !!b),
    );
    if (plan.minApiVersion !== undefined) {
      groups.push(
        apiLevelsAtLeast(this.indexes.keys(), plan.minApiVersion).map((name) =>
          this.indexes.get(name)!,
        ),
      );
    }
    if (groups.some((group) => group.length === 0)) return undefined;
    return new SubscriberBitsetQuery(this.indexes.get(plan.base)!, groups);
  }

  /** Gives a new user the next number. */
  private add(id: string): number {
    const n = this.ids.length;
    if (n >= this.capacity) this.grow();
    const flat = flatCopy(id);
    this.ids.push(flat);
    this.names.push(undefined);
    this.avatars.push(undefined);
    this.numbers.set(flat, n);
    this.lastMessage[n] = NaN;
    this.profileFields[n] = 0;
    this.index(SUBSCRIBER_INDEX.all).add(n);
    if (this.warnAt !== false && !this.warned && this.numbers.size >= this.warnAt) {
      this.warned = true;
      this.logger.warn(
        `The in-memory subscriber registry holds ${this.numbers.size.toLocaleString('en-US')} users: ` +
          'a restart loses them all (Viber cannot list them again) and replicas do not share them. ' +
          'Use RedisSubscriberStore (subscribers: { store }) or a database store.',
      );
    }
    return n;
  }

  private grow(): void {
    const capacity = Math.ceil(this.capacity * 1.25) + INITIAL_CAPACITY;
    const grown = <T extends Float64Array | Uint32Array | Uint8Array>(
      array: T,
      size: number,
    ): T => {
      const next = new (array.constructor as new (length: number) => T)(size);
      next.set(array);
      return next;
    };
    this.firstSeen = grown(this.firstSeen, capacity);
    this.statusAt = grown(this.statusAt, capacity);
    this.lastMessage = grown(this.lastMessage, capacity);
    this.profileAt = grown(this.profileAt, capacity);
    this.profileFields = grown(this.profileFields, capacity);
    for (const field of CODED_FIELDS)
      this.coded[field].codes = grown(this.coded[field].codes, capacity);
    this.capacity = capacity;
  }

  /** The record at number `n`, as a new object. */
  private read(n: number): ViberSubscriber {
    const record: ViberSubscriber = {
      id: this.ids[n]!,
      subscribed: this.indexes.get(SUBSCRIBER_INDEX.subscribed)!.has(n),
      first_seen_at: this.firstSeen[n]!,
      status_at: this.statusAt[n]!,
      profile_at: {},
    };
    const lastMessage = this.lastMessage[n]!;
    if (!Number.isNaN(lastMessage)) record.last_message_at = lastMessage;
    const profile = record as unknown as Record<string, unknown>;
    const present = this.profileFields[n]!;
    if (present === 0) return record;
    const times = this.profileTimes.get(n);
    VIBER_SUBSCRIBER_PROFILE_FIELDS.forEach((field, f) => {
      if ((present & (1 << f)) === 0) return;
      record.profile_at[field] = times ? times[f]! : this.profileAt[n]!;
      profile[field] = this.profileValue(n, field);
    });
    return record;
  }

  private profileValue(n: number, field: keyof ViberSubscriberProfile): unknown {
    if (field === 'name') return this.names[n];
    if (field === 'avatar') return this.avatars[n];
    const coded = this.coded[field];
    return coded.table.value(coded.codes[n]!);
  }

  /** Stores `next` at number `n` and moves it between indexes (`previous`: what was there). */
  private write(n: number, next: ViberSubscriber, previous: ViberSubscriber | undefined): void {
    this.firstSeen[n] = next.first_seen_at;
    this.statusAt[n] = next.status_at;
    this.lastMessage[n] = next.last_message_at ?? NaN;
    const profile = next as unknown as Record<string, unknown>;
    const before = previous as unknown as Record<string, unknown> | undefined;
    let present = 0;
    let shared: number | undefined;
    let same = true;
    VIBER_SUBSCRIBER_PROFILE_FIELDS.forEach((field, f) => {
      const at = next.profile_at[field];
      if (at === undefined) return;
      present |= 1 << f;
      if (shared === undefined) shared = at;
      else if (at !== shared) same = false;
    });
    this.profileFields[n] = present;
    if (same) {
      this.profileAt[n] = shared ?? NaN;
      this.profileTimes.delete(n);
    } else {
      this.profileTimes.set(
        n,
        Float64Array.from(
          VIBER_SUBSCRIBER_PROFILE_FIELDS,
          (field) => next.profile_at[field] ?? NaN,
        ),
      );
    }
    VIBER_SUBSCRIBER_PROFILE_FIELDS.forEach((field) => {
      const at = next.profile_at[field];
      const value = profile[field];
      if (at === undefined || (before && before[field] === value)) return;
      if (field === 'name' || field === 'avatar') {
        (field === 'name' ? this.names : this.avatars)[n] =
          typeof value === 'string' ? flatCopy(value) : value;
      } else {
        this.coded[field].codes[n] = this.coded[field].table.code(value);
      }
    });
    const old = previous ? subscriberIndexesOf(previous) : [];
    const now = subscriberIndexesOf(next);
    for (const name of old) if (!now.includes(name)) this.indexes.get(name)?.delete(n);
    for (const name of now) if (!old.includes(name)) this.index(name).add(n);
  }
}

/** The position a cursor names (0: the start). */
function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,15}$/.test(cursor))
    throw new ViberUsageError(
      `InMemorySubscriberStore.list: cursor "${cursor.slice(0, 40)}" is not one this store returned (a position, digits only)`,
    );
  return Number(cursor);
}
