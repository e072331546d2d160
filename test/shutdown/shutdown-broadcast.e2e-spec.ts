import {
  ViberClient,
  ViberModule,
  VIBER_NOT_SENT_STATUS,
  type ViberBroadcastResult,
} from 'nestjs-viber';
import { RecordingApiServer, type RecordedRequest } from '../support/recording-api.server';
import { TEST_TOKEN, startApp } from '../support/viber-test-app';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const receivers = Array.from({ length: 30_000 }, (_, i) => `user-${i}`);
const listOf = (request: RecordedRequest): string[] =>
  (request.body as { broadcast_list: string[] }).broadcast_list;

/** Starts a bot app, a broadcast to 30,000 receivers, and closes the app once `closeAfter` requests arrived. */
async function broadcastThroughShutdown(
  api: RecordingApiServer,
  shutdownTimeoutMs: number,
  closeAfter: number,
): Promise<ViberBroadcastResult> {
  const running = await startApp('express', {
    imports: [
      ViberModule.forRoot({
        token: TEST_TOKEN,
        apiUrl: api.url,
        sender: { name: 'Bot' },
        handling: { shutdownTimeoutMs },
      }),
    ],
  });
  const broadcast = running.app.get(ViberClient).broadcast(receivers, 'news', { concurrency: 10 });
  while (api.requests.length < closeAfter) await sleep(5);
  const closed = running.app.close();
  const result = await broadcast;
  await closed;
  return result;
}

describe('shutdown during a broadcast', () => {
  let api: RecordingApiServer;
  beforeAll(async () => {
    api = await RecordingApiServer.start();
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());

  it('requests in flight finish and are reported as Viber answered: no accepted receiver is reported as not sent', async () => {
    const accepted = new Set<string>();
    api.respondWith(async (request) => {
      await sleep(100);
      for (const id of listOf(request)) accepted.add(id);
      return { body: { status: 0, message_token: 1 } };
    });
    const result = await broadcastThroughShutdown(api, 10_000, 25);

    expect(result.aborted).toBe(true);
    expect(result.uncertain_list).toEqual([]);
    expect(result.sent).toBe(accepted.size);
    expect(accepted.size).toBeGreaterThanOrEqual(25 * 300);
    for (const failure of result.failed_list) {
      expect(failure.status).toBe(VIBER_NOT_SENT_STATUS);
      expect(accepted.has(failure.receiver)).toBe(false);
    }
    expect(result.sent + result.failed_list.length).toBe(receivers.length);
    // Nothing was sent after the shutdown began but what was already on the wire.
    expect(api.requests.flatMap(listOf)).toHaveLength(accepted.size);
  }, 30_000);

  it('a request still unanswered when the shutdown timeout ends is reported uncertain, never as not sent', async () => {
    const answered = new Set<string>();
    const received = new Set<string>();
    api.respondWith(async (request) => {
      for (const id of listOf(request)) received.add(id);
      if (api.requests.length > 15) return 'hang';
      await sleep(20);
      for (const id of listOf(request)) answered.add(id);
      return { body: { status: 0, message_token: 1 } };
    });
    const result = await broadcastThroughShutdown(api, 300, 20);

    const uncertain = new Set(result.uncertain_list);
    expect(uncertain.size).toBeGreaterThan(0);
    expect(result.sent).toBe(answered.size);
    for (const id of received) {
      // Every receiver that reached the API is sent or uncertain: re-sending failed_list never duplicates.
      expect(answered.has(id) || uncertain.has(id)).toBe(true);
    }
    for (const failure of result.failed_list) {
      expect(failure.status).toBe(VIBER_NOT_SENT_STATUS);
      expect(received.has(failure.receiver)).toBe(false);
    }
    expect(result.sent + result.failed_list.length + uncertain.size).toBe(receivers.length);
  }, 30_000);
});
