/**
 * The instrumentation seam as the bot drives it, without HTTP: a real prom-client registry and a
 * real OpenTelemetry SDK (in-memory exporter). What each callback, handler and API request adds
 * to which series, which spans it makes and how they nest; the no-op without the options; the
 * error when a peer is missing; the trace carried through a carrier.
 */
import {
  Injectable,
  Logger,
  UseGuards,
  type CanActivate,
  type LoggerService,
} from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  OnText,
  OnUnhandled,
  ViberModule,
  ViberOptionsError,
  type ViberModuleOptions,
} from 'nestjs-viber';
import { NOOP_INSTRUMENTATION, ViberBot, getViberBotToken } from 'nestjs-viber/internal';
import { Registry } from 'prom-client';
import {
  parentOf,
  seriesOf,
  startInMemoryTracing,
  type InMemoryTracing,
} from '../../../../test/support/in-memory-tracing';
import { resolveViberOptions } from '../viber-options.resolver';
import { createViberInstrumentation } from './viber-instrumentation.factory';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
let sequence = 0;
const token = (): string => String(6000000000000000000n + BigInt(++sequence));

function text(value: string, messageToken = token()): Buffer {
  return Buffer.from(
    `{"event":"message","timestamp":1,"message_token":${messageToken},"sender":{"id":"user-secret-id","name":"U"},"message":{"type":"text","text":${JSON.stringify(value)}}}`,
  );
}

/** A promise the test resolves. */
let gate: { promise: Promise<void>; open: () => void };
function closeGate(): void {
  let open!: () => void;
  gate = { promise: new Promise<void>((resolve) => (open = resolve)), open };
}
closeGate();

@Injectable()
class DenyAll implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Injectable()
class Handlers {
  @OnText('msg-quiet')
  quiet(): void {}
  @OnText('msg-boom')
  boom(): void {
    throw new Error('handler failed');
  }
  @OnText('msg-reply')
  reply(): string {
    return 'hello'; // send_message to a closed port: fails (network_error)
  }
  @OnText('msg-slow')
  async slow(): Promise<void> {
    await gate.promise; // opened by the test once the answer went out at the deadline
  }
  @OnText('msg-guarded')
  @UseGuards(DenyAll)
  guarded(): void {}
  @OnUnhandled()
  fallback(): void {}
}

async function botWith(
  options: Partial<ViberModuleOptions>,
): Promise<{ bot: ViberBot; moduleRef: TestingModule }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ViberModule.forRoot({
        token: TOKEN,
        apiUrl: 'http://127.0.0.1:9/pa',
        sender: { name: 'Bot' },
        retry: false,
        ...options,
      }),
    ],
    providers: [Handlers, DenyAll],
  })
    .setLogger(false as unknown as LoggerService)
    .compile();
  await moduleRef.init();
  return { bot: moduleRef.get<ViberBot>(getViberBotToken()), moduleRef };
}

describe('instrumentation of the bot', () => {
  let tracing: InMemoryTracing;
  beforeAll(() => {
    tracing = startInMemoryTracing();
  });
  afterAll(() => tracing.stop());
  beforeEach(() => {
    tracing.reset();
    for (const level of ['warn', 'debug', 'error', 'log'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it('counts each callback by event and outcome, times handlers and requests, and never labels a user', async () => {
    const registry = new Registry();
    const { bot, moduleRef } = await botWith({
      metrics: { registry },
      handling: { deadlineMs: 1000 },
    });
    const same = token();
    await bot.receive(text('msg-quiet'));
    await bot.receive(text('msg-quiet', same));
    await bot.receive(text('msg-quiet', same)); // duplicate
    await bot.receive(text('msg-boom'));
    await bot.receive(text('msg-reply'));
    await bot.receive(text('msg-guarded')); // denied: the fallback runs
    closeGate();
    await bot.receive(text('msg-slow')); // answered at the deadline
    gate.open();
    await bot.receive(Buffer.from('{"event":"future_event","timestamp":1,"message_token":1}'));
    bot.refusals.refused('wrong signature', 403);
    bot.refusals.refused('missing signature', 403);
    bot.refusals.refused('body too large', 413);
    bot.refusals.refused('invalid callback', 400);
    await bot.drain(2000);

    expect(await seriesOf(registry, 'viber_callbacks_total')).toEqual({
      'bot=default,event=message,outcome=handled': 4,
      'bot=default,event=message,outcome=duplicate': 1,
      'bot=default,event=message,outcome=error': 2,
      'bot=default,event=unknown,outcome=ignored': 1,
      'bot=default,event=unknown,outcome=rejected_signature': 2,
      'bot=default,event=unknown,outcome=rejected_body': 1,
      'bot=default,event=unknown,outcome=invalid': 1,
    });
    expect(await seriesOf(registry, 'viber_callback_duration_seconds')).toEqual({
      'bot=default,event=message': 6,
    });
    expect(await seriesOf(registry, 'viber_callback_deadline_exceeded_total')).toEqual({
      'bot=default,event=message': 1,
    });
    expect(await seriesOf(registry, 'viber_handler_duration_seconds')).toEqual({
      'bot=default,handler=Handlers.quiet,outcome=ok': 2,
      'bot=default,handler=Handlers.boom,outcome=error': 1,
      'bot=default,handler=Handlers.reply,outcome=error': 1,
      'bot=default,handler=Handlers.fallback,outcome=ok': 1,
      'bot=default,handler=Handlers.slow,outcome=ok': 1,
    });
    expect(await seriesOf(registry, 'viber_api_requests_total')).toEqual({
      'bot=default,endpoint=send_message,status=network_error': 1,
    });
    expect(await seriesOf(registry, 'viber_callbacks_in_flight')).toEqual({ 'bot=default': 0 });
    const exposition = await registry.metrics();
    expect(exposition).not.toContain('user-secret-id');
    expect(exposition).not.toContain(TOKEN);
    expect(exposition).not.toMatch(/msg-|hello/);
    await moduleRef.close();
    // A closed app's bot leaves the gauges.
    expect(await seriesOf(registry, 'viber_callbacks_in_flight')).toEqual({});
  });

  it('spans: viber.callback, its viber.handler children, and viber.api under the handler', async () => {
    const { bot, moduleRef } = await botWith({ tracing: { tracerProvider: tracing.provider } });
    const same = token();
    await bot.receive(text('msg-reply', same));
    await bot.receive(text('msg-reply', same));
    await bot.receive(text('msg-guarded'));
    const spans = tracing.spans();
    const callbacks = spans.filter((s) => s.name === 'viber.callback');
    expect(callbacks.map((s) => s.attributes)).toEqual([
      {
        'viber.bot': 'default',
        'viber.event': 'message',
        'viber.message_token': same,
        'viber.outcome': 'error',
        'viber.duplicate': false,
      },
      {
        'viber.bot': 'default',
        'viber.event': 'message',
        'viber.message_token': same,
        'viber.outcome': 'duplicate',
        'viber.duplicate': true,
      },
      expect.objectContaining({ 'viber.outcome': 'handled', 'viber.duplicate': false }),
    ]);
    expect(callbacks.map(parentOf)).toEqual(['', '', '']);
    const [first] = callbacks;
    const handler = spans.find(
      (s) => s.name === 'viber.handler' && s.attributes['viber.handler'] === 'Handlers.reply',
    )!;
    expect(parentOf(handler)).toBe(first!.spanContext().spanId);
    expect(handler.attributes['viber.handler.outcome']).toBe('error');
    const api = spans.find((s) => s.name === 'viber.api send_message')!;
    expect(parentOf(api)).toBe(handler.spanContext().spanId);
    expect(api.spanContext().traceId).toBe(first!.spanContext().traceId);
    expect(api.attributes).toEqual({
      'viber.bot': 'default',
      'viber.endpoint': 'send_message',
      'viber.attempt': 1,
      'viber.status': 'network_error',
    });
    expect(api.status.code).toBe(2);
    expect(api.events.map((e) => e.name)).toEqual(['exception']);
    // The denied handler's span says so; the fallback ran in the same callback.
    const guarded = spans.filter((s) => s.name === 'viber.handler').slice(-2);
    expect(
      guarded.map((s) => [s.attributes['viber.handler'], s.attributes['viber.handler.outcome']]),
    ).toEqual([
      ['Handlers.guarded', 'denied'],
      ['Handlers.fallback', 'ok'],
    ]);
    await moduleRef.close();
  });

  it('carries a trace through a W3C carrier (webhook → queue worker)', async () => {
    const { bot, moduleRef } = await botWith({ tracing: { tracerProvider: tracing.provider } });
    const producer = bot.instrumentation.callbackStarted('message', '1');
    const carrier = producer.run(() => bot.instrumentation.traceCarrier());
    producer.end(false);
    expect(carrier).toEqual({
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
    const worker = bot.instrumentation.withTraceCarrier(carrier, () =>
      bot.instrumentation.callbackStarted('message', '1'),
    );
    worker.end(false);
    const [sent, handled] = tracing.spans();
    expect(handled!.spanContext().traceId).toBe(sent!.spanContext().traceId);
    expect(parentOf(handled!)).toBe(sent!.spanContext().spanId);
    // No carrier, or a broken one: the function runs without a parent.
    expect(bot.instrumentation.withTraceCarrier(undefined, () => 7)).toBe(7);
    expect(bot.instrumentation.withTraceCarrier({ traceparent: 'nonsense' }, () => 8)).toBe(8);
    await moduleRef.close();
  });

  it('without metrics and tracing the bot gets the no-op, and nothing is loaded', async () => {
    const loaders = { promClient: jest.fn(), openTelemetryApi: jest.fn() };
    const options = resolveViberOptions({ token: TOKEN }, 'default');
    expect(await createViberInstrumentation(options, loaders)).toBe(NOOP_INSTRUMENTATION);
    expect(loaders.promClient).not.toHaveBeenCalled();
    expect(loaders.openTelemetryApi).not.toHaveBeenCalled();
    const { bot, moduleRef } = await botWith({});
    expect(bot.instrumentation).toBe(NOOP_INSTRUMENTATION);
    await moduleRef.close();
  });

  it('options: metrics and tracing must be true, false or their objects', () => {
    expect(() => resolveViberOptions({ token: TOKEN, metrics: 'yes' as never }, 'b')).toThrow(
      ViberOptionsError,
    );
    expect(() =>
      resolveViberOptions({ token: TOKEN, metrics: { registry: {} as never } }, 'b'),
    ).toThrow('option "metrics.registry" must be a prom-client Registry');
    expect(() =>
      resolveViberOptions({ token: TOKEN, tracing: { tracerProvider: {} as never } }, 'b'),
    ).toThrow('option "tracing.tracerProvider" must be an OpenTelemetry TracerProvider');
    const registry = new Registry();
    expect(resolveViberOptions({ token: TOKEN, metrics: { registry } }, 'b').metrics).toEqual({
      registry,
    });
    expect(resolveViberOptions({ token: TOKEN, metrics: true }, 'b').metrics).toEqual({});
    expect(resolveViberOptions({ token: TOKEN, metrics: false }, 'b').metrics).toBeUndefined();
  });
});

describe('optional peers', () => {
  afterEach(() => {
    jest.dontMock('prom-client');
    jest.dontMock('@opentelemetry/api');
    jest.dontMock('@nestjs/terminus');
    jest.resetModules();
  });

  it('a missing peer fails at startup naming the option and the package to install', async () => {
    jest.resetModules();
    for (const name of ['prom-client', '@opentelemetry/api', '@nestjs/terminus']) {
      jest.doMock(name, () => {
        throw new Error(`Cannot find module '${name}'`);
      });
    }
    const loader = await import('./optional-peer.loader');
    await expect(loader.loadPromClient('sales')).rejects.toThrow(
      'ViberModule (bot "sales"): option "metrics" needs the optional peer dependency prom-client: npm i prom-client',
    );
    await expect(loader.loadOpenTelemetryApi('sales')).rejects.toThrow(
      'ViberModule (bot "sales"): option "tracing" needs the optional peer dependency @opentelemetry/api: npm i @opentelemetry/api',
    );
    await expect(loader.loadTerminusIndicatorService()).rejects.toThrow(
      'nestjs-viber: ViberHealthIndicator needs the optional peer dependency @nestjs/terminus: npm i @nestjs/terminus',
    );
  });
});
