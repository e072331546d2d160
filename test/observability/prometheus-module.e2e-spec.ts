/**
 * `metrics: true` with `@willsoto/nestjs-prometheus`: the `viber_*` metrics land in prom-client's
 * default registry, which that module serves at /metrics, next to its default process metrics.
 * Two bots share the metrics (label `bot`); `tracing: true` without any SDK records nothing and
 * breaks nothing.
 */
import { Injectable, type INestApplication } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { OnText, ViberModule } from 'nestjs-viber';
import { ViberEmulator } from 'nestjs-viber/testing';
import { freePort, postSigned, startApp } from '../support/viber-test-app';

@Injectable()
class Handlers {
  @OnText('hi', { bot: 'default' })
  hi(): void {}

  @OnText('hi', { bot: 'sales' })
  sales(): void {}
}

describe('metrics: true with @willsoto/nestjs-prometheus', () => {
  let emulator: ViberEmulator;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    emulator = await ViberEmulator.start({ retrySchedule: [], deliveryReceipts: false });
    const port = await freePort();
    ({ app } = await startApp(
      'fastify',
      {
        imports: [
          PrometheusModule.register(),
          ViberModule.forRoot({
            token: emulator.token,
            apiUrl: emulator.url,
            metrics: true,
            tracing: true,
          }),
          ViberModule.forRoot({
            name: 'sales',
            token: emulator.token,
            apiUrl: emulator.url,
            webhook: { path: '/sales/webhook' },
            metrics: true,
          }),
        ],
        providers: [Handlers],
      },
      { port },
    ));
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app?.close();
    await emulator?.close();
  });

  it('serves the viber_* metrics of both bots at /metrics, with the default process metrics', async () => {
    const hi = emulator.callbacks.message('ann', 'hi');
    expect((await postSigned(`${base}/viber/webhook`, hi.body, emulator.token)).status).toBe(200);
    const other = emulator.callbacks.message('ann', 'hi');
    expect((await postSigned(`${base}/sales/webhook`, other.body, emulator.token)).status).toBe(
      200,
    );
    expect((await postSigned(`${base}/sales/webhook`, other.body, emulator.token)).status).toBe(
      200,
    );
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain(
      'viber_callbacks_total{bot="default",event="message",outcome="handled"} 1',
    );
    expect(text).toContain(
      'viber_callbacks_total{bot="sales",event="message",outcome="handled"} 1',
    );
    expect(text).toContain(
      'viber_callbacks_total{bot="sales",event="message",outcome="duplicate"} 1',
    );
    expect(text).toContain(
      'viber_handler_duration_seconds_count{bot="sales",handler="Handlers.sales",outcome="ok"} 1',
    );
    expect(text).toMatch(/^viber_callbacks_in_flight\{bot="default"\} 0$/m);
    expect(text).toMatch(/^viber_callbacks_in_flight\{bot="sales"\} 0$/m);
  });
});
