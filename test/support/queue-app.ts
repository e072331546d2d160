/**
 * A bot replica with the queue on, for the multi-process queue tests. Settings from the
 * environment: REDIS_PORT, QUEUE_PREFIX, VIBER_API_URL, RATE_LIMIT (`<limit>/<intervalMs>`),
 * TIMEOUT_MS, START_SLACK_MS, CONCURRENCY, LOCK_MS, STALLED_MS, WEBHOOK_MODE, WEBHOOK_URL,
 * INGEST_TIMEOUT_MS, WORKERS (`0` for a producer only).
 *
 * Prints `listening <port>`, then `handled <user> <text> <epoch ms, 3 decimals>` for each handler
 * run. Commands on stdin
 * (each answered on one line):
 *   `broadcast <id> <prefix> <count>`  starts a broadcast to `<prefix>0 … <prefix><count − 1>`:
 *                                      `started <id> <created>`
 *   `status <id>`                      `status <json>`
 *   `uncertain <id>`                   `uncertain <json list of every uncertain receiver>`
 *   `failed <id>`                      `failed <json list of every failure>`
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, OnText, ViberBroadcasts, ViberModule, type ViberContext } from 'nestjs-viber';
import { createInterface } from 'node:readline';

const env = process.env;
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const [limit, intervalMs] = (env.RATE_LIMIT ?? '500/10000').split('/').map(Number);

@Injectable()
class Handlers {
  @OnText(/.*/)
  text(@Ctx() ctx: ViberContext): void {
    // Wall clock with sub-ms precision: the replicas' lines can be put in one order.
    say(
      `handled ${ctx.userId} ${ctx.text} ${(performance.timeOrigin + performance.now()).toFixed(3)}`,
    );
  }
}

@Module({
  imports: [
    ViberModule.forRoot({
      token: env.VIBER_TOKEN ?? '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9',
      apiUrl: env.VIBER_API_URL,
      sender: { name: 'Queue Bot' },
      timeout: Number(env.TIMEOUT_MS ?? 10_000),
      rateLimits: { broadcast_message: { limit: limit!, intervalMs: intervalMs! } },
      webhook: {
        mode: env.WEBHOOK_MODE === 'queue' ? 'queue' : 'inline',
        url: env.WEBHOOK_URL || undefined,
      },
      handling: { shutdownTimeoutMs: 2000 },
      queue: {
        connection: { host: '127.0.0.1', port: Number(env.REDIS_PORT) },
        prefix: env.QUEUE_PREFIX ?? '{queue-test}',
        workers: env.WORKERS !== '0',
        lockDurationMs: Number(env.LOCK_MS ?? 30_000),
        stalledIntervalMs: Number(env.STALLED_MS ?? 30_000),
        broadcast: {
          concurrency: Number(env.CONCURRENCY ?? 10),
          startSlackMs: Number(env.START_SLACK_MS ?? 1000),
          rateLimitPauseMs: Number(env.PAUSE_MS ?? intervalMs),
        },
        webhook: {
          ingestTimeoutMs: Number(env.INGEST_TIMEOUT_MS ?? 2000),
          backoffMs: 50,
        },
      },
    }),
  ],
  providers: [Handlers],
})
class QueueAppModule {}

async function all<T>(
  page: (cursor?: string) => Promise<{ items: T[]; cursor?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.cursor;
  } while (cursor !== undefined);
  return items;
}

async function main(): Promise<void> {
  const app = await NestFactory.create(QueueAppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks(['SIGTERM'], { useProcessExit: true });
  await app.listen(0, '127.0.0.1');
  const broadcasts = app.get(ViberBroadcasts);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, id = '', ...rest] = line.trim().split(' ');
    void (async () => {
      if (command === 'broadcast') {
        const [prefix, count] = rest;
        const receivers = Array.from({ length: Number(count) }, (_, i) => `${prefix}${i}`);
        const handle = await broadcasts.start(receivers, 'news', { id });
        say(`started ${handle.id} ${handle.created}`);
      } else if (command === 'status') {
        say(`status ${JSON.stringify((await broadcasts.get(id)) ?? null)}`);
      } else if (command === 'uncertain') {
        const items = await all((cursor) => broadcasts.uncertainReceivers(id, { cursor }));
        say(`uncertain ${JSON.stringify(items)}`);
      } else if (command === 'failed') {
        const items = await all((cursor) => broadcasts.failedReceivers(id, { cursor }));
        say(`failed ${JSON.stringify(items)}`);
      }
    })().catch((error: unknown) => say(`error ${String(error)}`));
  });
  const address = app.getHttpServer().address() as { port: number };
  say(`listening ${address.port}`);
}

void main();
