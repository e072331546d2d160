/**
 * Readiness with the shared stores in a real redis-server: up while Redis answers, down (HTTP 503
 * from Terminus) once it stops, naming both stores; liveness stays up (no I/O).
 */
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import Redis from 'ioredis';
import {
  RedisDedupeStore,
  RedisSubscriberStore,
  ViberHealthIndicator,
  ViberModule,
} from 'nestjs-viber';
import { ViberEmulator } from 'nestjs-viber/testing';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { freePort, startApp, waitFor } from '../support/viber-test-app';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly viber: ViberHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.viber.checkLiveness('viber')]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.viber.checkReadiness('viber', { timeoutMs: 500 })]);
  }
}

describe('readiness with Redis stores', () => {
  let server: RedisTestServer;
  let redis: Redis;
  let emulator: ViberEmulator;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.port, server.host, { lazyConnect: true, disconnectTimeout: 50 });
    redis.on('error', () => undefined); // reconnect noise once the server is stopped
    await redis.connect();
    emulator = await ViberEmulator.start({ retrySchedule: [], deliveryReceipts: false });
    const port = await freePort();
    const webhookUrl = `http://127.0.0.1:${port}/viber/webhook`;
    ({ app } = await startApp(
      'express',
      {
        imports: [
          TerminusModule.forRoot({ logger: false }),
          ViberModule.forRoot({
            token: emulator.token,
            apiUrl: emulator.url,
            webhook: { url: webhookUrl },
            handling: { dedupeStore: new RedisDedupeStore(redis, { timeoutMs: 300 }) },
            subscribers: { store: new RedisSubscriberStore(redis) },
          }),
        ],
        controllers: [HealthController],
      },
      { port },
    ));
    base = `http://127.0.0.1:${port}`;
    await waitFor(() => emulator.webhook?.url === webhookUrl);
  });

  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await emulator?.close();
    await server?.stop();
  });

  it('is ready while Redis answers, and not once it stops; liveness does not care', async () => {
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: {
        viber: {
          status: 'up',
          bots: {
            default: {
              account: { status: 'up' },
              webhook: { status: 'up' },
              dedupeStore: { status: 'up' },
              subscriberStore: { status: 'up' },
            },
          },
        },
      },
    });

    await server.stop();

    const down = await fetch(`${base}/health/ready`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as {
      error: {
        viber: {
          status: string;
          bots: Record<string, { dedupeStore: { status: string; message: string } } & object>;
        };
      };
    };
    expect(body.error.viber).toMatchObject({
      status: 'down',
      bots: {
        default: {
          status: 'down',
          account: { status: 'up' },
          dedupeStore: { status: 'down', message: expect.stringContaining('Redis dedupe ping') },
          subscriberStore: { status: 'down' },
        },
      },
    });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});
