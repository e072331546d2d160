/**
 * Viber's rate limiting (status 12, HTTP 429) pauses the whole outgoing queue without spending
 * the jobs' attempts (the chunk jobs get one attempt here: any spent attempt would fail them);
 * receivers Viber fails one by one with status 12 are retried, other statuses are recorded.
 */
import {
  ViberBroadcasts,
  ViberModule,
  type ViberBroadcastEvent,
  type ViberBroadcastStatus,
} from 'nestjs-viber';
import { RecordingApiServer, type RecordedRequest } from '../support/recording-api.server';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { TEST_TOKEN, startApp, waitFor, type RunningApp } from '../support/viber-test-app';

jest.setTimeout(60_000);

const PAUSE_MS = 300;
const listOf = (request: RecordedRequest): string[] =>
  (request.body as { broadcast_list?: string[] }).broadcast_list ?? [];

describe('status 12 and HTTP 429 pause the queue; attempts are not spent', () => {
  let redis: RedisTestServer;
  let api: RecordingApiServer;
  let running: RunningApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    api = await RecordingApiServer.start();
    running = await startApp('express', {
      imports: [
        // The async form, as apps with ConfigService write it.
        ViberModule.forRootAsync({
          useFactory: () => ({
            token: TEST_TOKEN,
            apiUrl: api.url,
            sender: { name: 'Bot' },
            timeout: 500,
            rateLimits: { broadcast_message: { limit: 100, intervalMs: 1000 } },
            queue: {
              connection: { host: '127.0.0.1', port: redis.port },
              prefix: '{rate-limited}',
              broadcast: {
                concurrency: 1,
                attempts: 1,
                startSlackMs: 100,
                rateLimitPauseMs: PAUSE_MS,
              },
            },
          }),
        }),
      ],
    });
  });

  afterAll(async () => {
    await running?.app.close();
    await api?.close();
    await redis?.stop();
  });

  it('pauses after each one, sends everyone once, and records the final failures with their status', async () => {
    const receivers = Array.from({ length: 9000 }, (_, i) => `user-${i}`);
    const arrivals: number[] = [];
    const limitedAt: number[] = [];
    api.respondWith((request) => {
      if (request.endpoint !== 'broadcast_message') return { body: { status: 0 } };
      const n = arrivals.push(Date.now());
      if (n >= 3 && n <= 5) {
        limitedAt.push(Date.now());
        return { body: { status: 12, status_message: 'tooManyRequests' } };
      }
      if (n === 6) {
        limitedAt.push(Date.now());
        return { status: 429, body: 'Too Many Requests', contentType: 'text/plain' };
      }
      const list = listOf(request);
      if (n === 8) {
        // Five receivers rate-limited one by one (retried later), two not subscribed (final).
        return {
          body: {
            status: 0,
            message_token: 1,
            failed_list: [
              ...list
                .slice(0, 5)
                .map((receiver) => ({ receiver, status: 12, status_message: 'x' })),
              ...list.slice(5, 7).map((receiver) => ({ receiver, status: 6, status_message: 'n' })),
            ],
          },
        };
      }
      return { body: { status: 0, message_token: 1, failed_list: [] } };
    });
    const broadcasts = running.app.get(ViberBroadcasts);
    const events: ViberBroadcastEvent[] = [];
    const stop = await broadcasts.subscribe((event) => events.push(event), { id: 'limited' });
    await broadcasts.start(receivers, 'news', { id: 'limited' });

    await waitFor(() => events.some((event) => event.status.state === 'completed'), 50_000);
    const status: ViberBroadcastStatus | undefined = await broadcasts.get('limited');
    stop();
    expect(status).toMatchObject({
      state: 'completed',
      total: 9000,
      sent: 8998,
      failed: 2,
      uncertain: 0,
      pending: 0,
    });
    const failed = await broadcasts.failedReceivers('limited');
    expect(failed.items.map((f) => f.status)).toEqual([6, 6]);
    expect(failed.cursor).toBeUndefined();

    // Everyone was accepted exactly once (the rate-limited requests were not).
    const accepted = api
      .to('broadcast_message')
      .filter((_, index) => index < 2 || index > 5)
      .flatMap(listOf);
    const counts = new Map<string, number>();
    for (const id of accepted) counts.set(id, (counts.get(id) ?? 0) + 1);
    const eighth = listOf(api.to('broadcast_message')[7]!);
    for (const id of receivers) {
      const expected = eighth.slice(0, 5).includes(id) ? 2 : 1;
      expect(counts.get(id)).toBe(expected);
    }
    // The five rate-limited receivers went out again, alone in a later request.
    expect(
      api.to('broadcast_message').some((r) => listOf(r).join() === eighth.slice(0, 5).join()),
    ).toBe(true);

    // After each rate-limit answer, nothing arrived before the pause was over.
    for (const at of limitedAt) {
      const next = arrivals.find((time) => time > at);
      expect(next! - at).toBeGreaterThanOrEqual(PAUSE_MS - 20);
    }
    expect(events.filter((event) => event.type === 'progress').length).toBeGreaterThan(0);
  });
});
