/**
 * ViberHealthIndicator without HTTP: the real Terminus HealthIndicatorService builds the results;
 * Viber's `get_account_info` answer is stubbed on the bot's client (the e2e test asks the
 * emulator), stores are small objects with the `ping()` a test needs.
 */
import { Injectable, type LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  OnText,
  ViberApiError,
  ViberHealthIndicator,
  ViberModule,
  ViberUsageError,
  type ViberAccountInfo,
  type ViberDedupeStore,
  type ViberModuleOptions,
} from 'nestjs-viber';
import { ViberBot, attachViberQueueStats, getViberBotToken } from 'nestjs-viber/internal';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
const URL = 'https://bot.example.com/viber/webhook';

let gate: { promise: Promise<void>; open: () => void };
function closeGate(): void {
  let open!: () => void;
  gate = { promise: new Promise<void>((resolve) => (open = resolve)), open };
}
closeGate();

@Injectable()
class Handlers {
  @OnText('wait')
  async wait(): Promise<void> {
    await gate.promise;
  }
}

function account(overrides: Partial<ViberAccountInfo> = {}): ViberAccountInfo {
  return {
    status: 0,
    status_message: 'ok',
    id: 'pa:1',
    name: 'Bot',
    webhook: URL,
    event_types: ['delivered', 'seen', 'failed', 'conversation_started'],
    ...overrides,
  };
}

async function appWith(options: Partial<ViberModuleOptions> = {}): Promise<{
  bot: ViberBot;
  health: ViberHealthIndicator;
  moduleRef: TestingModule;
  accountInfo: jest.SpyInstance;
}> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ViberModule.forRoot({
        token: TOKEN,
        apiUrl: 'http://127.0.0.1:9/pa',
        webhook: { url: URL, autoSet: false },
        ...options,
      }),
    ],
    providers: [Handlers],
  })
    .setLogger(false as unknown as LoggerService)
    .compile();
  await moduleRef.init();
  const bot = moduleRef.get<ViberBot>(getViberBotToken());
  const accountInfo = jest.spyOn(bot.client, 'getAccountInfo').mockResolvedValue(account());
  return { bot, health: moduleRef.get(ViberHealthIndicator), moduleRef, accountInfo };
}

describe('ViberHealthIndicator', () => {
  afterEach(() => jest.restoreAllMocks());

  it('liveness: no I/O; the counts in flight; down past maxCallbacksInFlight', async () => {
    const { bot, health, moduleRef, accountInfo } = await appWith();
    expect(await health.checkLiveness()).toEqual({
      viber: {
        status: 'up',
        bots: { default: { status: 'up', callbacksInFlight: 0, requestsInFlight: 0 } },
      },
    });
    closeGate();
    const answered = bot.receive(
      Buffer.from(
        '{"event":"message","timestamp":1,"message_token":1,"sender":{"id":"u"},"message":{"type":"text","text":"wait"}}',
      ),
    );
    while (bot.pending === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await health.checkLiveness('live', { maxCallbacksInFlight: 1 })).toMatchObject({
      live: { status: 'up' },
    });
    expect(await health.checkLiveness('live', { maxCallbacksInFlight: 0 })).toEqual({
      live: {
        status: 'down',
        bots: {
          default: {
            status: 'down',
            message: '1 callbacks in flight, over 0',
            callbacksInFlight: 1,
            requestsInFlight: 0,
          },
        },
      },
    });
    gate.open();
    await answered;
    expect(accountInfo).not.toHaveBeenCalled();
    await moduleRef.close();
  });

  it('readiness: up when the token works and the webhook and events match; stores in memory', async () => {
    const { health, moduleRef } = await appWith();
    expect(await health.checkReadiness('viber')).toEqual({
      viber: {
        status: 'up',
        bots: {
          default: {
            status: 'up',
            callbacksInFlight: 0,
            requestsInFlight: 0,
            account: { status: 'up', checkedAt: expect.any(String) },
            webhook: { status: 'up' },
            eventTypes: { status: 'up' },
            dedupeStore: { status: 'up', message: 'in memory' },
            subscriberStore: { status: 'up', message: 'in memory' },
          },
        },
      },
    });
    await moduleRef.close();
  });

  it('asks Viber once per accountCacheMs; concurrent checks share the request', async () => {
    const { health, moduleRef, accountInfo } = await appWith();
    await Promise.all([health.checkReadiness(), health.checkReadiness()]);
    await health.checkReadiness();
    expect(accountInfo).toHaveBeenCalledTimes(1);
    await health.checkReadiness('viber', { accountCacheMs: 0 });
    await health.checkReadiness('viber', { accountCacheMs: 0 });
    expect(accountInfo).toHaveBeenCalledTimes(3);
    await moduleRef.close();
  });

  it('readiness is down when the registered webhook or events differ, or none is registered', async () => {
    const { health, moduleRef, accountInfo } = await appWith({
      webhook: { url: URL, autoSet: false, eventTypes: ['delivered', 'seen'] },
    });
    const check = () => health.checkReadiness('viber', { accountCacheMs: 0 });
    accountInfo.mockResolvedValue(account({ webhook: 'https://other.example.com/hook' }));
    expect((await check()).viber.bots.default).toMatchObject({
      status: 'down',
      account: { status: 'up' },
      webhook: { status: 'down', message: 'the registered webhook URL is not webhook.url' },
      eventTypes: {
        status: 'down',
        message: 'the registered events are not webhook.eventTypes',
        missing: [],
        unexpected: ['failed', 'conversation_started'],
      },
    });
    accountInfo.mockResolvedValue(account({ event_types: ['delivered'] }));
    expect((await check()).viber.bots.default).toMatchObject({
      status: 'down',
      webhook: { status: 'up' },
      eventTypes: { status: 'down', missing: ['seen'], unexpected: [] },
    });
    accountInfo.mockResolvedValue(account({ webhook: '', event_types: [] }));
    const none = (await check()).viber.bots.default!;
    expect(none.webhook).toEqual({ status: 'down', message: 'no webhook is registered' });
    expect(none.eventTypes).toBeUndefined();
    await moduleRef.close();
  });

  it('readiness is down when the token is refused or Viber does not answer', async () => {
    const { health, moduleRef, accountInfo } = await appWith();
    accountInfo.mockRejectedValue(
      new ViberApiError({
        status: 2,
        statusMessage: 'invalidAuthToken',
        endpoint: 'get_account_info',
      }),
    );
    expect((await health.checkReadiness('viber', { accountCacheMs: 0 })).viber).toMatchObject({
      status: 'down',
      bots: {
        default: {
          status: 'down',
          account: {
            status: 'down',
            message: 'the token is not valid (Viber status 2 invalidAuthToken)',
          },
        },
      },
    });
    accountInfo.mockImplementation(() => new Promise(() => undefined));
    const late = await health.checkReadiness('viber', { accountCacheMs: 0, timeoutMs: 50 });
    expect(late.viber.bots.default!.account).toEqual({
      status: 'down',
      message: 'Viber did not answer: Viber: no answer within 150 ms',
      checkedAt: expect.any(String),
    });
    // Without asking Viber (a readiness probe that must not depend on it):
    const local = await health.checkReadiness('viber', { account: false });
    expect(local.viber.status).toBe('up');
    expect(local.viber.bots.default!.account).toBeUndefined();
    await moduleRef.close();
  });

  it('pings the shared stores: down when one fails or does not answer in time', async () => {
    const failing: ViberDedupeStore = {
      claim: () => true,
      release: () => undefined,
      ping: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')),
    };
    const { health, moduleRef } = await appWith({
      handling: { dedupeStore: failing },
      subscribers: {
        store: {
          observe: async () => undefined,
          get: async () => undefined,
          forget: async () => false,
          count: async () => 0,
          list: async () => ({ items: [] }),
          ping: () => new Promise(() => undefined),
        },
      },
    });
    const result = await health.checkReadiness('viber', { timeoutMs: 50 });
    expect(result.viber.status).toBe('down');
    expect(result.viber.bots.default).toMatchObject({
      dedupeStore: { status: 'down', message: 'ECONNREFUSED 127.0.0.1:6379' },
      subscriberStore: { status: 'down', message: 'subscriber store: no answer within 50 ms' },
    });
    await moduleRef.close();
    const plain = await appWith({
      handling: { dedupeStore: { claim: () => true, release: () => undefined } },
    });
    expect((await plain.health.checkReadiness()).viber.bots.default!.dedupeStore).toEqual({
      status: 'up',
      message: 'not checked: the store has no ping()',
    });
    await plain.moduleRef.close();
  });

  it('reports the queue figures a queue attaches, and is down when it does not answer', async () => {
    const { bot, health, moduleRef } = await appWith();
    const figures = [
      {
        queue: 'outgoing',
        waiting: 3,
        active: 1,
        delayed: 0,
        failed: 2,
        paused: 'rate_limit' as const,
      },
    ];
    attachViberQueueStats(bot, { queueStats: async () => figures });
    expect((await health.checkReadiness()).viber.bots.default!.queue).toEqual({
      status: 'up',
      queues: figures,
    });
    attachViberQueueStats(bot, { queueStats: () => Promise.reject(new Error('Redis is gone')) });
    const down = await health.checkReadiness();
    expect(down.viber.status).toBe('down');
    expect(down.viber.bots.default!.queue).toEqual({ status: 'down', message: 'Redis is gone' });
    attachViberQueueStats(bot, undefined);
    await moduleRef.close();
  });

  it('is down while the bot shuts down, and names unknown bots', async () => {
    const { bot, health, moduleRef } = await appWith();
    await expect(health.checkReadiness('viber', { bots: ['sales'] })).rejects.toThrow(
      new ViberUsageError('ViberHealthIndicator: no bot named "sales" (bots: "default")'),
    );
    bot.onModuleDestroy();
    expect((await health.checkReadiness()).viber.bots.default).toMatchObject({
      status: 'down',
      message: 'shutting down',
    });
    await moduleRef.close();
  });
});
