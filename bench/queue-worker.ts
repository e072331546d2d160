/**
 * A bot replica with the queue on, without HTTP (a Nest application context): its workers send
 * the outgoing queue's requests. `node … bench/queue-worker.ts <apiUrl> <redisPort> <prefix>
 * [requestTimeoutMs]`. IPC: `start` ({ broadcast, count }: a broadcast to `count` distinct
 * receivers), `status` ({ broadcast }), `exit` (`id` is the IPC layer's own).
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ViberBroadcasts, ViberModule } from 'nestjs-viber';
import { BENCH_TOKEN } from './callbacks';
import { serveIpc, signalReady } from './child-process';

/** A distinct Viber-like user id per index (as outgoing-client.ts makes them). */
function receiverId(index: number): string {
  return `${index.toString(36).padStart(10, '0')}AbCdEfGhIjKl==`;
}

async function main(): Promise<void> {
  const [apiUrl, redisPort, prefix, requestTimeoutMs] = process.argv.slice(2);
  @Module({
    imports: [
      ViberModule.forRoot({
        token: BENCH_TOKEN,
        sender: { name: 'Bench Bot' },
        apiUrl,
        queue: {
          connection: { host: '127.0.0.1', port: Number(redisPort) },
          prefix,
          broadcast: requestTimeoutMs ? { requestTimeoutMs: Number(requestTimeoutMs) } : {},
        },
      }),
    ],
  })
  class QueueWorkerModule {}

  const app = await NestFactory.createApplicationContext(QueueWorkerModule, {
    logger: ['error', 'warn'],
  });
  await app.init();
  const broadcasts = app.get(ViberBroadcasts);
  serveIpc(
    {
      start: async (message) => {
        const receivers = Array.from({ length: Number(message.count) }, (_, i) => receiverId(i));
        const handle = await broadcasts.start(receivers, 'Bench news', {
          id: String(message.broadcast),
        });
        return { broadcast: handle.id, created: handle.created };
      },
      status: async (message) => ({
        status: (await broadcasts.get(String(message.broadcast))) ?? null,
      }),
    },
    () => app.close(),
  );
  signalReady();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
