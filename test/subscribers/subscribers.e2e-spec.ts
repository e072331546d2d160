import {
  InMemorySubscriberStore,
  ViberModule,
  ViberSubscribers,
  getViberClientToken,
  type ViberClient,
  type ViberSubscriber,
} from 'nestjs-viber';
import { RecordingApiServer } from '../support/recording-api.server';
import { callbackAt, conversationStarted } from '../support/callbacks';
import {
  PLATFORMS,
  TEST_TOKEN,
  postSigned,
  startApp,
  type RunningApp,
} from '../support/viber-test-app';

function userObject(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `Name ${id}`,
    avatar: `https://a.example/${id}.jpg`,
    country: 'UA',
    language: 'uk',
    api_version: 8,
    ...extra,
  };
}
const at = (timestamp: number, body: Record<string, unknown>): string =>
  callbackAt(timestamp, body);

describe.each(PLATFORMS)('subscriber registry on %s', (platform) => {
  let api: RecordingApiServer;
  let running: RunningApp;
  let subscribers: ViberSubscribers;
  let webhook: string;
  const post = (body: string) => postSigned(webhook, body, TEST_TOKEN);

  beforeAll(async () => {
    api = await RecordingApiServer.start();
    running = await startApp(platform, {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          sender: { name: 'Bot' },
          retry: false,
        }),
      ],
    });
    subscribers = running.app.get(ViberSubscribers);
    webhook = `${running.url}/viber/webhook`;
  });
  afterAll(async () => {
    await running.app.close();
    await api.close();
  });
  beforeEach(() => api.reset());

  it('records subscribers from a realistic sequence of callbacks', async () => {
    // Alice opens the chat without subscribing: not a subscriber.
    await post(
      at(1000, {
        event: 'conversation_started',
        type: 'open',
        user: userObject('alice'),
        subscribed: false,
      }),
    );
    expect(await subscribers.get('alice')).toBeUndefined();
    // Her first message subscribes her (no `subscribed` callback comes).
    await post(
      at(2000, {
        event: 'message',
        sender: userObject('alice'),
        message: { type: 'text', text: 'hi' },
      }),
    );
    // Bob subscribes explicitly; Carol, already subscribed, opens the chat again.
    await post(
      at(3000, {
        event: 'subscribed',
        user: userObject('bob', { primary_device_os: 'android 13' }),
      }),
    );
    await post(
      at(3500, {
        event: 'conversation_started',
        type: 'open',
        user: userObject('carol'),
        subscribed: true,
      }),
    );
    // Alice writes again with a new name; Bob unsubscribes; Dave writes (first message).
    await post(
      at(4000, {
        event: 'message',
        sender: userObject('alice', { name: 'Alice B.' }),
        message: { type: 'text', text: 'again' },
      }),
    );
    await post(at(5000, { event: 'unsubscribed', user_id: 'bob' }));
    await post(
      at(6000, {
        event: 'message',
        sender: userObject('dave', { api_version: 4 }),
        message: { type: 'sticker', sticker_id: 1 },
      }),
    );
    // Receipts say nothing about subscriptions.
    await post(at(7000, { event: 'delivered', user_id: 'erin' }));

    const page = await subscribers.list({ filter: { includeUnsubscribed: true } });
    const byId = Object.fromEntries(page.items.map((s) => [s.id, s])) as Record<
      string,
      ViberSubscriber
    >;
    expect(Object.keys(byId).sort()).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(byId.alice).toEqual({
      id: 'alice',
      subscribed: true,
      name: 'Alice B.',
      avatar: 'https://a.example/alice.jpg',
      country: 'UA',
      language: 'uk',
      api_version: 8,
      first_seen_at: 2000,
      last_message_at: 4000,
      status_at: 4000,
      profile_at: { name: 4000, avatar: 4000, country: 4000, language: 4000, api_version: 4000 },
    });
    expect(byId.bob).toMatchObject({
      subscribed: false,
      status_at: 5000,
      primary_device_os: 'android 13',
      first_seen_at: 3000,
    });
    expect(byId.bob!.last_message_at).toBeUndefined();
    expect(byId.carol).toMatchObject({ subscribed: true, first_seen_at: 3500 });
    expect(byId.dave).toMatchObject({ subscribed: true, api_version: 4, last_message_at: 6000 });
    expect(await subscribers.count()).toBe(3);
    expect(await subscribers.count({ minApiVersion: 6 })).toBe(2);
  });

  it('marks a user gone when send_message answers status 6', async () => {
    await post(at(10_000, { event: 'subscribed', user: userObject('frank') }));
    api.respondWith(() => ({ body: { status: 6, status_message: 'receiverNotSubscribed' } }));
    const client = running.app.get<ViberClient>(getViberClientToken());
    await expect(client.sendMessage('frank', 'hello')).rejects.toMatchObject({ status: 6 });
    expect(await subscribers.get('frank')).toMatchObject({ subscribed: false });
  });

  it('forgets a user entirely', async () => {
    await post(at(11_000, { event: 'subscribed', user: userObject('gina') }));
    expect(await subscribers.forget('gina')).toBe(true);
    expect(await subscribers.get('gina')).toBeUndefined();
  });

  it('1,000 interleaved callbacks for 100 users, sent concurrently, leave a consistent state', async () => {
    const bodies: string[] = [];
    for (let u = 0; u < 100; u++) {
      const id = `c${u}`;
      for (let k = 0; k < 10; k++) {
        const t = 100_000 + k * 10;
        if (k === 9 && u % 2 === 0) bodies.push(at(t, { event: 'unsubscribed', user_id: id }));
        else if (k % 3 === 0)
          bodies.push(
            at(t, { event: 'subscribed', user: userObject(id, { name: `${id}-v${k}` }) }),
          );
        else
          bodies.push(
            at(t, {
              event: 'message',
              sender: userObject(id, { name: `${id}-v${k}` }),
              message: { type: 'text', text: `m${k}` },
            }),
          );
      }
    }
    // Shuffle deterministically and send 50 at a time.
    const shuffled = bodies
      .map((b, i) => [((i * 7919) % 1000) + i / 10000, b] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, b]) => b);
    for (let i = 0; i < shuffled.length; i += 50) {
      const answers = await Promise.all(shuffled.slice(i, i + 50).map(post));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    }
    for (let u = 0; u < 100; u++) {
      const record = await subscribers.get(`c${u}`);
      expect(record).toMatchObject({
        subscribed: u % 2 !== 0,
        first_seen_at: 100_000,
        last_message_at: u % 2 === 0 ? 100_080 : 100_080,
        name: u % 2 === 0 ? `c${u}-v8` : `c${u}-v9`,
      });
    }
  }, 60_000);
});

describe('broadcastToSubscribers', () => {
  it('sends to every current subscriber in requests of 300, skipping and reporting old clients', async () => {
    const api = await RecordingApiServer.start();
    const store = new InMemorySubscriberStore();
    for (let i = 0; i < 1000; i++) {
      await store.observe({
        id: `s${String(i).padStart(4, '0')}`,
        at: 1,
        subscribed: true,
        profile: { api_version: i < 100 ? 5 : 8 },
      });
    }
    for (let i = 0; i < 50; i++) await store.observe({ id: `gone${i}`, at: 2, subscribed: false });
    api.respondWith(() => ({ body: { status: 0, message_token: 1 } }));
    const running = await startApp('express', {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          sender: { name: 'Bot' },
          subscribers: { store },
        }),
      ],
    });
    try {
      const subscribers = running.app.get(ViberSubscribers);
      const plain = await subscribers.broadcastToSubscribers('Sale today!');
      const lists = api
        .to('broadcast_message')
        .map((r) => (r.body as { broadcast_list: string[] }).broadcast_list);
      expect(lists.map((l) => l.length).sort((a, b) => b - a)).toEqual([300, 300, 300, 100]);
      expect(lists.flat().some((id) => id.startsWith('gone'))).toBe(false);
      expect(new Set(lists.flat()).size).toBe(1000);
      expect(plain).toMatchObject({
        requests: 4,
        sent: 1000,
        skipped: [],
        skippedCount: 0,
        aborted: false,
      });

      api.reset();
      api.respondWith(() => ({ body: { status: 0, message_token: 1 } }));
      // A keyboard with a Frame needs API 6: the 100 users on API 5 are skipped and reported.
      const needs6 = await subscribers.broadcastToSubscribers({
        type: 'text',
        text: 'New menu',
        keyboard: {
          Type: 'keyboard',
          Buttons: [{ ActionBody: 'menu', Text: 'Menu', Frame: { BorderWidth: 2 } }],
        },
      });
      expect(needs6.skipped).toHaveLength(100);
      expect(needs6.skippedCount).toBe(100);
      expect(needs6.skipped[0]).toEqual({ receiver: 's0000', api_version: 5, required: 6 });
      expect(needs6.sent).toBe(900);
      const sent = api
        .to('broadcast_message')
        .flatMap((r) => (r.body as { broadcast_list: string[] }).broadcast_list);
      expect(sent).toHaveLength(900);
      expect(
        (api.to('broadcast_message')[0]!.body as { min_api_version: number }).min_api_version,
      ).toBe(6);
    } finally {
      await running.app.close();
      await api.close();
    }
  });

  it('streams from the in-memory registry: the first request leaves before the last page is read, everyone once', async () => {
    const api = await RecordingApiServer.start();
    const store = new InMemorySubscriberStore();
    for (let i = 0; i < 5000; i++)
      await store.observe({ id: `m${String(i).padStart(5, '0')}`, at: 1, subscribed: i % 7 !== 0 });
    const events: string[] = [];
    const list = store.list.bind(store);
    store.list = (options) => {
      events.push('list');
      return list(options);
    };
    api.respondWith(() => {
      events.push('request');
      return { body: { status: 0, message_token: 1 } };
    });
    const running = await startApp('express', {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          sender: { name: 'Bot' },
          subscribers: { store },
        }),
      ],
    });
    try {
      const result = await running.app
        .get(ViberSubscribers)
        .broadcastToSubscribers('Hello', {}, { concurrency: 1, pageSize: 600 });
      expect(events.indexOf('request')).toBeLessThan(events.lastIndexOf('list'));
      const sent = api
        .to('broadcast_message')
        .flatMap((r) => (r.body as { broadcast_list: string[] }).broadcast_list);
      const expected = Array.from(
        { length: 5000 },
        (_, i) => `m${String(i).padStart(5, '0')}`,
      ).filter((_, i) => i % 7 !== 0);
      expect(sent).toEqual(expected);
      expect(result).toMatchObject({
        sent: expected.length,
        total: expected.length,
        skippedCount: 0,
      });
    } finally {
      await running.app.close();
      await api.close();
    }
  });

  it('keeps only the profile fields asked for (profileFields)', async () => {
    const api = await RecordingApiServer.start();
    const running = await startApp('express', {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          subscribers: { profileFields: ['country', 'api_version'] },
        }),
      ],
    });
    try {
      await postSigned(
        `${running.url}/viber/webhook`,
        at(1000, {
          event: 'message',
          sender: userObject('pat', { primary_device_os: 'android 13' }),
          message: { type: 'text', text: 'hi' },
        }),
        TEST_TOKEN,
      );
      const subscribers = running.app.get(ViberSubscribers);
      expect(await subscribers.get('pat')).toEqual({
        id: 'pat',
        subscribed: true,
        country: 'UA',
        api_version: 8,
        first_seen_at: 1000,
        last_message_at: 1000,
        status_at: 1000,
        profile_at: { country: 1000, api_version: 1000 },
      });
      // A filter on a field not kept matches nobody.
      expect(await subscribers.count({ language: 'uk' })).toBe(0);
      expect(await subscribers.count({ country: 'UA' })).toBe(1);
    } finally {
      await running.app.close();
      await api.close();
    }
  });

  it('can be switched off: nothing is recorded', async () => {
    const api = await RecordingApiServer.start();
    const running = await startApp('fastify', {
      imports: [
        ViberModule.forRoot({ token: TEST_TOKEN, apiUrl: api.url, subscribers: { record: false } }),
      ],
    });
    try {
      await postSigned(
        `${running.url}/viber/webhook`,
        conversationStarted('x', undefined, true),
        TEST_TOKEN,
      );
      expect(await running.app.get(ViberSubscribers).count({ includeUnsubscribed: true })).toBe(0);
    } finally {
      await running.app.close();
      await api.close();
    }
  });
});
