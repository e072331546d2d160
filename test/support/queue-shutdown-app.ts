/**
 * A bot with the queue on (queued webhook, workers, progress events), for the shutdown test: it
 * never calls `process.exit`, so it ends only once nothing holds the event loop (no socket, no
 * retry timer left by a Redis client). Settings from the environment: REDIS_PORT, QUEUE_PREFIX,
 * SHUTDOWN_MS (`handling.shutdownTimeoutMs`).
 *
 * Prints `listening <port>`, then answers commands on stdin:
 *   `subscribe`  listens to the broadcast events (opens a QueueEvents reader; answers `subscribed`
 *                once it listens, which with Redis down is never: `subscribe failed <error>`
 *                when the app closes)
 *   `close`      `app.close()`, then `closed` (or `error <error>`), and stops reading stdin
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnText, ViberBroadcasts, ViberModule } from 'nestjs-viber';
import { createInterface } from 'node:readline';

const env = process.env;
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

@Injectable()
class Handlers {
  @OnText(/.*/)
  text(): void {
    say('handled');
  }
}

@Module({
  imports: [
    ViberModule.forRoot({
      token: '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9',
      // Nothing listens there: no test here reaches the API.
      apiUrl: 'http://127.0.0.1:9/pa',
      webhook: { mode: 'queue' },
      handling: { shutdownTimeoutMs: Number(env.SHUTDOWN_MS ?? 1000) },
      queue: {
        connection: { host: '127.0.0.1', port: Number(env.REDIS_PORT) },
        prefix: env.QUEUE_PREFIX ?? '{queue-shutdown}',
        webhook: { partitions: 2 },
      },
    }),
  ],
  providers: [Handlers],
})
class QueueShutdownAppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(QueueShutdownAppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const broadcasts = app.get(ViberBroadcasts);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = line.trim();
    if (command === 'subscribe') {
      broadcasts
        .subscribe(() => undefined)
        .then(
          () => say('subscribed'),
          // With Redis never there, the close ends the reader that waited for it.
          (error: unknown) => say(`subscribe failed ${String(error)}`),
        );
    } else if (command === 'close') {
      lines.close();
      process.stdin.destroy();
      app.close().then(
        () => say('closed'),
        (error: unknown) => say(`error ${String(error)}`),
      );
    }
  });
  const address = app.getHttpServer().address() as { port: number };
  say(`listening ${address.port}`);
}

void main();
