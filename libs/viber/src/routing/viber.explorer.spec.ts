/**
 * Discovery and routing without HTTP: what the one explorer finds, for which bot, and how each
 * handler sees its callback (dispatched through the real Nest pipeline).
 */
import {
  Injectable,
  Logger,
  Module,
  Scope,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type LoggerService,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { inspect } from 'node:util';
import {
  ActionParam,
  Ctx,
  OnAction,
  OnMessage,
  OnText,
  ViberContext,
  ViberExecutionContext,
  ViberModule,
  isViberContext,
} from 'nestjs-viber';
import { ViberBot, getViberBotToken } from 'nestjs-viber/internal';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
let sequence = 1000;

/** The JSON of a text message callback, as Viber sends it. */
function text(userId: string, value: string): Buffer {
  sequence++;
  return Buffer.from(
    `{"event":"message","timestamp":1700000000000,"message_token":${5000000000000000000n + BigInt(sequence)},"sender":{"id":"${userId}","name":"U"},"message":{"type":"text","text":${JSON.stringify(value)}}}`,
  );
}

const botOf = (moduleRef: TestingModule, name?: string): ViberBot =>
  moduleRef.get<ViberBot>(getViberBotToken(name));

async function start(
  metadata: Parameters<typeof Test.createTestingModule>[0],
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule(metadata)
    .setLogger(false as unknown as LoggerService)
    .compile();
  await moduleRef.init();
  return moduleRef;
}

describe('ViberExplorer', () => {
  afterEach(() => jest.restoreAllMocks());

  it('scans the app once for all bots and routes each handler to the bots of its scope', async () => {
    const seen: string[] = [];
    @Injectable()
    class Handlers {
      @OnText('all')
      all(@Ctx() ctx: ViberContext): void {
        seen.push(`all@${ctx.botName}`);
      }
      @OnText('sales only', { bot: 'sales' })
      salesOnly(@Ctx() ctx: ViberContext): void {
        seen.push(`sales-only@${ctx.botName}`);
      }
    }
    const scan = jest.spyOn(DiscoveryService.prototype, 'getProviders');
    const moduleRef = await start({
      imports: [
        ViberModule.forRoot({ token: TOKEN }),
        ViberModule.forRoot({ name: 'sales', token: TOKEN, webhook: { path: '/sales' } }),
        ViberModule.forRoot({ name: 'support', token: TOKEN, webhook: { path: '/support' } }),
      ],
      providers: [Handlers],
    });
    expect(scan).toHaveBeenCalledTimes(1);
    expect(botOf(moduleRef).routes.size).toBe(1);
    expect(botOf(moduleRef, 'sales').routes.size).toBe(2);
    expect(botOf(moduleRef, 'support').routes.size).toBe(1);
    await botOf(moduleRef, 'sales').receive(text('u', 'sales only'));
    await botOf(moduleRef).receive(text('u', 'sales only'));
    await botOf(moduleRef, 'support').receive(text('u', 'all'));
    expect(seen).toEqual(['sales-only@sales', 'all@support']);
    await moduleRef.close();
  });

  it('include limits a bot to the providers of those modules', async () => {
    @Injectable()
    class InShop {
      @OnMessage() handle(): void {}
    }
    @Injectable()
    class InAdmin {
      @OnMessage() handle(): void {}
    }
    @Module({ providers: [InShop] })
    class ShopModule {}
    @Module({ providers: [InAdmin] })
    class AdminModule {}
    const moduleRef = await start({
      imports: [
        ShopModule,
        AdminModule,
        ViberModule.forRoot({ token: TOKEN, include: [ShopModule] }),
      ],
    });
    expect(
      botOf(moduleRef)
        .routes.get('message')
        .map((route) => route.name),
    ).toEqual(['InShop.handle']);
    await moduleRef.close();
  });

  it('routes an instance once whatever the number of tokens it has; useValue and useFactory instances too', async () => {
    @Injectable()
    class Handlers {
      @OnMessage() handle(): void {}
    }
    class Plain {
      @OnText('plain') handle(): void {}
    }
    class Made {
      @OnText('made') handle(): void {}
    }
    const moduleRef = await start({
      imports: [ViberModule.forRoot({ token: TOKEN })],
      providers: [
        Handlers,
        { provide: 'ALIAS', useExisting: Handlers },
        { provide: 'PLAIN', useValue: new Plain() },
        { provide: 'MADE', useFactory: () => new Made() },
      ],
    });
    expect(
      botOf(moduleRef)
        .routes.get('message')
        .map((route) => route.name)
        .sort(),
    ).toEqual(['Handlers.handle', 'Made.handle', 'Plain.handle']);
    await moduleRef.close();
  });

  it('resolves a request-scoped handler in its own module, never another module provider of the same token', async () => {
    const calls: string[] = [];
    const makeModule = (label: string) => {
      @Injectable({ scope: Scope.REQUEST })
      class ScopedHandlers {
        @OnText(label) handle(): void {
          calls.push(label);
        }
      }
      @Module({ providers: [{ provide: 'SCOPED', useClass: ScopedHandlers }] })
      class Holder {}
      return Holder;
    };
    const moduleRef = await start({
      imports: [makeModule('one'), makeModule('two'), ViberModule.forRoot({ token: TOKEN })],
    });
    const bot = botOf(moduleRef);
    await bot.receive(text('u', 'one'));
    await bot.receive(text('u', 'two'));
    await bot.receive(text('u', 'two'));
    expect(calls).toEqual(['one', 'two', 'two']);
    await moduleRef.close();
  });

  it('warns when a bot has no handler, naming providers and include', async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    @Module({})
    class Empty {}
    const moduleRef = await start({
      imports: [Empty, ViberModule.forRoot({ token: TOKEN, include: [Empty] })],
    });
    expect(warnings).toEqual([
      'Bot "default": no Viber handler found in the modules of its `include` (Empty): callbacks are answered but nothing handles them. Add the class with @OnMessage()/@OnText()/… methods to a module\'s `providers` of an included module, or add its module to `include`.',
    ]);
    await moduleRef.close();
  });

  it('each handler sees its own match and params as plain properties; guards read the context through ViberExecutionContext', async () => {
    const contexts: ViberContext[] = [];
    const guardSaw: Array<string | undefined> = [];
    @Injectable()
    class UserGuard implements CanActivate {
      canActivate(context: ExecutionContext): boolean {
        if (!isViberContext(context)) return true;
        guardSaw.push(ViberExecutionContext.create(context).getContext().userId);
        return true;
      }
    }
    @Injectable()
    class Handlers {
      @OnAction('buy/:sku')
      @UseGuards(UserGuard)
      buy(@Ctx() ctx: ViberContext, @ActionParam('sku') sku: string): void {
        contexts.push(ctx);
        expect(sku).toBe('42');
      }
      @OnMessage()
      any(@Ctx() ctx: ViberContext): void {
        contexts.push(ctx);
      }
    }
    const moduleRef = await start({
      imports: [ViberModule.forRoot({ token: TOKEN })],
      providers: [Handlers, UserGuard],
    });
    await botOf(moduleRef).receive(text('alice', 'buy/42'));
    expect(guardSaw).toEqual(['alice']);
    const [buy, any] = contexts;
    expect(buy!.params).toEqual({ sku: '42' });
    expect(buy!.match![1]).toBe('42');
    expect(inspect(buy)).toContain("params: { sku: '42' }");
    expect(any!.params).toEqual({});
    expect(any!.match).toBeNull();
    expect(buy!.callback).toBe(any!.callback);
    await moduleRef.close();
  });

  it('ViberExecutionContext.getContext() outside a Viber handler says so', () => {
    const http = {
      getType: () => 'http',
      getArgByIndex: () => undefined,
    } as unknown as ExecutionContext;
    expect(() => ViberExecutionContext.create(http).getContext()).toThrow(
      'nestjs-viber: ViberExecutionContext.getContext() runs in a "http" context, not a Viber handler: check isViberContext(context) first',
    );
  });
});
