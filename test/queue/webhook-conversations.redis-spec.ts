/**
 * The queued webhook with `conversations`: the worker runs each callback in its user's
 * conversation (the session is loaded before the handlers and saved after them), as the inline
 * webhook does. Two users, six messages each, interleaved: each user's session counts 1..6.
 */
import { Injectable } from '@nestjs/common';
import { OnMessage, Session, Text, ViberModule, type ViberSessionData } from 'nestjs-viber';
import { nextToken, textMessage } from '../support/callbacks';
import { RecordingApiServer } from '../support/recording-api.server';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import {
  TEST_TOKEN,
  postSigned,
  startApp,
  waitFor,
  type RunningApp,
} from '../support/viber-test-app';

jest.setTimeout(60_000);

@Injectable()
class Counter {
  @OnMessage({ type: 'text' })
  count(@Text() text: string, @Session() session: ViberSessionData): string {
    const seen = ((session.seen as number | undefined) ?? 0) + 1;
    session.seen = seen;
    return `${text} is message ${seen}`;
  }
}

describe('queued webhook with conversations', () => {
  let redis: RedisTestServer;
  let api: RecordingApiServer;
  let running: RunningApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    api = await RecordingApiServer.start();
    running = await startApp('express', {
      imports: [
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          sender: { name: 'Bot' },
          webhook: { mode: 'queue' },
          queue: {
            connection: { host: '127.0.0.1', port: redis.port },
            prefix: '{queued-conversations}',
            webhook: { partitions: 2 },
          },
          conversations: {},
        }),
      ],
      providers: [Counter],
    });
  });

  afterAll(async () => {
    await running?.app.close();
    await api?.close();
    await redis?.stop();
  });

  it("runs each queued callback in its user's session, saved between callbacks", async () => {
    const url = `${running.url}/viber/webhook`;
    for (let n = 1; n <= 6; n++) {
      for (const user of ['ann', 'bob']) {
        const answer = await postSigned(
          url,
          textMessage(user, `${user}-${n}`, nextToken()),
          TEST_TOKEN,
        );
        expect(answer.status).toBe(200);
      }
    }
    await waitFor(() => api.to('send_message').length === 12, 20_000);
    const replies = (user: string): string[] =>
      api
        .to('send_message')
        .map((request) => request.body as { receiver: string; text: string })
        .filter((body) => body.receiver === user)
        .map((body) => body.text);
    const expected = (user: string): string[] =>
      [1, 2, 3, 4, 5, 6].map((n) => `${user}-${n} is message ${n}`);
    expect(replies('ann')).toEqual(expected('ann'));
    expect(replies('bob')).toEqual(expected('bob'));
  });
});
