import { getEventListeners } from 'node:events';
import { ViberAbortedError } from '../errors/viber-transport.error';
import {
  SlidingWindowRateLimiter,
  VIBER_DEFAULT_RATE_LIMITS,
  ViberRateLimiters,
  abortableSleep,
} from './viber-rate-limiter';

type State = 'pending' | 'resolved' | 'rejected';

/** Tracks a promise's state without awaiting it; `error` is its rejection reason. */
function track<T>(promise: Promise<T>): { state: State; value?: T; error?: unknown } {
  const tracked: { state: State; value?: T; error?: unknown } = { state: 'pending' };
  promise.then(
    (value) => {
      tracked.state = 'resolved';
      tracked.value = value;
    },
    (error: unknown) => {
      tracked.state = 'rejected';
      tracked.error = error;
    },
  );
  return tracked;
}

/** setImmediate is left real: it runs once every pending promise callback has. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Moves the fake clock (Date.now and timers) forward and lets the promises settle. */
async function advance(ms: number): Promise<void> {
  jest.advanceTimersByTime(ms);
  await flush();
}

function expectAborted(error: unknown, endpoint: string): void {
  expect(error).toBeInstanceOf(ViberAbortedError);
  expect((error as ViberAbortedError).message).toBe(`Viber ${endpoint} request was aborted`);
  expect((error as ViberAbortedError).endpoint).toBe(endpoint);
}

function abortedSignal(): AbortSignal {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('abortableSleep', () => {
  it('resolves a zero or negative wait at once, without a timer', async () => {
    for (const ms of [0, -5]) {
      const sleep = track(abortableSleep(ms, undefined, 'send_message'));
      expect(jest.getTimerCount()).toBe(0);
      await flush();
      expect(sleep.state).toBe('resolved');
    }
    const signal = new AbortController().signal;
    const withSignal = track(abortableSleep(0, signal, 'send_message'));
    expect(jest.getTimerCount()).toBe(0);
    await flush();
    expect(withSignal.state).toBe('resolved');
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('waits exactly ms, then removes its abort listener', async () => {
    const signal = new AbortController().signal;
    const sleep = track(abortableSleep(100, signal, 'send_message'));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    await advance(99);
    expect(sleep.state).toBe('pending');
    await advance(1);
    expect(sleep.state).toBe('resolved');
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('waits without a signal', async () => {
    const sleep = track(abortableSleep(50, undefined, 'get_account_info'));
    await advance(49);
    expect(sleep.state).toBe('pending');
    await advance(1);
    expect(sleep.state).toBe('resolved');
  });

  it('rejects a zero wait with an already aborted signal', async () => {
    for (const ms of [0, -1]) {
      const sleep = track(abortableSleep(ms, abortedSignal(), 'broadcast_message'));
      await flush();
      expect(sleep.state).toBe('rejected');
      expectAborted(sleep.error, 'broadcast_message');
    }
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects a positive wait with an already aborted signal at once, arming no timer', async () => {
    const signal = abortedSignal();
    const sleep = track(abortableSleep(1000, signal, 'send_message'));
    await flush();
    expect(sleep.state).toBe('rejected');
    expectAborted(sleep.error, 'send_message');
    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('rejects when the signal aborts during the wait, and clears its timer and listener', async () => {
    const controller = new AbortController();
    const sleep = track(abortableSleep(1000, controller.signal, 'send_message'));
    await advance(400);
    expect(sleep.state).toBe('pending');
    expect(jest.getTimerCount()).toBe(1);
    controller.abort();
    await flush();
    expect(sleep.state).toBe('rejected');
    expectAborted(sleep.error, 'send_message');
    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('SlidingWindowRateLimiter', () => {
  const interval = 100;

  it('lets `limit` requests through at once, then the next one interval after the first ended', async () => {
    const limiter = new SlidingWindowRateLimiter({ limit: 2, intervalMs: interval }, Date.now);
    const a = track(limiter.acquire('send_message'));
    const b = track(limiter.acquire('send_message'));
    await flush();
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);

    const c = track(limiter.acquire('send_message'));
    const d = track(limiter.acquire('send_message'));
    await advance(10);
    a.value!(); // ends at 10: c may start at 110
    await advance(20);
    b.value!(); // ends at 30: d may start at 130
    await advance(79); // t = 109
    expect([c.state, d.state]).toEqual(['pending', 'pending']);
    await advance(1); // t = 110
    expect([c.state, d.state]).toEqual(['resolved', 'pending']);
    await advance(19); // t = 129
    expect(d.state).toBe('pending');
    await advance(1); // t = 130
    expect(d.state).toBe('resolved');
  });

  it('counts the window from the end of the request, read from the clock at release', async () => {
    let now = 0;
    const limiter = new SlidingWindowRateLimiter({ limit: 1, intervalMs: interval }, () => now);
    const release = await limiter.acquire('send_message');
    const next = track(limiter.acquire('send_message'));
    now = 500;
    jest.advanceTimersByTime(500);
    await flush();
    expect(next.state).toBe('pending'); // the first request is still in flight
    release(); // ends at 500: the next waits 100 ms from now
    await flush();
    expect(jest.getTimerCount()).toBe(1);
    now = 599;
    await advance(99);
    expect(next.state).toBe('pending');
    now = 600;
    await advance(1);
    expect(next.state).toBe('resolved');
  });

  it('a second call of a release changes nothing', async () => {
    const limiter = new SlidingWindowRateLimiter({ limit: 1, intervalMs: interval }, Date.now);
    const release = await limiter.acquire('send_message');
    await advance(10);
    release(); // ends at 10
    await advance(50);
    release(); // would end at 60
    const next = track(limiter.acquire('send_message'));
    await advance(49); // t = 109
    expect(next.state).toBe('pending');
    await advance(1); // t = 110
    expect(next.state).toBe('resolved');
  });

  it('rejects an aborted caller that has a free slot, without taking the slot', async () => {
    const limiter = new SlidingWindowRateLimiter({ limit: 1, intervalMs: interval }, Date.now);
    const aborted = track(limiter.acquire('send_message', abortedSignal()));
    await flush();
    expect(aborted.state).toBe('rejected');
    expectAborted(aborted.error, 'send_message');
    expect(jest.getTimerCount()).toBe(0);
    // The slot is still free: the next caller goes at once.
    const next = track(limiter.acquire('send_message'));
    await flush();
    expect(next.state).toBe('resolved');
  });

  it('rejects a caller aborted during its wait; the callers behind it keep their turn', async () => {
    const limiter = new SlidingWindowRateLimiter({ limit: 1, intervalMs: interval }, Date.now);
    (await limiter.acquire('broadcast_message'))(); // ends at 0: the next slot opens at 100
    const controller = new AbortController();
    const waiting = track(limiter.acquire('broadcast_message', controller.signal));
    const behind = track(limiter.acquire('broadcast_message'));
    await advance(50);
    expect(waiting.state).toBe('pending');
    controller.abort();
    await flush();
    expect(waiting.state).toBe('rejected');
    expectAborted(waiting.error, 'broadcast_message');
    // The aborted caller never took the slot: the one behind it gets it at 100.
    await advance(49);
    expect(behind.state).toBe('pending');
    await advance(1);
    expect(behind.state).toBe('resolved');
  });

  it('an aborted caller whose wait is over (zero wait) is still rejected', async () => {
    const limiter = new SlidingWindowRateLimiter({ limit: 1, intervalMs: interval }, Date.now);
    (await limiter.acquire('send_message'))(); // ends at 0
    await advance(interval); // exactly one interval later: the wait is 0
    const aborted = track(limiter.acquire('send_message', abortedSignal()));
    await flush();
    expect(aborted.state).toBe('rejected');
    expectAborted(aborted.error, 'send_message');
  });
});

describe('ViberRateLimiters', () => {
  it('limits broadcast_message to 500 requests per 10 s by default', async () => {
    expect(VIBER_DEFAULT_RATE_LIMITS).toEqual({
      broadcast_message: { limit: 500, intervalMs: 10_000 },
    });
    const limiters = new ViberRateLimiters();
    for (let i = 0; i < 500; i++) (await limiters.acquire('broadcast_message'))();
    const next = track(limiters.acquire('broadcast_message'));
    await advance(9_999);
    expect(next.state).toBe('pending');
    await advance(1);
    expect(next.state).toBe('resolved');
  });

  it('does not limit an endpoint without a limit; its release is a no-op', async () => {
    const limiters = new ViberRateLimiters({ send_message: { limit: 1, intervalMs: 1000 } });
    for (let i = 0; i < 3; i++) {
      const release = await limiters.acquire('get_account_info', abortedSignal());
      expect(typeof release).toBe('function');
      expect(release()).toBeUndefined();
    }
    // The configured endpoint is limited, the others are not.
    (await limiters.acquire('send_message'))();
    const next = track(limiters.acquire('send_message'));
    await advance(999);
    expect(next.state).toBe('pending');
    await advance(1);
    expect(next.state).toBe('resolved');
  });

  it('`false` removes a default limit; a configured limit replaces it', async () => {
    const unlimited = new ViberRateLimiters({ broadcast_message: false });
    for (let i = 0; i < 600; i++) await unlimited.acquire('broadcast_message');
    expect(jest.getTimerCount()).toBe(0);

    const strict = new ViberRateLimiters({ broadcast_message: { limit: 1, intervalMs: 50 } });
    (await strict.acquire('broadcast_message'))();
    const next = track(strict.acquire('broadcast_message'));
    await advance(49);
    expect(next.state).toBe('pending');
    await advance(1);
    expect(next.state).toBe('resolved');
  });

  it('accepts the smallest valid limits', () => {
    expect(
      () => new ViberRateLimiters({ send_message: { limit: 1, intervalMs: 0.5 } }),
    ).not.toThrow();
  });

  it.each([
    ['a zero limit', { limit: 0, intervalMs: 1000 }],
    ['a negative limit', { limit: -1, intervalMs: 1000 }],
    ['a fractional limit', { limit: 1.5, intervalMs: 1000 }],
    ['a NaN limit', { limit: Number.NaN, intervalMs: 1000 }],
    ['a zero interval', { limit: 5, intervalMs: 0 }],
    ['a negative interval', { limit: 5, intervalMs: -10 }],
    ['a NaN interval', { limit: 5, intervalMs: Number.NaN }],
  ])('refuses %s with a TypeError naming the endpoint', (_name, rate) => {
    expect(() => new ViberRateLimiters({ send_message: rate })).toThrow(
      new TypeError(
        'ViberClient: rate limit of send_message must have a positive integer limit and intervalMs',
      ),
    );
    expect(() => new ViberRateLimiters({ send_message: rate })).toThrow(TypeError);
  });
});
