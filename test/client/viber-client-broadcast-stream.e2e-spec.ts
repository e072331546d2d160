import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import {
  ViberBroadcastSourceError,
  ViberClient,
  VIBER_NOT_SENT_STATUS,
  type ViberBroadcastProgress,
  type ViberClientOptions,
} from 'nestjs-viber';
import { RecordingApiServer } from '../support/recording-api.server';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `u${from + i}`);

/** An async source of `pages` pages of `size` ids that records how far it was read and closed. */
function pagedSource(pages: number, size: number) {
  const state = { read: 0, closed: false, finished: false };
  async function* source(): AsyncGenerator<string[]> {
    try {
      for (let p = 0; p < pages; p++) {
        await sleep(1);
        const page = ids(size, p * size);
        state.read += page.length;
        yield page;
      }
      state.finished = true;
    } finally {
      state.closed = true;
    }
  }
  return { source: source(), state };
}

describe('ViberClient.broadcast over an async iterable (streamed)', () => {
  let api: RecordingApiServer;
  const client = (options: Partial<ViberClientOptions> = {}): ViberClient =>
    new ViberClient(new HttpService(axios.create()), {
      token: TOKEN,
      apiUrl: api.url,
      sender: { name: 'Bot' },
      retry: false,
      logger: { log: () => undefined, error: () => undefined, warn: () => undefined },
      ...options,
    });
  const lists = (): string[][] =>
    api.to('broadcast_message').map((r) => (r.body as { broadcast_list: string[] }).broadcast_list);

  beforeAll(async () => {
    api = await RecordingApiServer.start();
  });
  afterAll(() => api.close());
  beforeEach(() => {
    api.reset();
    api.respondWith(() => ({ body: { status: 0, message_token: 7 } }));
  });

  it('sends the same requests, bodies and result as the list form, from ids or pages of ids', async () => {
    const receivers = ids(1_234);
    const fromList = await client().broadcast(receivers, 'news', { concurrency: 1 });
    const listBodies = api.to('broadcast_message').map((r) => r.text);
    api.reset();
    api.respondWith(() => ({ body: { status: 0, message_token: 7 } }));
    async function* one(): AsyncGenerator<string> {
      for (const id of receivers) yield id;
    }
    const fromIds = await client().broadcast(one(), 'news', { concurrency: 1 });
    const idBodies = api.to('broadcast_message').map((r) => r.text);
    api.reset();
    api.respondWith(() => ({ body: { status: 0, message_token: 7 } }));
    async function* pages(): AsyncGenerator<readonly string[]> {
      for (let i = 0; i < receivers.length; i += 77) yield receivers.slice(i, i + 77);
    }
    const fromPages = await client().broadcast(pages(), 'news', { concurrency: 1 });
    expect(api.to('broadcast_message').map((r) => r.text)).toEqual(listBodies);
    expect(idBodies).toEqual(listBodies);
    expect(lists().map((l) => l.length)).toEqual([300, 300, 300, 300, 34]);
    expect(fromIds).toEqual(fromList);
    expect(fromPages).toEqual(fromList);
    expect(fromList).toMatchObject({ requests: 5, sent: 1_234, total: 1_234, aborted: false });
  });

  it('reads the source lazily: the first request leaves after 300 receivers, the rest follows the answers', async () => {
    const { source, state } = pagedSource(40, 100);
    const readAtRequest: number[] = [];
    api.respondWith(async () => {
      readAtRequest.push(state.read);
      await sleep(5);
      return { body: { status: 0, message_token: 7 } };
    });
    const progress: ViberBroadcastProgress[] = [];
    const result = await client().broadcast(source, 'news', {
      concurrency: 2,
      onProgress: (p) => progress.push(p),
    });
    // Two requests in flight at most: 600 receivers read, plus a page begun.
    expect(readAtRequest[0]).toBeLessThanOrEqual(700);
    expect(Math.max(...progress.map((p) => p.total - p.settled))).toBeLessThanOrEqual(700);
    // `complete` turns true once the last page is read, and stays so.
    const firstComplete = progress.findIndex((p) => p.complete);
    expect(firstComplete).toBeGreaterThan(0);
    expect(progress.slice(firstComplete).every((p) => p.complete && p.total === 4_000)).toBe(true);
    expect(progress.every((p, i) => i === 0 || p.total >= progress[i - 1]!.total)).toBe(true);
    expect(progress.at(-1)).toEqual({
      total: 4_000,
      sent: 4_000,
      failed: 0,
      uncertain: 0,
      requests: 14,
      settled: 4_000,
      complete: true,
    });
    expect(result).toMatchObject({ sent: 4_000, total: 4_000, aborted: false });
    expect(state).toEqual({ read: 4_000, closed: true, finished: true });
    expect(lists().flat()).toHaveLength(4_000);
    expect(new Set(lists().flat()).size).toBe(4_000);
  });

  it('stopped, it stops reading: only what was read is accounted, the source is closed', async () => {
    const { source, state } = pagedSource(1_000, 250);
    const controller = new AbortController();
    api.respondWith(async () => {
      if (api.to('broadcast_message').length === 3) controller.abort();
      await sleep(10);
      return { body: { status: 0, message_token: 7 } };
    });
    const result = await client().broadcast(source, 'news', {
      concurrency: 1,
      signal: controller.signal,
    });
    expect(result.aborted).toBe(true);
    expect(state.closed).toBe(true);
    expect(state.finished).toBe(false);
    // 4 pages read (1,000) for 3 requests, the third in flight at the abort.
    expect(result.total).toBe(state.read);
    expect(result.total).toBe(1_000);
    expect(result.sent).toBe(600);
    expect(result.uncertain_list).toEqual(ids(300, 600));
    expect(
      result.failed_list.filter((f) => f.status === VIBER_NOT_SENT_STATUS).map((f) => f.receiver),
    ).toEqual(ids(100, 900));
  });

  it('stopBroadcasts() stops a streamed broadcast the same way', async () => {
    const { source, state } = pagedSource(1_000, 300);
    const c = client();
    api.respondWith(async () => {
      if (api.to('broadcast_message').length === 2) c.stopBroadcasts();
      await sleep(10);
      return { body: { status: 0, message_token: 7 } };
    });
    const result = await c.broadcast(source, 'news', { concurrency: 1 });
    expect(result.aborted).toBe(true);
    expect(state.closed).toBe(true);
    expect(result.sent + result.uncertain_list.length + result.failed_list.length).toBe(
      result.total,
    );
    expect(result.total).toBe(state.read);
    expect(state.read).toBeLessThan(3_000);
  });

  it('a fatal status stops reading too', async () => {
    const { source, state } = pagedSource(100, 300);
    api.respondWith(() =>
      api.to('broadcast_message').length === 2
        ? { body: { status: 20, status_message: 'broadcastNotAllowed' } }
        : { body: { status: 0, message_token: 7 } },
    );
    const result = await client().broadcast(source, 'news', { concurrency: 1 });
    expect(result.aborted).toBe(true);
    expect(state.closed).toBe(true);
    expect(result.sent).toBe(300);
    expect(result.failed_list.filter((f) => f.status === 20)).toHaveLength(300);
    expect(api.to('broadcast_message')).toHaveLength(2);
  });

  it('a source that throws stops the broadcast and rejects with the result so far', async () => {
    const failure = new Error('database gone');
    async function* failing(): AsyncGenerator<string[]> {
      yield ids(500);
      yield ids(500, 500);
      throw failure;
    }
    const error = await client()
      .broadcast(failing(), 'news', { concurrency: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViberBroadcastSourceError);
    const { result, cause } = error as ViberBroadcastSourceError;
    expect(cause).toBe(failure);
    expect(result.aborted).toBe(true);
    expect(result.total).toBe(1_000);
    // 900 sent in three requests; the last 100 read were not sent.
    expect(result.sent).toBe(900);
    expect(result.failed_list).toEqual(
      ids(100, 900).map((receiver) => ({
        receiver,
        status: VIBER_NOT_SENT_STATUS,
        status_message: 'not sent: reading the receivers failed: database gone',
      })),
    );
    expect(lists().flat()).toEqual(ids(900));
  });

  it('an empty source sends nothing', async () => {
    async function* empty(): AsyncGenerator<string> {}
    await expect(client().broadcast(empty(), 'news')).resolves.toEqual({
      requests: 0,
      sent: 0,
      total: 0,
      message_tokens: [],
      failed_list: [],
      uncertain_list: [],
      aborted: false,
    });
    expect(api.requests).toEqual([]);
  });
});
