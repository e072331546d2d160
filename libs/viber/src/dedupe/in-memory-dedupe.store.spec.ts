import { InMemoryDedupeStore, VIBER_DEFAULT_DEDUPE_CAPACITY } from './in-memory-dedupe.store';

/** A store on a clock the test moves by hand. */
function storeAt(capacity?: number): { store: InMemoryDedupeStore; clock: { now: number } } {
  const clock = { now: 1_000 };
  return { store: new InMemoryDedupeStore(capacity, () => clock.now), clock };
}

describe('InMemoryDedupeStore', () => {
  it('claims a key once while it lives, and other keys independently', () => {
    const { store } = storeAt();
    expect(store.size).toBe(0);
    expect(store.claim('default:message:1', 1000)).toBe(true);
    expect(store.claim('default:message:1', 1000)).toBe(false);
    expect(store.claim('default:message:2', 1000)).toBe(true);
    expect(store.size).toBe(2);
  });

  it('refuses a re-claim at t + ttl − 1 and allows it at t + ttl', () => {
    const { store, clock } = storeAt();
    const t = clock.now;
    expect(store.claim('k', 500)).toBe(true);
    clock.now = t + 499;
    expect(store.claim('k', 500)).toBe(false);
    clock.now = t + 500;
    expect(store.claim('k', 500)).toBe(true);
    // The new claim runs from t + 500.
    clock.now = t + 999;
    expect(store.claim('k', 500)).toBe(false);
    clock.now = t + 1000;
    expect(store.claim('k', 500)).toBe(true);
  });

  it('expires a key behind a longer-lived one exactly at its own TTL', () => {
    const { store, clock } = storeAt();
    const t = clock.now;
    expect(store.claim('long', 10_000)).toBe(true);
    expect(store.claim('short', 100)).toBe(true);
    clock.now = t + 99;
    expect(store.claim('short', 100)).toBe(false);
    clock.now = t + 100;
    expect(store.claim('short', 100)).toBe(true);
    expect(store.claim('long', 10_000)).toBe(false);
  });

  it('drops expired keys (oldest first) on the next claim', () => {
    const { store, clock } = storeAt();
    const t = clock.now;
    store.claim('a', 100);
    store.claim('b', 200);
    store.claim('c', 300);
    expect(store.size).toBe(3);
    clock.now = t + 99;
    store.claim('d', 1000);
    expect(store.size).toBe(4);
    clock.now = t + 200; // a and b have expired, c has not
    store.claim('e', 1000);
    expect(store.size).toBe(3);
    expect(store.claim('c', 300)).toBe(false);
  });

  it('with capacity 2, a third key evicts the oldest', () => {
    const { store } = storeAt(2);
    expect(store.claim('a', 60_000)).toBe(true);
    expect(store.claim('b', 60_000)).toBe(true);
    expect(store.size).toBe(2);
    expect(store.claim('b', 60_000)).toBe(false);
    expect(store.claim('a', 60_000)).toBe(false);
    expect(store.claim('c', 60_000)).toBe(true);
    expect(store.size).toBe(2);
    // a was dropped (it can be claimed again, which in turn drops b); c still holds.
    expect(store.claim('c', 60_000)).toBe(false);
    expect(store.claim('a', 60_000)).toBe(true);
    expect(store.claim('c', 60_000)).toBe(false);
    expect(store.claim('b', 60_000)).toBe(true);
  });

  it('counts a re-claimed expired key as the newest for eviction', () => {
    const { store, clock } = storeAt(3);
    const t = clock.now;
    store.claim('x', 10_000);
    store.claim('b', 10); // expires behind x, so it is not swept on the next claims
    store.claim('c', 10_000);
    clock.now = t + 10;
    expect(store.claim('b', 10_000)).toBe(true); // now newer than c
    store.claim('d', 10_000); // over capacity: drops x
    store.claim('e', 10_000); // drops c, not b
    expect(store.size).toBe(3);
    expect(store.claim('b', 10_000)).toBe(false);
    expect(store.claim('c', 10_000)).toBe(true);
  });

  it('release drops a claim so the key can be claimed again; an unknown key is fine', () => {
    const { store } = storeAt();
    store.claim('k', 60_000);
    store.release('k');
    expect(store.size).toBe(0);
    expect(store.claim('k', 60_000)).toBe(true);
    expect(() => store.release('unknown')).not.toThrow();
    expect(store.size).toBe(1);
  });

  it('keeps non-ASCII keys intact', () => {
    const { store } = storeAt();
    const key = `bot:message:${'ключ✓'}`;
    expect(store.claim(key, 60_000)).toBe(true);
    expect(store.claim('bot:message:ключ✓', 60_000)).toBe(false);
    store.release('bot:message:ключ✓');
    expect(store.size).toBe(0);
  });

  it('keeps 100 000 keys by default and reads Date.now without a clock', () => {
    expect(VIBER_DEFAULT_DEDUPE_CAPACITY).toBe(100_000);
    jest.useFakeTimers({ now: 5_000 });
    try {
      const store = new InMemoryDedupeStore();
      for (let i = 0; i <= 100_000; i++) store.claim(`k${i}`, 1000);
      expect(store.size).toBe(100_000);
      expect(store.claim('k0', 1000)).toBe(true); // the oldest was dropped (this drops k1)
      expect(store.claim('k100000', 1000)).toBe(false);
      jest.setSystemTime(5_999);
      expect(store.claim('k2', 1000)).toBe(false);
      jest.setSystemTime(6_000);
      expect(store.claim('k2', 1000)).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
