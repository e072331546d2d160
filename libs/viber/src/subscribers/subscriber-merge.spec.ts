import { matchesSubscriberFilter, mergeSubscriber } from './subscriber-merge';
import type { ViberSubscriber, ViberSubscriberObservation } from './viber-subscriber.types';

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('mergeSubscriber', () => {
  const observations: ViberSubscriberObservation[] = [
    { id: 'u', at: 100, subscribed: true, message: true, profile: { name: 'Old', api_version: 5 } },
    { id: 'u', at: 200, subscribed: true, profile: { name: 'New', country: 'DE' } },
    { id: 'u', at: 300, subscribed: false },
    { id: 'u', at: 250, subscribed: true, message: true, profile: { language: 'en' } },
    { id: 'u', at: 300, subscribed: true, message: true },
  ];

  it('gives the same record whatever the order (all 120 orders)', () => {
    const results = permutations(observations).map((order) =>
      order.reduce<ViberSubscriber | undefined>(
        (record, o) => mergeSubscriber(record, o),
        undefined,
      ),
    );
    for (const result of results) expect(result).toEqual(results[0]);
    expect(results[0]).toEqual({
      id: 'u',
      // The newest status wins; on a tie, unsubscribed wins.
      subscribed: false,
      status_at: 300,
      first_seen_at: 100,
      last_message_at: 300,
      profile_at: { name: 200, api_version: 100, country: 200, language: 250 },
      name: 'New',
      api_version: 5,
      country: 'DE',
      language: 'en',
    });
  });

  it('filters by api_version, country, language and status', () => {
    const s: ViberSubscriber = {
      id: 'a',
      subscribed: true,
      first_seen_at: 1,
      status_at: 1,
      profile_at: {},
      api_version: 6,
      country: 'DE',
      language: 'de',
    };
    expect(
      matchesSubscriberFilter(s, { minApiVersion: 6, country: ['DE', 'AT'], language: 'de' }),
    ).toBe(true);
    expect(matchesSubscriberFilter(s, { minApiVersion: 7 })).toBe(false);
    expect(matchesSubscriberFilter(s, { country: 'FR' })).toBe(false);
    expect(matchesSubscriberFilter({ ...s, subscribed: false })).toBe(false);
    expect(
      matchesSubscriberFilter({ ...s, subscribed: false }, { includeUnsubscribed: true }),
    ).toBe(true);
  });
});
