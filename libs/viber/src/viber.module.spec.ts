/**
 * The module's wiring without HTTP: which providers each `forRoot` / `forRootAsync` adds, under
 * which tokens, and the startup errors a wrong setup gets.
 */
import { Injectable, Module } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { PATH_METADATA } from '@nestjs/common/constants';
import {
  InjectViber,
  OnText,
  ViberBroadcasts,
  ViberClient,
  ViberModule,
  ViberOptionsError,
  ViberSubscribers,
  ViberUsageError,
  ViberWebhookService,
  getViberBroadcastsToken,
  getViberClientToken,
  getViberSubscribersToken,
  getViberWebhookServiceToken,
} from 'nestjs-viber';
import {
  ViberBot,
  getViberBotToken,
  getViberOptionsToken,
  getViberQueueToken,
} from 'nestjs-viber/internal';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';

@Injectable()
class Handlers {
  @OnText('hi')
  hi(): string {
    return 'hello';
  }
}

describe('ViberModule wiring', () => {
  it('forRoot: one chain per bot (options → client → subscribers → bot), the default bot also by class', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ViberModule.forRoot({ token: TOKEN, webhook: { path: 'hooks/viber/' } })],
      providers: [Handlers],
    }).compile();
    const bot = moduleRef.get<ViberBot>(getViberBotToken());
    expect(bot).toBeInstanceOf(ViberBot);
    expect(moduleRef.get(getViberClientToken())).toBe(bot.client);
    expect(moduleRef.get(ViberClient)).toBe(bot.client);
    expect(moduleRef.get(getViberSubscribersToken())).toBe(bot.subscribers);
    expect(moduleRef.get(ViberSubscribers)).toBe(bot.subscribers);
    expect(moduleRef.get(ViberWebhookService)).toBe(moduleRef.get(getViberWebhookServiceToken()));
    expect(moduleRef.get(getViberOptionsToken())).toBe(bot.options);
    expect(bot.options.webhook.path).toBe('/hooks/viber');
    await moduleRef.close();
  });

  it('without the queue option: no queue, and ViberBroadcasts says which option it needs', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ViberModule.forRoot({ token: TOKEN }),
        ViberModule.forRoot({ token: TOKEN, name: 'sales', webhook: { path: '/sales' } }),
      ],
    }).compile();
    expect(moduleRef.get(getViberQueueToken())).toBeNull();
    const broadcasts = moduleRef.get(ViberBroadcasts);
    expect(moduleRef.get(getViberBroadcastsToken())).toBe(broadcasts);
    expect(moduleRef.get<ViberBroadcasts>(getViberBroadcastsToken('sales')).botName).toBe('sales');
    await expect(broadcasts.start(['u1'], 'hi')).rejects.toThrow(ViberUsageError);
    await expect(broadcasts.get('x')).rejects.toThrow(/needs the queue option/);
    await moduleRef.close();
  });

  it('forRoot builds the controller with its path; forRootAsync gives it the path once the factory ran', async () => {
    const sync = ViberModule.forRoot({ token: TOKEN, webhook: { path: '/a/b' } });
    expect(Reflect.getMetadata(PATH_METADATA, sync.controllers![0]!)).toBe('/a/b');
    const async = ViberModule.forRootAsync({
      useFactory: () => ({ token: TOKEN, webhook: { path: '/from/factory' } }),
    });
    const controller = async.controllers![0]!;
    expect(Reflect.getMetadata(PATH_METADATA, controller)).toBe('/'); // Nest's default, for now
    const moduleRef = await Test.createTestingModule({ imports: [async] }).compile();
    expect(Reflect.getMetadata(PATH_METADATA, controller)).toBe('/from/factory');
    await moduleRef.close();
  });

  it('several bots by name, each with its own client; InjectViber picks one', async () => {
    @Injectable()
    class UsesSales {
      constructor(@InjectViber('sales') readonly sales: ViberClient) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        ViberModule.forRoot({ token: TOKEN }),
        ViberModule.forRoot({ name: 'sales', token: `${TOKEN}-2`, webhook: { path: '/sales' } }),
      ],
      providers: [UsesSales],
    }).compile();
    const sales = moduleRef.get<ViberBot>(getViberBotToken('sales'));
    expect(moduleRef.get(UsesSales).sales).toBe(sales.client);
    expect(moduleRef.get(ViberClient)).not.toBe(sales.client);
    expect(moduleRef.get(ViberClient)).toBe(moduleRef.get<ViberBot>(getViberBotToken()).client);
    await moduleRef.close();
  });

  it('forRootAsync with useFactory and inject', async () => {
    const CONFIG = 'CONFIG';
    @Module({ providers: [{ provide: CONFIG, useValue: { token: TOKEN } }], exports: [CONFIG] })
    class ConfigModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        ViberModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { token: string }) => ({ token: config.token, timeout: 1234 }),
        }),
      ],
    }).compile();
    expect(moduleRef.get<ViberBot>(getViberBotToken()).options.timeout).toBe(1234);
    await moduleRef.close();
  });

  it('two bots without a name are refused at startup, saying to name them', async () => {
    const error = await Test.createTestingModule({
      imports: [
        ViberModule.forRoot({ token: TOKEN }),
        ViberModule.forRoot({ token: `${TOKEN}-2` }),
      ],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViberOptionsError);
    expect((error as Error).message).toBe(
      'ViberModule (bot "default"): option "name" is used twice: two ViberModule.forRoot() without a name: give each bot its own `name` (and inject the others with @InjectViber(name))',
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a missing token',
      {},
      'ViberModule (bot "default"): option "token" is required: the bot auth token from the Viber admin panel',
    ],
    [
      'a path with a parameter',
      { token: TOKEN, webhook: { path: '/hook/:id' } },
      'option "webhook.path" must be a route',
    ],
    [
      'a zero deadline',
      { token: TOKEN, handling: { deadlineMs: 0 } },
      'option "handling.deadlineMs" must be a positive integer (got 0)',
    ],
    [
      'a session store without get/set/delete',
      { token: TOKEN, conversations: { store: { get: () => undefined } } },
      'option "conversations.store" must be a ViberSessionStore (get, set, delete)',
    ],
    [
      'a store with stateless conversations',
      {
        token: TOKEN,
        conversations: {
          stateless: true,
          store: { get: () => undefined, set: () => undefined, delete: () => undefined },
        },
      },
      'option "conversations.store" cannot be combined with conversations.stateless',
    ],
    [
      'a short stateless secret',
      { token: TOKEN, conversations: { stateless: { secret: 'short' } } },
      'option "conversations.stateless" must be true (a key derived from the token) or { secret } with a secret of at least 16 characters',
    ],
    [
      'a fractional lease',
      { token: TOKEN, conversations: { leaseMs: 1.5 } },
      'option "conversations.leaseMs" must be a positive integer (got 1.5)',
    ],
    [
      'an unknown profile field to keep',
      { token: TOKEN, subscribers: { profileFields: ['country', 'photo'] } },
      'option "subscribers.profileFields" must list profile fields (name, avatar, country, language, api_version, primary_device_os); got "photo"',
    ],
  ])(
    '%s is refused at startup with a message naming the option',
    async (_name, options, message) => {
      const error = await Test.createTestingModule({
        imports: [ViberModule.forRoot(options as { token: string })],
      })
        .compile()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViberOptionsError);
      expect((error as Error).message).toContain(message);
    },
  );

  it('isGlobal: false keeps the client inside the importing module', async () => {
    @Injectable()
    class Outside {
      constructor(readonly client: ViberClient) {}
    }
    @Module({ providers: [Outside] })
    class Other {}
    const compiled = Test.createTestingModule({
      imports: [ViberModule.forRoot({ token: TOKEN, isGlobal: false }), Other],
    }).compile();
    await expect(compiled).rejects.toThrow(/resolve dependencies of the Outside/);
  });

  it('the shared core is created once however many bots', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ViberModule.forRoot({ name: 'a', token: TOKEN, webhook: { path: '/a' } }),
        ViberModule.forRoot({ name: 'b', token: TOKEN, webhook: { path: '/b' } }),
        ViberModule.forRoot({ name: 'c', token: TOKEN, webhook: { path: '/c' } }),
      ],
    }).compile();
    const cores = [...moduleRef.get(ModulesContainer).values()].filter(
      (m) => m.metatype?.name === 'ViberCoreModule',
    );
    expect(cores).toHaveLength(1);
    await moduleRef.close();
  });
});
