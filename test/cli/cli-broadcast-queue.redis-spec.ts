/**
 * `nestjs-viber broadcast --redis`: the built bin runs the broadcast on the durable queue (BullMQ
 * on a real redis-server) against the emulator; Ctrl-C pauses it in Redis; `--resume <id>` run
 * from another directory (as another machine would) sends the rest. Every receiver once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ViberEmulator } from 'nestjs-viber/testing';
import { builtCli, runCli, startCli } from '../support/cli-bin';
import { GatedApiProxy } from '../support/gated-api.proxy';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';

jest.setTimeout(180_000);

function subscriberIds(count: number, tag: string): string[] {
  return Array.from({ length: count }, (_, i) =>
    Buffer.from(`${tag}-subscriber-${i}`).toString('base64'),
  );
}

describe('nestjs-viber broadcast --redis (the built bin, a real redis-server, the emulator)', () => {
  let bin: string;
  let redis: RedisTestServer;
  let dir: string;

  beforeAll(async () => {
    bin = await builtCli();
    redis = await startRedisServer();
  }, 300_000);

  afterAll(async () => {
    await redis?.stop();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nestjs-viber-cli-queue-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('5,000 receivers, Ctrl-C pauses the broadcast in Redis, --resume <id> elsewhere sends the rest: every receiver once', async () => {
    const ids = subscriberIds(5000, 'queued');
    const emulator = await ViberEmulator.start({
      deliveryReceipts: false,
      maxLogEntries: 20_000,
      webhook: 'http://127.0.0.1:9/viber/webhook',
      users: ids.map((id) => ({ id, subscribed: true })),
    });
    const deliveries = new Map<string, number>();
    emulator.on('botMessage', (message) => {
      deliveries.set(message.receiver, (deliveries.get(message.receiver) ?? 0) + 1);
    });
    const proxy = await GatedApiProxy.start(emulator.url);
    try {
      const csv = join(dir, 'subscribers.csv');
      writeFileSync(csv, `receiver\n${ids.join('\n')}\n`);
      // The 9th request on (2,400 receivers sent by then) waits at the proxy until Ctrl-C.
      proxy.holdWhen((endpoint, index) => endpoint === 'broadcast_message' && index >= 8);
      const env = { VIBER_TOKEN: emulator.token, VIBER_API_URL: proxy.url };
      const common = ['--redis', redis.url, '--prefix', '{cli-test}', '--concurrency', '2'];
      const first = startCli(
        bin,
        [
          'broadcast',
          '--to',
          csv,
          '--text',
          'Queued: half now, half later',
          '--id',
          'sale-1',
          ...common,
        ],
        { env, cwd: dir },
      );
      await proxy.waitForHeld(2);
      first.child.kill('SIGINT');
      await first.waitForStderr(/Ctrl-C: paused broadcast sale-1 in Redis/);
      proxy.holdWhen(() => false);
      proxy.release(); // the requests in flight finish and are recorded
      const paused = await first.done;

      expect(paused.stderr).not.toContain(emulator.token);
      expect(paused.code).toBe(130);
      expect(paused.stdout).toContain('Broadcast paused');
      expect(paused.stdout).toContain('Broadcast sale-1 (in Redis)');
      expect(paused.stdout).toContain(
        "Resume with: nestjs-viber broadcast --resume sale-1 --redis <url> --prefix '{cli-test}'",
      );
      const sentFirst = new Set(deliveries.keys());
      // Eight requests answered before the pause, plus the two that were in flight.
      expect(sentFirst.size).toBe(3000);

      const elsewhere = mkdtempSync(join(tmpdir(), 'nestjs-viber-cli-queue-other-'));
      try {
        const resumed = await runCli(
          bin,
          ['broadcast', '--resume', 'sale-1', '--json', ...common],
          {
            env,
            cwd: elsewhere,
          },
        );
        expect(resumed.stderr).toContain('Resuming sale-1 on Redis: 5000 receivers (3000 done');
        expect(resumed.code).toBe(0);
        expect(JSON.parse(resumed.stdout)).toMatchObject({
          ok: true,
          interrupted: false,
          id: 'sale-1',
          state: 'completed',
          receivers: 5000,
          sent: 5000,
          notSent: 0,
          refused: 0,
          uncertain: 0,
          files: {},
        });
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
      expect(deliveries.size).toBe(5000);
      expect([...deliveries.values()].every((count) => count === 1)).toBe(true);
      expect(ids.every((id) => deliveries.get(id) === 1)).toBe(true);
      expect(
        emulator.botMessages.every(
          (message) =>
            message.text === 'Queued: half now, half later' &&
            message.message.sender?.name === 'Emulator Bot',
        ),
      ).toBe(true);

      // The same id again is refused: the broadcast exists in Redis.
      const again = await runCli(
        bin,
        ['broadcast', '--to', csv, '--text', 'again', '--id', 'sale-1', ...common],
        { env, cwd: dir },
      );
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('A broadcast with the id sale-1 exists already in Redis');
      expect(deliveries.size).toBe(5000);
    } finally {
      await proxy.close();
      await emulator.close();
    }
  });

  it('receivers Viber refuses go to <id>.failed.csv with their status (exit 1)', async () => {
    const ids = subscriberIds(10, 'refused');
    const emulator = await ViberEmulator.start({
      deliveryReceipts: false,
      webhook: 'http://127.0.0.1:9/viber/webhook',
      users: ids.map((id) => ({ id, subscribed: true })),
    });
    try {
      const csv = join(dir, 'ids.csv');
      writeFileSync(csv, [...ids, 'nobody-1', 'nobody-2'].join('\n'));
      const done = await runCli(
        bin,
        ['broadcast', '--to', csv, '--text', 'Hi', '--id', 'refused-1', '--redis', redis.url],
        { env: { VIBER_TOKEN: emulator.token, VIBER_API_URL: emulator.url }, cwd: dir },
      );
      expect(done.code).toBe(1);
      expect(done.stdout).toContain('Broadcast finished');
      expect(done.stdout).toContain('10 of 12 receivers sent');
      const failed = readFileSync(join(dir, 'refused-1.failed.csv'), 'utf8').trim().split('\n');
      expect(failed[0]).toBe('receiver,status,status_name,status_message');
      expect(failed.slice(1).map((row) => row.split(',').slice(0, 3))).toEqual([
        ['nobody-1', '5', 'receiverNotRegistered'],
        ['nobody-2', '5', 'receiverNotRegistered'],
      ]);
    } finally {
      await emulator.close();
    }
  });
});
