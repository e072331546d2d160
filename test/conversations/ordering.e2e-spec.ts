/**
 * Per-user ordering over real HTTP, on Express and Fastify: 200 signed callbacks of one user
 * posted at once update a session counter to exactly 200, their handler sees them in the order
 * they arrived at the bot, and another user's callback is handled while that user's line waits.
 */
import { Injectable } from '@nestjs/common';
import {
  InMemorySessionStore,
  OnText,
  Session,
  Text,
  ViberModule,
  type ViberCallback,
  type ViberSessionData,
} from 'nestjs-viber';
import { ViberBot, getViberBotToken } from 'nestjs-viber/internal';
import { textMessage } from '../support/callbacks';
import { PLATFORMS, TEST_TOKEN, postSigned, startApp, waitFor } from '../support/viber-test-app';

/** What the handlers saw, in order. */
const seen: string[] = [];
let gate: Promise<void> = Promise.resolve();

@Injectable()
class CounterHandlers {
  @OnText(/^n\d+$/)
  async count(@Text() text: string, @Session() session: ViberSessionData): Promise<void> {
    const before = (session.count as number | undefined) ?? 0;
    seen.push(text);
    // Give any other callback of the user every chance to run in between (it must not).
    await new Promise((resolve) => setImmediate(resolve));
    session.count = before + 1;
  }

  @OnText('hold')
  async hold(): Promise<void> {
    seen.push('hold');
    await gate;
  }

  @OnText('other')
  other(): void {
    seen.push('other');
  }
}

describe.each(PLATFORMS)('per-user ordering on %s', (platform) => {
  it('200 concurrent callbacks of one user: the counter is 200, handled in arrival order', async () => {
    const store = new InMemorySessionStore();
    const { app, url } = await startApp(platform, {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: 'http://127.0.0.1:9/pa',
          conversations: { store },
        }),
      ],
      providers: [CounterHandlers],
    });
    try {
      seen.length = 0;
      // Arrival at the bot: the order in which the webhook hands parsed callbacks to dispatch.
      const bot = app.get<ViberBot>(getViberBotToken());
      const arrivals: string[] = [];
      const dispatch = bot.dispatch.bind(bot);
      bot.dispatch = (callback: ViberCallback) => {
        if (callback.event === 'message' && callback.message.text) {
          arrivals.push(callback.message.text);
        }
        return dispatch(callback);
      };
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          postSigned(`${url}/viber/webhook`, textMessage('busy', `n${i}`), TEST_TOKEN),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(200).fill(200));
      expect((await store.get('default:busy'))?.session).toEqual({ count: 200 });
      expect(arrivals).toHaveLength(200);
      expect(new Set(arrivals).size).toBe(200);
      expect(seen).toEqual(arrivals);
    } finally {
      await app.close();
    }
  });

  it('another user is not held up while one user waits', async () => {
    const { app, url } = await startApp(platform, {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: 'http://127.0.0.1:9/pa',
          conversations: {},
        }),
      ],
      providers: [CounterHandlers],
    });
    try {
      seen.length = 0;
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      const webhook = `${url}/viber/webhook`;
      const held = postSigned(webhook, textMessage('slow-user', 'hold'), TEST_TOKEN);
      await waitFor(() => seen.includes('hold'));
      const queued = postSigned(webhook, textMessage('slow-user', 'n1'), TEST_TOKEN);
      // Another user's callback runs and is answered while the first user's line is blocked.
      expect(
        (await postSigned(webhook, textMessage('quick-user', 'other'), TEST_TOKEN)).status,
      ).toBe(200);
      expect(seen).toEqual(['hold', 'other']);
      open();
      expect((await held).status).toBe(200);
      expect((await queued).status).toBe(200);
      expect(seen).toEqual(['hold', 'other', 'n1']);
    } finally {
      gate = Promise.resolve();
      await app.close();
    }
  });
});
