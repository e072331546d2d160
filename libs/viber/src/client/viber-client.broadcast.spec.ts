import type { HttpService } from '@nestjs/axios';
import { AxiosError, type AxiosRequestConfig } from 'axios';
import { ViberBroadcastSourceError } from '../errors/viber-broadcast-source.error';
import { ViberValidationError } from '../errors/viber-validation.error';
import type { ViberBroadcastResult } from '../types/api.types';
import type { ViberBroadcastProgress } from './viber-client.options';
import { ViberStatus } from '../types/viber-status.enum';
import {
  NOOP_INSTRUMENTATION,
  type ViberInstrumentation,
} from '../observability/viber-instrumentation';
import { VIBER_NOT_SENT_STATUS, VIBER_TRANSPORT_FAILURE_STATUS, ViberClient } from './viber-client';

// The broadcast's accounting (every receiver exactly once in sent, failed_list or
// uncertain_list) against an HTTP layer played in process: no port, no server. What happens on a
// real socket (timeouts, resets, the emulator's answers) is in test/client/*.e2e-spec.ts.

interface Call {
  receivers: string[];
  signal: AbortSignal;
  /** The request body as sent. */
  data: string;
}

/** What one request gets back: an answer body, or an error thrown by the HTTP layer. */
type Reply = { failed?: { receiver: string; status: number }[]; status?: number } | Error;

function client(
  reply: (call: Call, index: number) => Reply | Promise<Reply>,
  options: {
    concurrency?: number;
    onNotSubscribed?: (id: string) => void;
    validate?: boolean;
    sender?: { name: string } | null;
  } = {},
): { viber: ViberClient; calls: Call[]; receivers: Record<string, number> } {
  const calls: Call[] = [];
  /** What the client reports to the metrics: receivers by result. */
  const receivers: Record<string, number> = {};
  const instrumentation: ViberInstrumentation = {
    ...NOOP_INSTRUMENTATION,
    broadcastReceivers: (result: string, count: number) => {
      receivers[result] = (receivers[result] ?? 0) + count;
    },
  };
  const http = {
    axiosRef: {
      request: async (config: AxiosRequestConfig<string>) => {
        const body = JSON.parse(config.data!) as { broadcast_list: string[] };
        const call = {
          receivers: body.broadcast_list,
          signal: config.signal as AbortSignal,
          data: config.data!,
        };
        const index = calls.push(call) - 1;
        const answer = await reply(call, index);
        if (answer instanceof Error) throw answer;
        const status = answer.status ?? 0;
        return {
          status: 200,
          data: JSON.stringify({
            status,
            status_message: status === 0 ? 'ok' : 'refused',
            message_token: 1000 + index,
            ...(answer.failed
              ? { failed_list: answer.failed.map((f) => ({ ...f, status_message: 'x' })) }
              : {}),
          }),
        };
      },
    },
  } as unknown as HttpService;
  const viber = new ViberClient(http, {
    token: 'broadcast-test-token',
    sender: options.sender === null ? undefined : (options.sender ?? { name: 'Bot' }),
    validate: options.validate,
    retry: false,
    rateLimits: { broadcast_message: false },
    broadcastConcurrency: options.concurrency ?? 1,
    onReceiverNotSubscribed: options.onNotSubscribed,
    instrumentation,
  });
  return { viber, calls, receivers };
}

const ids = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `u${from + i}`);

/** Every receiver accounted for exactly once. */
function expectAccounted(result: ViberBroadcastResult, receivers: readonly string[]): void {
  const failed = result.failed_list.map((f) => f.receiver);
  expect(result.sent + failed.length + result.uncertain_list.length).toBe(receivers.length);
  expect(new Set([...failed, ...result.uncertain_list]).size).toBe(
    failed.length + result.uncertain_list.length,
  );
}

const refused = (): AxiosError => new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED');
const resetAfterWrite = (): AxiosError => {
  const error = new AxiosError('socket hang up', 'ECONNRESET');
  error.request = { writableFinished: true };
  return error;
};

async function* pages(...lists: (string | string[])[]): AsyncIterable<string | string[]> {
  for (const list of lists) yield list;
}

describe('ViberClient.broadcast accounting (list)', () => {
  it('splits into requests of 300, counts sent, merges failed_list and message tokens', async () => {
    const notSubscribed: string[] = [];
    const {
      viber,
      calls,
      receivers: counted,
    } = client(
      (_call, index) =>
        index === 1
          ? {
              failed: [
                { receiver: 'u300', status: ViberStatus.receiverNotSubscribed },
                { receiver: 'u301', status: ViberStatus.receiverNoSuitableDevice },
              ],
            }
          : {},
      { onNotSubscribed: (id) => notSubscribed.push(id) },
    );
    const receivers = ids(650);
    const progress: ViberBroadcastProgress[] = [];
    const result = await viber.broadcast(receivers, 'hi', { onProgress: (p) => progress.push(p) });
    expect(calls.map((c) => c.receivers.length)).toEqual([300, 300, 50]);
    expect(calls.map((c) => c.receivers[0])).toEqual(['u0', 'u300', 'u600']);
    expect(result).toEqual({
      requests: 3,
      sent: 648,
      total: 650,
      message_tokens: ['1000', '1001', '1002'],
      failed_list: [
        { receiver: 'u300', status: 6, status_message: 'x' },
        { receiver: 'u301', status: 11, status_message: 'x' },
      ],
      uncertain_list: [],
      aborted: false,
    });
    expect(notSubscribed).toEqual(['u300']);
    expect(counted).toEqual({ sent: 648, failed: 2 });
    expect(progress).toEqual([
      { total: 650, sent: 300, failed: 0, uncertain: 0, requests: 1, settled: 300, complete: true },
      { total: 650, sent: 598, failed: 2, uncertain: 0, requests: 2, settled: 600, complete: true },
      { total: 650, sent: 648, failed: 2, uncertain: 0, requests: 3, settled: 650, complete: true },
    ]);
  });

  it('an empty list sends nothing', async () => {
    const { viber, calls } = client(() => ({}));
    const progress: ViberBroadcastProgress[] = [];
    const result = await viber.broadcast([], 'hi', { onProgress: (p) => progress.push(p) });
    expect(calls).toEqual([]);
    expect(progress).toEqual([]);
    expect(result).toEqual({
      requests: 0,
      sent: 0,
      total: 0,
      message_tokens: [],
      failed_list: [],
      uncertain_list: [],
      aborted: false,
    });
  });

  it('a request Viber refuses as a whole fails its receivers with that status; the others go on', async () => {
    const { viber, receivers: counted } = client((_call, index) =>
      index === 0 ? { status: ViberStatus.badData } : {},
    );
    const receivers = ids(301);
    const result = await viber.broadcast(receivers, 'hi');
    expect(counted).toEqual({ sent: 1, failed: 300 });
    expect(result.sent).toBe(1);
    expect(result.requests).toBe(2);
    expect(result.aborted).toBe(false);
    expect(result.failed_list).toHaveLength(300);
    expect(result.failed_list[0]).toEqual({
      receiver: 'u0',
      status: 3,
      status_message: expect.stringContaining('status 3') as unknown,
    });
    expect(result.message_tokens).toEqual(['1001']);
    expectAccounted(result, receivers);
  });

  it('a request that never left fails its receivers with -1; one that left unanswered is uncertain', async () => {
    const { viber } = client((_call, index) =>
      index === 0 ? refused() : index === 1 ? resetAfterWrite() : {},
    );
    const receivers = ids(700);
    const result = await viber.broadcast(receivers, 'hi');
    expect(result.failed_list).toHaveLength(300);
    expect(result.failed_list[299]).toEqual({
      receiver: 'u299',
      status: VIBER_TRANSPORT_FAILURE_STATUS,
      status_message: expect.stringContaining('ECONNREFUSED') as unknown,
    });
    expect(result.uncertain_list).toEqual(ids(300, 300));
    expect(result.sent).toBe(100);
    expect(result.requests).toBe(3);
    expect(result.aborted).toBe(false);
    expectAccounted(result, receivers);
  });

  it('a fatal status stops the broadcast: the rest are reported never sent (-2) with the reason', async () => {
    const { viber, calls } = client(() => ({ status: ViberStatus.invalidAuthToken }));
    const receivers = ids(900);
    const progress: ViberBroadcastProgress[] = [];
    const result = await viber.broadcast(receivers, 'hi', { onProgress: (p) => progress.push(p) });
    expect(calls).toHaveLength(1);
    expect(result.aborted).toBe(true);
    expect(result.requests).toBe(1);
    expect(result.sent).toBe(0);
    expect(result.failed_list).toHaveLength(900);
    expect(result.failed_list[0]!.status).toBe(2);
    // The receivers never sent carry the fatal status and its text.
    expect(result.failed_list[300]).toEqual({
      receiver: 'u300',
      status: 2,
      status_message: result.failed_list[0]!.status_message,
    });
    expect(progress.at(-1)).toEqual({
      total: 900,
      sent: 0,
      failed: 900,
      uncertain: 0,
      requests: 1,
      settled: 900,
      complete: true,
    });
    expect(progress).toHaveLength(2);
  });

  it('a fatal status on the last request reports no extra progress', async () => {
    const { viber } = client(() => ({ status: ViberStatus.invalidAuthToken }));
    const progress: ViberBroadcastProgress[] = [];
    const result = await viber.broadcast(ids(10), 'hi', { onProgress: (p) => progress.push(p) });
    expect(result.aborted).toBe(true);
    expect(progress).toHaveLength(1);
  });

  it('an aborted signal before the start sends nothing and reports everyone -2', async () => {
    const { viber, calls } = client(() => ({}));
    const controller = new AbortController();
    controller.abort();
    const result = await viber.broadcast(ids(400), 'hi', { signal: controller.signal });
    expect(calls).toEqual([]);
    expect(result.aborted).toBe(true);
    expect(result.requests).toBe(0);
    expect(result.failed_list).toHaveLength(400);
    expect(result.failed_list[399]).toEqual({
      receiver: 'u399',
      status: VIBER_NOT_SENT_STATUS,
      status_message: 'not sent: the broadcast was stopped',
    });
  });

  it('stopBroadcasts between requests: the request in flight counts, the rest are -2', async () => {
    const late: { viber?: ViberClient } = {};
    const { viber } = client((_call, index) => {
      if (index === 0) late.viber!.stopBroadcasts();
      return {};
    });
    late.viber = viber;
    const receivers = ids(700);
    const result = await viber.broadcast(receivers, 'hi');
    expect(result.sent).toBe(300);
    expect(result.requests).toBe(1);
    expect(result.aborted).toBe(true);
    expect(result.failed_list.map((f) => f.status)).toEqual(new Array(400).fill(-2));
    expect(result.failed_list[0]!.receiver).toBe('u300');
    expectAccounted(result, receivers);
  });

  it('an abort in flight makes that request uncertain when it had left', async () => {
    const controller = new AbortController();
    const { viber } = client(
      (call) =>
        new Promise<Reply>((resolve) => {
          call.signal.addEventListener('abort', () => resolve(resetAfterWrite()));
          controller.abort();
        }),
    );
    const receivers = ids(350);
    const result = await viber.broadcast(receivers, 'hi', { signal: controller.signal });
    expect(result.uncertain_list).toEqual(ids(300));
    expect(result.aborted).toBe(true);
    expect(result.failed_list).toHaveLength(50);
    expect(result.failed_list[0]).toEqual({
      receiver: 'u300',
      status: -2,
      status_message: 'not sent: the broadcast was stopped',
    });
    expectAccounted(result, receivers);
  });

  it('an abort in flight before the request left fails that request with -2', async () => {
    const controller = new AbortController();
    const { viber, receivers: counted } = client(
      (call) =>
        new Promise<Reply>((resolve) => {
          call.signal.addEventListener('abort', () => resolve(refused()));
          controller.abort();
        }),
    );
    const result = await viber.broadcast(ids(10), 'hi', { signal: controller.signal });
    expect(result.aborted).toBe(true);
    expect(counted).toEqual({ not_sent: 10 });
    expect(result.uncertain_list).toEqual([]);
    expect(result.failed_list).toEqual(
      ids(10).map((receiver) => ({
        receiver,
        status: -2,
        status_message: 'not sent: the broadcast was stopped',
      })),
    );
  });

  it('settles receivers in order when requests end out of order', async () => {
    const gates: Array<() => void> = [];
    const { viber } = client(() => new Promise<Reply>((resolve) => gates.push(() => resolve({}))), {
      concurrency: 2,
    });
    const progress: ViberBroadcastProgress[] = [];
    const done = viber.broadcast(ids(900), 'hi', { onProgress: (p) => progress.push(p) });
    const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    await tick();
    expect(gates).toHaveLength(2);
    gates[1]!(); // the second request ends first: nothing settled yet
    await tick();
    expect(progress.map((p) => [p.requests, p.settled])).toEqual([[1, 0]]);
    gates[0]!(); // now both
    await tick();
    expect(progress.map((p) => [p.requests, p.settled])).toEqual([
      [1, 0],
      [2, 600],
    ]);
    gates[2]!();
    const result = await done;
    expect(progress.at(-1)).toMatchObject({ requests: 3, settled: 900, sent: 900 });
    expect(result.sent).toBe(900);
  });

  it('concurrency is at least 1 and whole', async () => {
    const { viber, calls } = client(() => ({}));
    const result = await viber.broadcast(ids(600), 'hi', { concurrency: 0.5 });
    expect(calls).toHaveLength(2);
    expect(result.sent).toBe(600);
  });
});

describe('ViberClient.broadcast accounting (async iterable)', () => {
  it('reads pages lazily into requests of 300, counting total as it reads', async () => {
    const { viber, calls } = client(() => ({}));
    const progress: ViberBroadcastProgress[] = [];
    const result = await viber.broadcast(pages(ids(250), 'x1', ids(100, 250), []), 'hi', {
      onProgress: (p) => progress.push(p),
    });
    expect(calls.map((c) => c.receivers.length)).toEqual([300, 51]);
    expect(calls[0]!.receivers.slice(249, 251)).toEqual(['u249', 'x1']);
    expect(result).toMatchObject({ requests: 2, sent: 351, total: 351, aborted: false });
    expect(progress).toEqual([
      {
        // the third page was read to fill the first request
        total: 351,
        sent: 300,
        failed: 0,
        uncertain: 0,
        requests: 1,
        settled: 300,
        complete: false,
      },
      { total: 351, sent: 351, failed: 0, uncertain: 0, requests: 2, settled: 351, complete: true },
    ]);
  });

  it('an empty source sends nothing', async () => {
    const { viber, calls } = client(() => ({}));
    const result = await viber.broadcast(pages(), 'hi');
    expect(calls).toEqual([]);
    expect(result).toMatchObject({ requests: 0, sent: 0, total: 0, aborted: false });
  });

  it('a fatal status stops reading: what was read and not sent is -2, the source is closed', async () => {
    let closed = false;
    let reads = 0;
    async function* source(): AsyncIterable<string[]> {
      try {
        for (let page = 0; page < 10; page++) {
          reads++;
          yield ids(200, page * 200);
        }
      } finally {
        closed = true;
      }
    }
    const { viber, calls } = client(() => ({ status: ViberStatus.invalidAuthToken }));
    const progress: ViberBroadcastProgress[] = [];
    const result = await viber.broadcast(source(), 'hi', { onProgress: (p) => progress.push(p) });
    expect(calls).toHaveLength(1);
    expect(closed).toBe(true);
    expect(reads).toBe(2);
    expect(result.total).toBe(400);
    expect(result.aborted).toBe(true);
    expect(result.failed_list).toHaveLength(400);
    expect(result.failed_list[399]).toMatchObject({ receiver: 'u399', status: 2 });
    expect(progress.at(-1)).toMatchObject({ total: 400, settled: 400, failed: 400 });
  });

  it('a source that throws stops the broadcast and rejects with the result so far', async () => {
    async function* source(): AsyncIterable<string[]> {
      yield ids(350);
      throw new Error('db gone');
    }
    const { viber } = client(() => ({}));
    const error = await viber.broadcast(source(), 'hi').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViberBroadcastSourceError);
    const { result } = error as ViberBroadcastSourceError;
    expect(result.sent).toBe(300);
    expect(result.total).toBe(350);
    expect(result.aborted).toBe(true);
    expect(result.failed_list).toHaveLength(50);
    expect(result.failed_list[0]).toEqual({
      receiver: 'u300',
      status: -2,
      status_message: 'not sent: reading the receivers failed: db gone',
    });
  });

  it('a source that throws a non-Error names it too; its failing cleanup changes nothing', async () => {
    const iterable: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject('nope'),
        return: () => Promise.reject(new Error('cleanup')),
      }),
    };
    const { viber } = client(() => ({}));
    const error = (await viber
      .broadcast(iterable, 'hi')
      .catch((e: unknown) => e)) as ViberBroadcastSourceError;
    expect(error).toBeInstanceOf(ViberBroadcastSourceError);
    expect(error.result).toMatchObject({ total: 0, sent: 0, aborted: true, failed_list: [] });
  });

  it('stopping between reads reports the batch read but not sent as -2', async () => {
    const late: { viber?: ViberClient } = {};
    const { viber } = client((_call, index) => {
      if (index === 0) late.viber!.stopBroadcasts();
      return {};
    });
    late.viber = viber;
    let closed = false;
    async function* source(): AsyncIterable<string[]> {
      try {
        yield ids(450);
        yield ids(10, 450);
      } finally {
        closed = true;
      }
    }
    const result = await viber.broadcast(source(), 'hi');
    expect(result.sent).toBe(300);
    expect(result.total).toBe(450);
    expect(result.failed_list.map((f) => f.receiver)).toEqual(ids(150, 300));
    expect(result.failed_list[0]!.status).toBe(-2);
    expect(closed).toBe(true);
  });

  it('an aborted signal before the start reads nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    let reads = 0;
    async function* source(): AsyncIterable<string> {
      reads++;
      yield 'u0';
    }
    const { viber, calls } = client(() => ({}));
    const result = await viber.broadcast(source(), 'hi', { signal: controller.signal });
    expect(calls).toEqual([]);
    expect(reads).toBe(0);
    expect(result).toMatchObject({ total: 0, aborted: true, failed_list: [] });
  });
});

describe('ViberClient.broadcast requests', () => {
  it('sends the message once serialized, with each request adding only its receivers', async () => {
    const { viber, calls } = client(() => ({}));
    await viber.broadcast(ids(2), 'hi');
    expect(calls[0]!.data).toBe(
      '{"type":"text","text":"hi","sender":{"name":"Bot"},"broadcast_list":["u0","u1"]}',
    );
  });

  it('an empty message (checks off, no sender) is just the list', async () => {
    const { viber, calls } = client(() => ({}), { validate: false, sender: null });
    await viber.broadcast(ids(1), {} as never);
    expect(calls[0]!.data).toBe('{"broadcast_list":["u0"]}');
  });

  it('checks the message once before any request, naming the field', async () => {
    const { viber, calls } = client(() => ({}), { sender: null });
    const error = await viber.broadcast(ids(3), 'hi').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViberValidationError);
    expect((error as ViberValidationError).issues).toEqual([
      {
        path: 'sender',
        message: 'is required (set a default sender in the options or one per message)',
      },
    ]);
    expect(calls).toEqual([]);
  });
});

describe('ViberClient.broadcast accounting (async iterable): reading and closing the source', () => {
  /** An iterator that records its calls and refuses to be read past its end. */
  function strictSource(pagesToGive: string[][], failAt?: number) {
    const log = { next: 0, return: 0 };
    let page = 0;
    let done = false;
    const iterable: AsyncIterable<string[]> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          log.next++;
          if (done) return Promise.reject(new Error('read past the end'));
          if (page === failAt) {
            done = true;
            return Promise.reject(new Error('db gone'));
          }
          if (page >= pagesToGive.length) {
            done = true;
            return Promise.resolve({ done: true as const, value: undefined });
          }
          return Promise.resolve({ done: false as const, value: pagesToGive[page++]! });
        },
        return: () => {
          log.return++;
          done = true;
          return Promise.resolve({ done: true as const, value: undefined });
        },
      }),
    };
    return { iterable, log };
  }

  it('never reads past the end of the source, and does not close a finished one', async () => {
    const { iterable, log } = strictSource([ids(100), ids(100, 100)]);
    const { viber } = client(() => ({}), { concurrency: 3 });
    const result = await viber.broadcast(iterable, 'hi');
    expect(result).toMatchObject({ sent: 200, total: 200, aborted: false });
    expect(log).toEqual({ next: 3, return: 0 });
  });

  it('does not close a source that threw', async () => {
    const { iterable, log } = strictSource([ids(300)], 1);
    const { viber } = client(() => ({}));
    await expect(viber.broadcast(iterable, 'hi')).rejects.toBeInstanceOf(ViberBroadcastSourceError);
    expect(log).toEqual({ next: 2, return: 0 });
  });

  it('a stop with nothing read and unsent reports no extra progress, and closes the source once', async () => {
    const { iterable, log } = strictSource([ids(300), ids(300, 300)]);
    const { viber } = client(() => ({ status: ViberStatus.invalidAuthToken }));
    const progress: ViberBroadcastProgress[] = [];
    const result = await viber.broadcast(iterable, 'hi', { onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ total: 300, sent: 0, aborted: true });
    expect(result.failed_list).toHaveLength(300);
    expect(progress).toEqual([
      {
        total: 300,
        sent: 0,
        failed: 300,
        uncertain: 0,
        requests: 1,
        settled: 300,
        complete: false,
      },
    ]);
    expect(log).toEqual({ next: 1, return: 1 });
  });

  it('a stop with receivers read and unsent reports them, complete', async () => {
    const { iterable, log } = strictSource([ids(450), ids(10, 450)]);
    const { viber } = client(() => ({ status: ViberStatus.invalidAuthToken }));
    const progress: ViberBroadcastProgress[] = [];
    const result = await viber.broadcast(iterable, 'hi', { onProgress: (p) => progress.push(p) });
    expect(result.failed_list).toHaveLength(450);
    expect(progress).toEqual([
      {
        total: 450,
        sent: 0,
        failed: 300,
        uncertain: 0,
        requests: 1,
        settled: 300,
        complete: false,
      },
      { total: 450, sent: 0, failed: 450, uncertain: 0, requests: 1, settled: 450, complete: true },
    ]);
    expect(log).toEqual({ next: 1, return: 1 });
  });
});

describe('ViberClient.broadcast size checks', () => {
  const LIMIT = 30 * 1024;
  /** A text message whose body with an empty `broadcast_list` is exactly `bytes` long. */
  function messageOfSize(bytes: number): { type: 'text'; text: string } {
    const base = Buffer.byteLength(
      JSON.stringify({ type: 'text', text: '', sender: { name: 'Bot' }, broadcast_list: [] }),
    );
    const need = bytes - base;
    // A control character is 1 character of text and 6 bytes of JSON (`\u0001`).
    const text = '\u0001'.repeat(Math.floor(need / 6)) + 'a'.repeat(need % 6);
    return { type: 'text', text };
  }

  it('checks the message up front without receivers, then each request with its receivers', async () => {
    const { viber, calls } = client(() => ({}));
    const exact = messageOfSize(LIMIT);
    expect(exact.text.length).toBeLessThanOrEqual(7000);
    // At the limit with no receivers: accepted up front, then each request is too large.
    const result = await viber.broadcast(['u0'], exact);
    expect(calls).toEqual([]);
    expect(result.sent).toBe(0);
    expect(result.failed_list).toEqual([
      {
        receiver: 'u0',
        status: VIBER_TRANSPORT_FAILURE_STATUS,
        status_message: expect.stringContaining(`must be at most ${LIMIT} bytes`) as unknown,
      },
    ]);
    // One byte over with no receivers: refused before any request.
    await expect(viber.broadcast(['u0'], messageOfSize(LIMIT + 1))).rejects.toBeInstanceOf(
      ViberValidationError,
    );
  });
});
