import { InMemorySessionStore } from './in-memory-session.store';

describe('InMemorySessionStore', () => {
  let now = 1_000;
  const clock = (): number => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('keeps a record per key, as a copy', async () => {
    const store = new InMemorySessionStore(10, clock);
    const record = { session: { cart: ['apple'] } };
    await store.set('bot:a', record, { ttlMs: 1000 });
    record.session.cart.push('pear');
    const read = await store.get('bot:a');
    expect(read).toEqual({ session: { cart: ['apple'] } });
    read!.session.cart = [];
    expect(await store.get('bot:a')).toEqual({ session: { cart: ['apple'] } });
    expect(await store.get('bot:b')).toBeUndefined();
  });

  it('forgets a record ttlMs after its last write', async () => {
    const store = new InMemorySessionStore(10, clock);
    await store.set('k', { session: { n: 1 } }, { ttlMs: 100 });
    now += 99;
    expect(await store.get('k')).toBeDefined();
    await store.set('k', { session: { n: 2 } }, { ttlMs: 100 });
    now += 99;
    expect(await store.get('k')).toEqual({ session: { n: 2 } });
    now += 1;
    expect(await store.get('k')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('is bounded: past its capacity the least recently written user goes first', async () => {
    const store = new InMemorySessionStore(3, clock);
    for (const key of ['a', 'b', 'c']) await store.set(key, { session: {} }, { ttlMs: 1000 });
    await store.set('a', { session: { again: true } }, { ttlMs: 1000 });
    await store.set('d', { session: {} }, { ttlMs: 1000 });
    expect(store.size).toBe(3);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toEqual({ session: { again: true } });
  });

  it('sweeps expired records on write, and deletes', async () => {
    const store = new InMemorySessionStore(10, clock);
    await store.set('old', { session: {} }, { ttlMs: 10 });
    now += 20;
    await store.set('new', { session: {} }, { ttlMs: 10 });
    expect(store.size).toBe(1);
    await store.delete('new');
    expect(store.size).toBe(0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new InMemorySessionStore(0)).toThrow(RangeError);
  });
});
