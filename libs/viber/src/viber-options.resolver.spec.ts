import { ViberOptionsError } from './errors/viber-options.error';
import { resolveViberOptions } from './viber-options.resolver';
import type { ViberModuleOptions } from './viber-module.options';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
const resolve = (options: Partial<ViberModuleOptions>, name = 'default') =>
  resolveViberOptions({ token: TOKEN, ...options } as ViberModuleOptions, name);

function errorOf(run: () => unknown): ViberOptionsError {
  try {
    run();
  } catch (error) {
    if (error instanceof ViberOptionsError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('queue options', () => {
  it('no queue: nothing queued, the webhook inline', () => {
    const resolved = resolve({});
    expect(resolved.queue).toBeUndefined();
    expect(resolved.webhook.mode).toBe('inline');
  });

  it('defaults: hash-tagged prefix, workers on, the shared limiter derived from rateLimits and the timeout', () => {
    const { queue } = resolve({ queue: { connection: { host: 'redis' } } });
    expect(queue).toMatchObject({
      prefix: '{nestjs-viber}',
      workers: true,
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
      broadcast: {
        concurrency: 10,
        requestTimeoutMs: 10_000,
        startSlackMs: 1000,
        attempts: 5,
        rateLimit: { limit: 500, intervalMs: 10_000 },
        limiter: { max: 25, duration: 1118 },
        rateLimitPauseMs: 10_000,
        pageChunks: 100,
      },
      webhook: { partitions: 8, attempts: 3, backoffMs: 1000, ingestTimeoutMs: 2000 },
    });
  });

  it('a scaled-down limit and timeout give their own limiter; the pause is never shorter than its window', () => {
    const { queue } = resolve({
      timeout: 500,
      rateLimits: { broadcast_message: { limit: 100, intervalMs: 1000 } },
      queue: { connection: {}, broadcast: { startSlackMs: 100, rateLimitPauseMs: 50 } },
    });
    expect(queue!.broadcast.requestTimeoutMs).toBe(500);
    expect(queue!.broadcast.limiter).toEqual({ max: 11, duration: 205 });
    expect(queue!.broadcast.rateLimitPauseMs).toBe(205);
  });

  it('rateLimits.broadcast_message: false leaves the queue without a limiter', () => {
    const { queue } = resolve({
      rateLimits: { broadcast_message: false },
      queue: { connection: {} },
    });
    expect(queue!.broadcast.rateLimit).toBeUndefined();
    expect(queue!.broadcast.limiter).toBeUndefined();
  });

  it.each([
    [{ queue: null }, 'queue'],
    [{ queue: {} }, 'queue.connection'],
    [{ queue: { connection: {}, prefix: 'no-hash-tag' } }, 'queue.prefix'],
    [{ queue: { connection: {}, prefix: '{}' } }, 'queue.prefix'],
    [{ queue: { connection: {}, broadcast: { concurrency: 0 } } }, 'queue.broadcast.concurrency'],
    [{ queue: { connection: {}, webhook: { partitions: 1.5 } } }, 'queue.webhook.partitions'],
    [
      {
        queue: { connection: {} },
        rateLimits: { broadcast_message: { limit: 1, intervalMs: 1000 } },
      },
      'rateLimits.broadcast_message',
    ],
    [{ webhook: { mode: 'queue' } }, 'webhook.mode'],
    [{ webhook: { mode: 'later' } }, 'webhook.mode'],
  ])('%j is refused naming %s', (options, option) => {
    expect(errorOf(() => resolve(options as Partial<ViberModuleOptions>)).option).toBe(option);
  });

  it('a bot whose name cannot name a queue is refused with the queue option only', () => {
    expect(errorOf(() => resolve({ queue: { connection: {} } }, 'sales:eu')).option).toBe('name');
    expect(resolve({}, 'sales:eu').name).toBe('sales:eu');
  });
});
