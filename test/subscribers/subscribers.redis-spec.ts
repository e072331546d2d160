import Redis from 'ioredis';
import {
  RedisDedupeStore,
  RedisSubscriberStore,
  ViberModule,
  ViberSubscribers,
  mergeSubscriber,
  type ViberSubscriber,
  type ViberSubscriberObservation,
} from 'nestjs-viber';
import { RecordingApiServer } from '../support/recording-api.server';
import { callbackAt } from '../support/callbacks';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { TEST_TOKEN, postSigned, startApp, type RunningApp } from '../support/viber-test-app';

const userObject = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Name ${id}`,
  country: 'UA',
  language: 'uk',
  api_version: 8,
  ...extra,
});
const at = (timestamp: number, body: Record<string, unknown>): string =>
  callbackAt(timestamp, body);

describe('RedisSubscriberStore with a real redis-server', () => {
  let server: RedisTestServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('merges observations like mergeSubscriber, whatever their order', async () => {
    const store = new RedisSubscriberStore(redis, { keyPrefix: 'merge-test:' });
    const observations: ViberSubscriberObservation[] = [
      {
        id: 'u',
        at: 100,
        subscribed: true,
        message: true,
        profile: { name: 'Old', api_version: 5 },
      },
      {
        id: 'u',
        at: 200,
        subscribed: true,
        profile: { name: 'New', country: 'DE', primary_device_os: 'ios 17' },
      },
      { id: 'u', at: 300, subscribed: false },
      { id: 'u', at: 250, subscribed: true, message: true, profile: { language: 'en' } },
      { id: 'u', at: 300, subscribed: true, message: true },
    ];
    const expected = observations.reduce<ViberSubscriber | undefined>(
      (r, o) => mergeSubscriber(r, o),
      undefined,
    );
    await Promise.all([...observations].reverse().map((o) => store.observe(o)));
    expect(await store.get('u')).toEqual(expected);
    expect(await store.forget('u')).toBe(true);
    expect(await store.get('u')).toBeUndefined();
    expect(await store.forget('u')).toBe(false);
  });

  it('counts, filters and pages in order of first sight across its internal pages', async () => {
    const store = new RedisSubscriberStore(redis, { keyPrefix: 'page-test:' });
    await Promise.all(
      Array.from({ length: 450 }, (_, i) =>
        store.observe({
          id: `u${String(i).padStart(3, '0')}`,
          at: 1 + i,
          subscribed: i % 3 !== 0,
          profile: { api_version: i % 2 ? 6 : 4 },
        }),
      ),
    );
    expect(await store.count()).toBe(300);
    expect(await store.count({ minApiVersion: 6 })).toBe(150);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 120, cursor });
      ids.push(...page.items.map((s) => s.id));
      cursor = page.cursor;
    } while (cursor);
    expect(ids).toEqual(
      Array.from({ length: 450 }, (_, i) => `u${String(i).padStart(3, '0')}`).filter(
        (_, i) => i % 3 !== 0,
      ),
    );
  });

  it('two app instances sharing Redis end in the same state as one, whichever receives what', async () => {
    const api = await RecordingApiServer.start();
    const prefix = 'two-apps:';
    const apps: RunningApp[] = [];
    for (const platform of ['express', 'fastify'] as const) {
      apps.push(
        await startApp(platform, {
          imports: [
            ViberModule.forRoot({
              token: TEST_TOKEN,
              apiUrl: api.url,
              handling: {
                dedupeStore: new RedisDedupeStore(redis, { keyPrefix: `${prefix}dedupe:` }),
              },
              subscribers: { store: new RedisSubscriberStore(redis, { keyPrefix: prefix }) },
            }),
          ],
        }),
      );
    }
    try {
      const sequence = [
        at(1000, {
          event: 'conversation_started',
          type: 'open',
          user: userObject('alice'),
          subscribed: false,
        }),
        at(2000, {
          event: 'message',
          sender: userObject('alice'),
          message: { type: 'text', text: 'hi' },
        }),
        at(3000, { event: 'subscribed', user: userObject('bob') }),
        at(4000, {
          event: 'message',
          sender: userObject('alice', { name: 'Alice B.' }),
          message: { type: 'text', text: 'again' },
        }),
        at(5000, { event: 'unsubscribed', user_id: 'bob' }),
        at(6000, {
          event: 'message',
          sender: userObject('dave', { api_version: 4 }),
          message: { type: 'text', text: 'yo' },
        }),
      ];
      // Split across both instances, in a scrambled order.
      const order = [5, 2, 0, 4, 1, 3];
      await Promise.all(
        order.map((i, k) =>
          postSigned(`${apps[k % 2]!.url}/viber/webhook`, sequence[i]!, TEST_TOKEN),
        ),
      );
      const [a, b] = apps.map((app) => app.app.get(ViberSubscribers));
      const listA = await a!.list({ filter: { includeUnsubscribed: true } });
      const listB = await b!.list({ filter: { includeUnsubscribed: true } });
      expect(listA).toEqual(listB);
      // Pages come in order of first sight, which depends on which request arrived first here.
      const byId = [...listA.items].sort((x, y) => x.id.localeCompare(y.id));
      expect(byId.map((s) => [s.id, s.subscribed, s.name, s.last_message_at])).toEqual([
        ['alice', true, 'Alice B.', 4000],
        ['bob', false, 'Name bob', undefined],
        ['dave', true, 'Name dave', 6000],
      ]);
    } finally {
      for (const app of apps) await app.app.close();
      await api.close();
    }
  });
});
