import type { ViberSubscriber, ViberSubscriberFilter } from '../subscribers/viber-subscriber.types';
import { listAudience, subscriberAudience, type SubscriberLister } from './broadcast-audience';

function subscriber(id: string, extra: Partial<ViberSubscriber> = {}): ViberSubscriber {
  return { id, subscribed: true, first_seen_at: 1, status_at: 1, profile_at: {}, ...extra };
}

describe('broadcast audiences, page by page', () => {
  it('a list is read by offset, in pages of the given size, until its total', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `u${i}`);
    const reads: Array<[number, number]> = [];
    const source = listAudience(async (start, stop) => {
      reads.push([start, stop]);
      return ids.slice(start, stop + 1);
    }, ids.length);
    const first = await source.page(undefined, 10);
    const second = await source.page(first.cursor, 10);
    const third = await source.page(second.cursor, 10);
    expect([...first.receivers, ...second.receivers, ...third.receivers]).toEqual(ids);
    expect(third.cursor).toBeUndefined();
    expect(reads).toEqual([
      [0, 9],
      [10, 19],
      [20, 24],
    ]);
  });

  it("subscribers: whole store pages until the size, current ones only, too old devices skipped, the store's cursor kept", async () => {
    const store = [
      subscriber('a', { api_version: 8 }),
      subscriber('b', { api_version: 2 }),
      subscriber('c', { subscribed: false }),
      subscriber('d'),
      subscriber('e', { api_version: 9 }),
      subscriber('f', { api_version: 9 }),
    ];
    const calls: Array<{ filter?: ViberSubscriberFilter; limit?: number; cursor?: string }> = [];
    const list: SubscriberLister = async (options) => {
      calls.push(options);
      const start = options.cursor === undefined ? 0 : Number(options.cursor);
      // A store that caps its pages at 2 items.
      const end = Math.min(store.length, start + Math.min(2, options.limit ?? 2));
      return {
        items: store.slice(start, end),
        cursor: end < store.length ? String(end) : undefined,
      };
    };
    const source = subscriberAudience(list, { country: 'UA' }, 7);
    const first = await source.page(undefined, 3);
    expect(first).toEqual({ receivers: ['a', 'd'], skipped: 1, cursor: '4' });
    expect(calls[0]!.filter).toEqual({ country: 'UA', includeUnsubscribed: false });
    const second = await source.page(first.cursor, 3);
    expect(second).toEqual({ receivers: ['e', 'f'], skipped: 0, cursor: undefined });
  });
});
