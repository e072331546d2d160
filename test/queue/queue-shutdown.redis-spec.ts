/**
 * Shutdown with the queue on, whatever Redis does: `app.close()` resolves and the process ends by
 * itself (nothing left holding the event loop) with Redis up, down, restarted (the clients still
 * reconnecting), or never there. The bot runs in its own process (queue-shutdown-app.ts), with a
 * small `handling.shutdownTimeoutMs`; the waits below are generous bounds, not timing checks.
 */
import { startChildApp, type ChildApp } from '../support/child-app';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';

jest.setTimeout(120_000);

const SHUTDOWN_MS = 1000;
/** Far above what a bounded shutdown needs (the timeout, a margin, the process's own exit). */
const BOUND_MS = 15 * SHUTDOWN_MS;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('shutdown with the queue, whatever Redis does', () => {
  const children: ChildApp[] = [];
  const servers: RedisTestServer[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill();
      await child.exited;
    }
    for (const server of servers.splice(0)) await server.stop();
  });

  async function startBot(port: number, prefix: string): Promise<ChildApp> {
    const child = startChildApp('queue-shutdown-app.ts', [], {
      REDIS_PORT: String(port),
      QUEUE_PREFIX: `{${prefix}}`,
      SHUTDOWN_MS: String(SHUTDOWN_MS),
    });
    children.push(child);
    await child.waitForLine((line) => line.startsWith('listening '));
    return child;
  }

  /** `app.close()` resolves, then the process exits on its own with code 0. */
  async function expectClosedAndExited(child: ChildApp): Promise<void> {
    const from = child.lines.length;
    child.send('close');
    const answer = await child.waitForLine((l) => l === 'closed' || l.startsWith('error '), {
      from,
      timeoutMs: BOUND_MS,
    });
    expect(answer).toBe('closed');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      child.exited,
      new Promise<'still running'>((resolve) => {
        timer = setTimeout(resolve, BOUND_MS, 'still running');
      }),
    ]);
    clearTimeout(timer);
    expect(exit).toEqual({ code: 0, signal: null });
  }

  it('Redis up: closes and exits', async () => {
    const redis = await startRedisServer();
    servers.push(redis);
    const bot = await startBot(redis.port, 'shutdown-up');
    bot.send('subscribe');
    await bot.waitForLine((l) => l === 'subscribed');
    await expectClosedAndExited(bot);
  });

  it('Redis stopped: closes and exits while it is down', async () => {
    const redis = await startRedisServer();
    servers.push(redis);
    const bot = await startBot(redis.port, 'shutdown-down');
    bot.send('subscribe');
    await bot.waitForLine((l) => l === 'subscribed');
    await redis.stop();
    // Long enough for every client to see the loss and back off between reconnects.
    await sleep(3000);
    await expectClosedAndExited(bot);
  });

  it('Redis restarted: closes and exits while the clients still reconnect', async () => {
    let redis = await startRedisServer();
    servers.push(redis);
    const bot = await startBot(redis.port, 'shutdown-restart');
    bot.send('subscribe');
    await bot.waitForLine((l) => l === 'subscribed');
    const port = redis.port;
    await redis.stop();
    // Down long enough that ioredis waits the longest between attempts (BullMQ's retryStrategy:
    // e^n ms, at least 1 s, at most 20 s): when Redis is back, they are still waiting.
    await sleep(10_000);
    redis = await startRedisServer(10_000, { port });
    servers.push(redis);
    await expectClosedAndExited(bot);
  });

  it('Redis never there: the app starts, and closes and exits', async () => {
    // A port where nothing listens (a server that was there a moment ago).
    const gone = await startRedisServer();
    await gone.stop();
    const bot = await startBot(gone.port, 'shutdown-never');
    // A reader that never gets ready.
    bot.send('subscribe');
    await sleep(2000);
    await expectClosedAndExited(bot);
  });
});
