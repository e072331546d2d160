/**
 * A webhook server under load, in its own process: `node … bench/ingest-server.ts <target>`.
 * Targets: `limit` (bare node:http doing the same work), `viber-bot` (the official SDK's express
 * middleware), `nest-express-empty` and `nest-fastify-empty` (a Nest app with `rawBody: true` and
 * an empty POST route: what the platform costs before any Viber work), `nest-express` and
 * `nest-fastify` (nestjs-viber, full pipeline, the webhook as a Nest controller),
 * `nest-express-fast` and `nest-fastify-fast` (the same app with `webhook.fastPath: true`: the
 * webhook's POST served from the platform's own router), `nest-express-queue` and `nest-fastify-queue`
 * (nestjs-viber with `webhook.mode: 'queue'` on the Redis at `BENCH_REDIS_PORT`: the webhook
 * stores each callback as a job and answers; this process's workers run the handlers, unless
 * `BENCH_QUEUE_WORKERS=0` makes it a producer-only replica). Every
 * handler does nothing; no app has a handler for `delivered`, `seen` or `failed` (the receipt storm).
 * `nest-<platform>-metrics` and `nest-<platform>-traced` have metrics (and OpenTelemetry spans,
 * recorded and dropped) on. Answers `ready` with its port; `cpu`, `memory` and `exit` over IPC.
 */
import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  Controller,
  HttpCode,
  Injectable,
  Module,
  Post,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { OnMessage, ViberModule } from 'nestjs-viber';
import { BENCH_TOKEN, WEBHOOK_PATH } from './callbacks';
import { serveIpc, signalReady } from './child-process';
import { observabilityOptions, type Observability } from './observability-options';

/** The targets this script can serve. */
export const INGEST_TARGETS = [
  'limit',
  'viber-bot',
  'nest-express-empty',
  'nest-fastify-empty',
  'nest-express',
  'nest-fastify',
  'nest-express-metrics',
  'nest-fastify-metrics',
  'nest-express-traced',
  'nest-fastify-traced',
  'nest-express-fast',
  'nest-fastify-fast',
  'nest-express-queue',
  'nest-fastify-queue',
] as const;
/** One of {@link INGEST_TARGETS}. */
export type IngestTarget = (typeof INGEST_TARGETS)[number];

const MAX_BODY_BYTES = 1024 * 1024;

/** Times a handler ran (limit: callbacks accepted), reported over IPC as `handled`. */
let handled = 0;
const SIGNATURE_FORMAT = /^[0-9a-f]{64}$/;
const STRING_OR_LONG_INTEGER = /"(?:[^"\\]|\\.)*"|-?\d{16,}/g;

/** Parses JSON, quoting integers of 16+ digits (outside strings) so none is rounded. */
function parseBigintSafe(text: string): unknown {
  return JSON.parse(
    text.replace(STRING_OR_LONG_INTEGER, (match) =>
      match.charCodeAt(0) === 34 ? match : `"${match}"`,
    ),
  );
}

/**
 * The limit: what any webhook must do, with nothing else. Reads the raw body (bounded), checks
 * the HMAC-SHA256 with `timingSafeEqual`, parses bigint-safe, answers 200.
 */
function startLimit(): Promise<Server> {
  const token = Buffer.from(BENCH_TOKEN);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (request.method !== 'POST' || !request.url?.startsWith(WEBHOOK_PATH)) {
        response.writeHead(404).end();
        return;
      }
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413).end();
        return;
      }
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const header = request.headers['x-viber-content-signature'];
      if (typeof header !== 'string' || !SIGNATURE_FORMAT.test(header)) {
        response.writeHead(403).end();
        return;
      }
      const expected = createHmac('sha256', token).update(raw).digest();
      if (!timingSafeEqual(expected, Buffer.from(header, 'hex'))) {
        response.writeHead(403).end();
        return;
      }
      let callback: { event?: unknown; message_token?: unknown };
      try {
        callback = parseBigintSafe(raw.toString('utf8')) as typeof callback;
      } catch {
        response.writeHead(400).end();
        return;
      }
      if (typeof callback.event !== 'string') {
        response.writeHead(400).end();
        return;
      }
      handled++;
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * The official SDK as its README runs it: `app.use('/viber/webhook', bot.middleware())` on an
 * express app, and a listener that does nothing. Its middleware reads the signature from `?sig=`.
 */
async function startViberBot(): Promise<Server> {
  // Loaded here so the other targets never load the SDK (it lives in bench/node_modules), with
  // the express (4.x) the SDK itself depends on.
  const { Bot, Events } = await import('viber-bot');
  const express = createRequire(require.resolve('viber-bot'))('express') as () => ExpressLikeApp;
  const bot = new Bot({ authToken: BENCH_TOKEN, name: 'Bench Bot', avatar: '' });
  bot.on(Events.MESSAGE_RECEIVED, () => {
    handled++;
  });
  const app = express();
  app.use(WEBHOOK_PATH, bot.middleware());
  const server = createServer(app);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The part of an express 4 app used here. */
interface ExpressLikeApp {
  (request: IncomingMessage, response: ServerResponse): void;
  use(path: string, handler: unknown): void;
}

/** The handler of every nestjs-viber app: runs for every message, does nothing (but count). */
@Injectable()
class NoopHandlers {
  @OnMessage()
  noop(): void {
    handled++;
  }
}

/**
 * A nestjs-viber app. `apiUrl` points at a local stub (nothing leaves the machine; the handler
 * sends nothing anyway). Logger: errors and warnings, as in production.
 */
async function startNest(
  platform: 'express' | 'fastify',
  observability: Observability,
  { queued = false, fastPath = false }: { queued?: boolean; fastPath?: boolean } = {},
): Promise<{
  server: Server;
  app: INestApplication;
}> {
  const stub = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end('{"status":0,"status_message":"ok"}');
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const stubPort = (stub.address() as { port: number }).port;

  @Module({
    imports: [
      ViberModule.forRoot({
        token: BENCH_TOKEN,
        sender: { name: 'Bench Bot' },
        apiUrl: `http://127.0.0.1:${stubPort}/pa`,
        webhook: { path: WEBHOOK_PATH, mode: queued ? 'queue' : 'inline', fastPath },
        ...(await observabilityOptions(observability)),
        ...(queued
          ? {
              queue: {
                connection: { host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT) },
                prefix: `{bench-ingest-${process.pid}}`,
                // BENCH_QUEUE_WORKERS=0: a producer-only replica (stores callbacks, runs none).
                workers: process.env.BENCH_QUEUE_WORKERS !== '0',
              },
            }
          : {}),
      }),
    ],
    providers: [NoopHandlers],
  })
  class BenchAppModule {}

  const logger = ['error', 'warn'] as ('error' | 'warn')[];
  const app =
    platform === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(BenchAppModule, new FastifyAdapter(), {
          rawBody: true,
          logger,
        })
      : await NestFactory.create(BenchAppModule, { rawBody: true, logger });
  await app.listen(0, '127.0.0.1');
  app.getHttpServer().once('close', () => stub.close());
  return { server: app.getHttpServer() as Server, app };
}

/** The platform alone: an empty POST route on the webhook path, no signature, no parsing. */
@Controller(WEBHOOK_PATH)
class EmptyController {
  @Post()
  @HttpCode(200)
  receive(): void {}
}

@Module({ controllers: [EmptyController] })
class EmptyAppModule {}

async function startNestEmpty(platform: 'express' | 'fastify'): Promise<INestApplication> {
  const logger = ['error', 'warn'] as ('error' | 'warn')[];
  const app =
    platform === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(EmptyAppModule, new FastifyAdapter(), {
          rawBody: true,
          logger,
        })
      : await NestFactory.create(EmptyAppModule, { rawBody: true, logger });
  await app.listen(0, '127.0.0.1');
  return app;
}

async function main(): Promise<void> {
  const target = process.argv[2] as IngestTarget;
  if (!INGEST_TARGETS.includes(target)) {
    throw new Error(`target must be one of ${INGEST_TARGETS.join(', ')} (got ${target})`);
  }
  let server: Server;
  let app: INestApplication | undefined;
  if (target === 'limit') server = await startLimit();
  else if (target === 'viber-bot') server = await startViberBot();
  else if (target.endsWith('-empty')) {
    app = await startNestEmpty(target.startsWith('nest-fastify') ? 'fastify' : 'express');
    server = app.getHttpServer() as Server;
  } else {
    const platform = target.startsWith('nest-fastify') ? 'fastify' : 'express';
    const observability = target.endsWith('-metrics')
      ? 'metrics'
      : target.endsWith('-traced')
        ? 'traced'
        : 'off';
    ({ server, app } = await startNest(platform, observability, {
      queued: target.endsWith('-queue'),
      fastPath: target.endsWith('-fast'),
    }));
  }
  serveIpc({ handled: () => ({ count: handled }) }, async () => {
    if (app) await app.close();
    else server.close();
  });
  signalReady({ port: (server.address() as { port: number }).port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
