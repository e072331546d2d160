/**
 * Consumer check of the packed `nestjs-viber` with its optional peers installed: a Nest 11
 * CommonJS app on Express with the queue on (BullMQ 5, ioredis, @nestjs/bullmq 11), against a
 * redis-server this program starts and the emulator. The webhook is registered once (claimed in
 * Redis), callbacks are stored as jobs and handled by the workers, and a broadcast goes out
 * through the outgoing queue; the app reaches that queue with @InjectQueue.
 * Exit code 0 when every check passed, 1 otherwise.
 */
import 'reflect-metadata';
import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import {
  OnConversationStarted,
  OnText,
  Sender,
  ViberBroadcasts,
  ViberModule,
  getViberQueueNames,
} from 'nestjs-viber';
import { ViberEmulator } from 'nestjs-viber/testing';

const PLATFORM = 'Nest 11 CommonJS (Express) with the queue (BullMQ 5)';
const PREFIX = '{consumer}';
const NAMES = getViberQueueNames();

@Injectable()
class ConsumerHandlers {
  @OnConversationStarted()
  welcome(@Sender('name') name: string) {
    return `Welcome, ${name}!`;
  }

  @OnText('hi')
  hello(@Sender('name') name: string) {
    return `Hello ${name}, from a queue worker`;
  }
}

@Injectable()
class OutgoingQueue {
  constructor(@InjectQueue(NAMES.outgoing) readonly queue: Queue) {}
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
  console.log(`  ok - ${message}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A throwaway redis-server (`REDIS_SERVER_BIN` or `redis-server` on the PATH). */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  child.once('error', (error) => {
    console.error(`consumer: cannot start redis-server: ${error.message}`);
  });
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = createConnection({ host: '127.0.0.1', port });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      }),
    'redis-server',
  );
  return child;
}

async function main(): Promise<void> {
  console.log(`consumer: ${PLATFORM}, Node ${process.version}`);
  const redisPort = await freePort();
  const redis = await startRedis(redisPort);
  const emulator = await ViberEmulator.start({
    retrySchedule: [],
    users: ['ann', 'ben', 'cat'].map((id) => ({ id, subscribed: true })),
  });
  let app: INestApplication | undefined;
  try {
    const port = await freePort();
    const webhookUrl = `http://127.0.0.1:${port}/viber/webhook`;
    const connection = { host: '127.0.0.1', port: redisPort };

    @Module({
      imports: [
        BullModule.forRoot({ connection, prefix: PREFIX }),
        BullModule.registerQueue({ name: NAMES.outgoing }),
        ViberModule.forRoot({
          token: emulator.token,
          apiUrl: emulator.url,
          sender: { name: 'Queue Bot' },
          webhook: { url: webhookUrl, mode: 'queue', sendName: true, onSetWebhookError: 'throw' },
          queue: { connection, prefix: PREFIX },
        }),
      ],
      providers: [ConsumerHandlers, OutgoingQueue],
    })
    class AppModule {}

    app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
    await app.listen(port, '127.0.0.1');

    await waitUntil(() => emulator.webhook?.url === webhookUrl, 'set_webhook');
    check(true, `set_webhook registered ${webhookUrl} (claimed in Redis)`);

    const ann = emulator.user('ann');
    const welcome = await ann.openConversation();
    check(
      welcome?.message.type === 'text' && welcome.message.text === `Welcome, ${ann.name}!`,
      'conversation_started stays inline: the welcome message is in the answer',
    );

    const hello = await ann.send('hi', { count: 1 });
    check(
      hello[0]?.message.type === 'text' &&
        hello[0].message.text === `Hello ${ann.name}, from a queue worker`,
      'a queued callback was handled by a worker, its reply sent',
    );

    const broadcasts = app.get(ViberBroadcasts);
    const { id } = await broadcasts.start(['ann', 'ben', 'cat'], 'News for everyone', {
      id: 'news',
    });
    await waitUntil(async () => (await broadcasts.get(id))?.state === 'completed', 'the broadcast');
    const status = await broadcasts.get(id);
    check(
      status?.sent === 3 && status.failed === 0,
      `the queued broadcast completed (${JSON.stringify(status)})`,
    );
    check(
      ['ann', 'ben', 'cat'].every((user) =>
        emulator
          .user(user)
          .botMessages.some(
            (message) =>
              message.message.type === 'text' && message.message.text === 'News for everyone',
          ),
      ),
      'every receiver got the broadcast',
    );

    const counts = await app.get(OutgoingQueue).queue.getJobCounts();
    check(
      typeof counts.completed === 'number',
      `@InjectQueue reaches the outgoing queue (${JSON.stringify(counts)})`,
    );
  } finally {
    await app?.close();
    await emulator.close();
    redis.kill('SIGTERM');
  }
  console.log(`consumer: ${PLATFORM}: all checks passed`);
}

const timer = setTimeout(() => {
  console.error('consumer: timed out after 60 s');
  process.exit(1);
}, 60_000);
timer.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`consumer: ${PLATFORM}: FAILED:`, error);
    process.exit(1);
  },
);
