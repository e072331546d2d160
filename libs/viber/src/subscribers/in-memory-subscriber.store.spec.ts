import fc from 'fast-check';
import type { LoggerService } from '@nestjs/common';
import { ViberUsageError } from '../errors/viber-usage.error';
import type { ViberClient } from '../client/viber-client';
import { InMemorySubscriberStore } from './in-memory-subscriber.store';
import { SubscriberBitset, popcount32 } from './subscriber-bitset';
import { matchesSubscriberFilter, mergeSubscriber, subscriberOsFamily } from './subscriber-merge';
import type { ViberSubscriberStore } from './viber-subscriber.store';
import type {
  ViberSubscriber,
  ViberSubscriberFilter,
  ViberSubscriberObservation,
} from './viber-subscriber.types';
import { ViberSubscribers } from './viber-subscribers.service';

const COUNTRIES = ['UA', 'DE', 'GB'];
const LANGUAGES = ['uk', 'de', 'en', 'en-GB'];
const OSES = ['android 13', 'Android 7.1', 'iOS 17.2', 'ios'];

/** One step of a random history: an observation, or a privacy request. */
type Step = { observe: ViberSubscriberObservation } | { forget: string };

const observation: fc.Arbitrary<ViberSubscriberObservation> = fc.record(
  {
    id: fc.integer({ min: 0, max: 30 }).map((i) => `user-${i}`),
    at: fc.integer({ min: 1, max: 50 }),
    subscribed: fc.boolean(),
    message: fc.boolean(),
    profile: fc.record(
      {
        name: fc.constantFrom('Ann', 'Bob', 'Олена'),
        country: fc.constantFrom(...COUNTRIES),
        language: fc.constantFrom(...LANGUAGES),
        api_version: fc.integer({ min: 1, max: 10 }),
        primary_device_os: fc.constantFrom(...OSES),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['id', 'at'] },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: observation.map((o) => ({ observe: o })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 30 }).map((i) => ({ forget: `user-${i}` })),
  },
);

const filter: fc.Arbitrary<ViberSubscriberFilter> = fc.record(
  {
    minApiVersion: fc.integer({ min: 1, max: 11 }),
    country: fc.oneof(
      fc.constantFrom(...COUNTRIES, 'FR'),
      fc.subarray([...COUNTRIES, 'FR'], { minLength: 0 }),
    ),
    language: fc.oneof(fc.constantFrom(...LANGUAGES), fc.subarray(LANGUAGES)),
    os: fc.oneof(fc.constantFrom('android', 'IOS', 'windows'), fc.subarray(['android', 'ios'])),
    includeUnsubscribed: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** What the store must hold: records merged one by one, in order of first sight. */
function reference(steps: Step[]): ViberSubscriber[] {
  const records = new Map<string, ViberSubscriber>();
  for (const s of steps) {
    if ('forget' in s) records.delete(s.forget);
    else records.set(s.observe.id, mergeSubscriber(records.get(s.observe.id), s.observe));
  }
  return [...records.values()];
}

async function walk(
  store: InMemorySubscriberStore,
  filterValue: ViberSubscriberFilter,
  limit: number,
): Promise<ViberSubscriber[]> {
  const items: ViberSubscriber[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ filter: filterValue, limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    if (page.cursor !== undefined) expect(page.items).toHaveLength(limit);
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return items;
}

describe('InMemorySubscriberStore indexes and paging', () => {
  it('counts and pages exactly like matchesSubscriberFilter over merged records (random histories and filters)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 120 }),
        fc.array(filter, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 9 }),
        async (steps, filters, limit) => {
          const store = new InMemorySubscriberStore({ warnAt: false });
          for (const s of steps) {
            if ('forget' in s) await store.forget(s.forget);
            else await store.observe(s.observe);
          }
          const expected = reference(steps);
          // Re-observed users keep their place; a user forgotten and seen again comes last.
          const order = new Map<string, number>();
          let position = 0;
          for (const s of steps) {
            if ('forget' in s) order.delete(s.forget);
            else if (!order.has(s.observe.id)) order.set(s.observe.id, position++);
          }
          expected.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
          for (const record of expected) expect(await store.get(record.id)).toEqual(record);
          for (const f of [{}, ...filters]) {
            const matching = expected.filter((r) => matchesSubscriberFilter(r, f));
            expect(await store.count(f)).toBe(matching.length);
            expect(await walk(store, f, limit)).toEqual(matching);
          }
          expect(store.size).toBe(expected.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('pages through every matching record in order of first sight, with counts and forget', async () => {
    const store = new InMemorySubscriberStore();
    for (let i = 0; i < 25; i++) {
      await store.observe({
        id: `u${String(i).padStart(2, '0')}`,
        at: 10 + i,
        subscribed: i % 5 !== 0,
        profile: { country: i < 10 ? 'DE' : 'FR' },
      });
    }
    expect(await store.count()).toBe(20);
    expect(await store.count({ country: 'DE' })).toBe(8);
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 7, cursor });
      pages.push(page.items.map((s) => s.id));
      cursor = page.cursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([7, 7, 6]);
    expect(pages.flat()).toEqual(
      Array.from({ length: 25 }, (_, i) => `u${String(i).padStart(2, '0')}`).filter(
        (_, i) => i % 5 !== 0,
      ),
    );
    expect(await store.forget('u01')).toBe(true);
    expect(await store.get('u01')).toBeUndefined();
    expect(await store.forget('u01')).toBe(false);
    expect(await store.count()).toBe(19);
  });

  it('keeps a cursor valid while users are added and forgotten: no one twice, newcomers at the end', async () => {
    const store = new InMemorySubscriberStore();
    for (let i = 0; i < 100; i++) await store.observe({ id: `a${i}`, at: i + 1, subscribed: true });
    const first = await store.list({ limit: 40 });
    // Forget one user already read and one not read yet; add newcomers; re-observe a read one.
    await store.forget('a10');
    await store.forget('a70');
    for (let i = 0; i < 5; i++) await store.observe({ id: `b${i}`, at: 500, subscribed: true });
    await store.observe({ id: 'a5', at: 600, subscribed: true, profile: { name: 'Renamed' } });
    const rest: string[] = [];
    let cursor = first.cursor;
    while (cursor !== undefined) {
      const page = await store.list({ limit: 40, cursor });
      rest.push(...page.items.map((s) => s.id));
      cursor = page.cursor;
    }
    const all = [...first.items.map((s) => s.id), ...rest];
    expect(new Set(all).size).toBe(all.length);
    expect(rest).toEqual([
      ...Array.from({ length: 60 }, (_, i) => `a${i + 40}`).filter((id) => id !== 'a70'),
      'b0',
      'b1',
      'b2',
      'b3',
      'b4',
    ]);
  });

  it('filters by OS family, whatever the case and version', async () => {
    const store = new InMemorySubscriberStore();
    const oses = ['android 13', 'Android 7.1', 'iOS 17.2', undefined, '  Windows 10'];
    for (const [i, os] of oses.entries())
      await store.observe({
        id: `u${i}`,
        at: 1,
        subscribed: true,
        profile: os === undefined ? {} : { primary_device_os: os },
      });
    expect(await store.count({ os: 'android' })).toBe(2);
    expect(await store.count({ os: ['ANDROID 99', 'ios'] })).toBe(3);
    expect(await store.count({ os: 'windows' })).toBe(1);
    expect(await store.count({ os: [] })).toBe(0);
    expect(subscriberOsFamily('  iOS\t17')).toBe('ios');
    expect(subscriberOsFamily('   ')).toBeUndefined();
  });

  it('moves a user between indexes when a newer observation changes a field, and not for an older one', async () => {
    const store = new InMemorySubscriberStore();
    await store.observe({ id: 'u', at: 10, subscribed: true, profile: { country: 'DE' } });
    await store.observe({ id: 'u', at: 5, profile: { country: 'FR', api_version: 9 } });
    expect(await store.count({ country: 'DE' })).toBe(1);
    expect(await store.count({ country: 'FR' })).toBe(0);
    expect(await store.count({ minApiVersion: 9 })).toBe(1);
    await store.observe({ id: 'u', at: 20, profile: { country: 'FR', api_version: 3 } });
    expect(await store.count({ country: 'DE' })).toBe(0);
    expect(await store.count({ country: 'FR' })).toBe(1);
    expect(await store.count({ minApiVersion: 4 })).toBe(0);
    await store.observe({ id: 'u', at: 30, subscribed: false });
    expect(await store.count({ country: 'FR' })).toBe(0);
    expect(await store.count({ country: 'FR', includeUnsubscribed: true })).toBe(1);
  });

  it('refuses a cursor it did not hand out', async () => {
    const store = new InMemorySubscriberStore();
    await expect(store.list({ cursor: 'user-12' })).rejects.toBeInstanceOf(ViberUsageError);
    await expect(store.list({ cursor: '999999' })).resolves.toEqual({ items: [] });
  });

  it('warns once, naming the Redis store, when it passes warnAt users', async () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) } as unknown as LoggerService;
    const store = new InMemorySubscriberStore({ warnAt: 3, logger });
    for (let i = 0; i < 6; i++) await store.observe({ id: `u${i}`, at: 1, subscribed: true });
    await store.observe({ id: 'u0', at: 2, subscribed: false });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('3 users');
    expect(warnings[0]).toContain('RedisSubscriberStore');
    const quiet: string[] = [];
    const off = new InMemorySubscriberStore({
      warnAt: false,
      logger: { warn: (m: string) => quiet.push(m) } as unknown as LoggerService,
    });
    for (let i = 0; i < 5; i++) await off.observe({ id: `u${i}`, at: 1 });
    expect(quiet).toEqual([]);
  });
});

describe('ViberSubscribers.iterate over a large in-memory registry', () => {
  it('lets timers run while it walks (the event loop is never held for the whole walk)', async () => {
    const store = new InMemorySubscriberStore({ warnAt: false });
    for (let i = 0; i < 60_000; i++) await store.observe({ id: `u${i}`, at: 1, subscribed: true });
    const subscribers = new ViberSubscribers(store, {} as ViberClient, true, 'test');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let seen = 0;
    let ticksAtEnd = 0;
    try {
      for await (const subscriber of subscribers.iterate(undefined, 100)) {
        // A little work per user, as a real consumer does.
        if (subscriber.id.length > 0) seen++;
      }
      ticksAtEnd = ticks;
    } finally {
      clearInterval(timer);
    }
    expect(seen).toBe(60_000);
    // Before the fix, a walk over an in-memory store never yielded: the timer fired 0 times.
    expect(ticksAtEnd).toBeGreaterThan(0);
  });
});

describe('ViberSubscribers.iterate reads ahead', () => {
  it('asks for the next page while the current one is consumed; a page read ahead and not wanted is dropped, its failure ignored', async () => {
    const store = new InMemorySubscriberStore();
    for (let i = 0; i < 10; i++) await store.observe({ id: `u${i}`, at: 1, subscribed: true });
    const events: string[] = [];
    let calls = 0;
    const watched: ViberSubscriberStore = {
      observe: (o) => store.observe(o),
      get: (id) => store.get(id),
      forget: (id) => store.forget(id),
      count: (f) => store.count(f),
      list: async (options) => {
        const call = ++calls;
        events.push(`list ${call}`);
        if (call === 4) throw new Error('store down');
        return store.list(options);
      },
    };
    const subscribers = new ViberSubscribers(watched, {} as ViberClient, true, 'ahead');
    for await (const subscriber of subscribers.iterate(undefined, 3)) {
      events.push(subscriber.id);
      if (subscriber.id === 'u6') break;
    }
    // Page 2 is asked for before page 1 is consumed; the 4th read (ahead of page 3) fails after
    // the caller stopped: no error reaches anyone.
    expect(events).toEqual([
      'list 1',
      'list 2',
      'u0',
      'u1',
      'u2',
      'list 3',
      'u3',
      'u4',
      'u5',
      'list 4',
      'u6',
    ]);
    await new Promise((resolve) => setImmediate(resolve));
  });
});

describe('SubscriberBitset', () => {
  it('adds, removes and grows; popcount counts every bit', () => {
    const bits = new SubscriberBitset(32);
    for (const i of [0, 31, 32, 1000, 100_000]) bits.add(i);
    bits.delete(31);
    expect([0, 31, 32, 1000, 100_000, 5].map((i) => bits.has(i))).toEqual([
      true,
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(-1)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
    expect(popcount32(0)).toBe(0);
  });
});
