/**
 * Conversations through the bot's real dispatch (no HTTP): sessions saved after the handlers,
 * per-user ordering, scene and wizard routing, every-scene handlers, hooks, Nest's pipeline in
 * scenes, the deadline, and what a bot without conversations keeps doing.
 */
import {
  BadRequestException,
  Catch,
  Injectable,
  Logger,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type LoggerService,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { map, type Observable } from 'rxjs';
import {
  Ctx,
  InEveryScene,
  InMemorySessionStore,
  OnConversationStarted,
  OnDelivered,
  OnMessage,
  OnText,
  OnUnhandled,
  Scene,
  SceneEnter,
  SceneLeave,
  Session,
  Text,
  ViberClient,
  ViberModule,
  Wizard,
  WizardStep,
  type ViberContext,
  type ViberModuleOptions,
  type ViberOutgoingMessage,
  type ViberReply,
  type ViberSessionData,
} from 'nestjs-viber';
import { ViberBot, getViberBotToken } from 'nestjs-viber/internal';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
let sequence = 0;
const nextToken = (): string => String(6000000000000000000n + BigInt(++sequence));

function text(value: string, user = 'u1', messageToken = nextToken()): Buffer {
  const message: Record<string, unknown> = { type: 'text', text: value };
  return Buffer.from(
    `{"event":"message","timestamp":1,"message_token":${messageToken},"sender":{"id":${JSON.stringify(user)},"name":"U"},"message":${JSON.stringify(message)}}`,
  );
}
function contact(phone: string, user = 'u1'): Buffer {
  return Buffer.from(
    `{"event":"message","timestamp":1,"message_token":${nextToken()},"sender":{"id":"${user}","name":"U"},"message":{"type":"contact","contact":{"name":"U","phone_number":"${phone}"}}}`,
  );
}
function opened(user = 'u1'): Buffer {
  return Buffer.from(
    `{"event":"conversation_started","timestamp":1,"message_token":${nextToken()},"type":"open","user":{"id":"${user}","name":"U"},"subscribed":false}`,
  );
}
function delivered(user = 'u1'): Buffer {
  return Buffer.from(
    `{"event":"delivered","timestamp":1,"message_token":${nextToken()},"user_id":"${user}"}`,
  );
}

const log: string[] = [];
/** What the bot sent, per user: the text of each message. */
const sent: Array<{ to: string; text: string }> = [];

@Injectable()
class OnlyAllowed implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.getArgByIndex<ViberContext>(0).text !== 'forbidden';
  }
}

@Injectable()
class Shout implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(map((value: unknown) => (typeof value === 'string' ? value.toUpperCase() : value)));
  }
}

/** A pipe that accepts only phone numbers. */
class PhonePipe implements PipeTransform<string | undefined, string> {
  transform(value: string | undefined): string {
    if (!value || !/^\+?\d{7,15}$/.test(value)) throw new BadRequestException('not a phone number');
    return value;
  }
}

@Catch(BadRequestException)
class AskAgain implements ExceptionFilter {
  catch(exception: BadRequestException, host: ArgumentsHost): string {
    log.push(`filter:${exception.message}`);
    void host;
    return 'That is not a phone number, try again';
  }
}

@Injectable()
class GlobalHandlers {
  @OnText('count')
  count(@Session() session: ViberSessionData): string {
    session.count = ((session.count as number | undefined) ?? 0) + 1;
    return `count ${String(session.count)}`;
  }

  @OnText('order')
  async order(@Ctx() ctx: ViberContext): Promise<void> {
    log.push('global:order');
    await ctx.scene.enter('order', { started: 'yes' });
  }

  @OnText('help')
  enterHelp(@Ctx() ctx: ViberContext): Promise<void> {
    return ctx.scene.enter('help');
  }

  @OnMessage()
  any(@Text() value: string | undefined): void {
    log.push(`global:any:${value}`);
  }

  @OnUnhandled()
  fallback(@Text() value: string | undefined): void {
    log.push(`global:unhandled:${value}`);
  }

  @OnConversationStarted()
  async welcome(@Ctx() ctx: ViberContext): Promise<string> {
    if (ctx.text === undefined && ctx.session.slowWelcome)
      await new Promise((r) => setTimeout(r, 10));
    return `welcome ${ctx.scene.current ?? 'outside'}`;
  }

  @OnDelivered()
  receipt(@Ctx() ctx: ViberContext): void {
    try {
      void ctx.session;
    } catch (error) {
      log.push(`receipt:${(error as Error).name}`);
    }
  }
}

@Injectable()
class CancelAnywhere {
  @OnText('cancel')
  @InEveryScene()
  async cancel(@Ctx() ctx: ViberContext): Promise<string> {
    log.push(`cancel:${ctx.scene.current ?? 'none'}`);
    if (!ctx.scene.current) return 'nothing to cancel';
    await ctx.scene.leave();
    return 'cancelled';
  }
}

@Scene('help')
class HelpScene {
  @SceneEnter()
  enter(): string {
    return 'help: ask me';
  }

  @OnText('bye')
  bye(@Ctx() ctx: ViberContext): Promise<void> {
    return ctx.scene.leave();
  }

  @OnUnhandled()
  other(@Text() value: string): string {
    return `help about ${value}`;
  }

  @SceneLeave()
  leave(): string {
    return 'help: bye';
  }
}

@Wizard('order')
@UseGuards(OnlyAllowed)
class OrderWizard {
  @SceneEnter()
  enter(@Ctx() ctx: ViberContext): string {
    log.push(`enter:${JSON.stringify(ctx.scene.state)}`);
    return 'which product?';
  }

  @WizardStep(1)
  product(@Ctx() ctx: ViberContext, @Text() value: string): Promise<void> {
    ctx.wizard.state.product = value;
    log.push(`step1:${value}`);
    return ctx.wizard.next().then(() => void ctx.reply('your phone?'));
  }

  @WizardStep(2)
  @OnMessage('contact')
  sharedPhone(@Ctx() ctx: ViberContext): Promise<void> {
    const message = ctx.message;
    ctx.wizard.state.phone = message?.type === 'contact' ? message.contact.phone_number : '';
    log.push(`step2:contact`);
    return ctx.wizard.next();
  }

  @WizardStep(2)
  @OnMessage('text')
  @UseFilters(AskAgain)
  @UseInterceptors(Shout)
  typedPhone(@Ctx() ctx: ViberContext, @Text(PhonePipe) phone: string): Promise<string> {
    ctx.wizard.state.phone = phone;
    log.push(`step2:${phone}`);
    return ctx.wizard.next().then(() => 'confirm?');
  }

  @WizardStep(3)
  @OnText('yes')
  async confirm(@Ctx() ctx: ViberContext, @Session() session: ViberSessionData): Promise<string> {
    session.orders = [...((session.orders as unknown[]) ?? []), { ...ctx.wizard.state }];
    await ctx.wizard.next();
    return 'placed';
  }

  @WizardStep(3)
  @OnText('back')
  back(@Ctx() ctx: ViberContext): Promise<void> {
    return ctx.wizard.back();
  }

  @OnUnhandled()
  unhandled(@Ctx() ctx: ViberContext): string {
    return `step ${String(ctx.wizard.step)}: please answer`;
  }

  @SceneLeave()
  left(@Ctx() ctx: ViberContext): void {
    log.push(`leave:${JSON.stringify(ctx.scene.state)}`);
  }
}

async function botWith(
  options: Partial<ViberModuleOptions> = {},
  providers: unknown[] = [GlobalHandlers, CancelAnywhere, HelpScene, OrderWizard],
): Promise<{ bot: ViberBot; moduleRef: TestingModule }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ViberModule.forRoot({
        token: TOKEN,
        apiUrl: 'http://127.0.0.1:9/pa',
        sender: { name: 'Bot' },
        conversations: {},
        ...options,
      }),
    ],
    providers: [OnlyAllowed, ...(providers as Array<new () => unknown>)],
  })
    .setLogger(false as unknown as LoggerService)
    .compile();
  await moduleRef.init();
  return { bot: moduleRef.get<ViberBot>(getViberBotToken()), moduleRef };
}

function textsTo(user: string): string[] {
  return sent.filter((s) => s.to === user).map((s) => s.text);
}

describe('conversations in dispatch', () => {
  let warnings: string[];
  beforeEach(() => {
    log.length = 0;
    sent.length = 0;
    warnings = [];
    jest
      .spyOn(Logger.prototype, 'warn')
      .mockImplementation((m: unknown) => void warnings.push(String(m)));
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    jest
      .spyOn(ViberClient.prototype, 'sendMessage')
      .mockImplementation(async (receiver: string, reply: ViberReply) => {
        const list = Array.isArray(reply) ? reply : [reply];
        for (const item of list as Array<ViberOutgoingMessage | string>) {
          const message: ViberOutgoingMessage =
            typeof item === 'string' ? { type: 'text', text: item } : item;
          sent.push({
            to: receiver,
            text: 'text' in message ? String(message.text) : String(message.type),
          });
        }
        return [] as never;
      });
  });
  afterEach(() => jest.restoreAllMocks());

  it('keeps a session per user, saved after the handlers', async () => {
    const { bot, moduleRef } = await botWith();
    await bot.receive(text('count', 'a'));
    await bot.receive(text('count', 'a'));
    await bot.receive(text('count', 'b'));
    expect(textsTo('a')).toEqual(['count 1', 'count 2']);
    expect(textsTo('b')).toEqual(['count 1']);
    await moduleRef.close();
  });

  it('runs one user callbacks one after another in arrival order; other users are not held up', async () => {
    const store = new InMemorySessionStore();
    const { bot, moduleRef } = await botWith({ conversations: { store } });
    const seen: string[] = [];
    const original = bot.routes.get('message').find((r) => r.name === 'GlobalHandlers.count')!;
    // 200 concurrent callbacks of one user, each reading then writing the counter after a pause.
    (original as { invoke: (ctx: ViberContext) => Promise<unknown> }).invoke = async (ctx) => {
      const before = (ctx.session.count as number | undefined) ?? 0;
      seen.push(ctx.callback.message_token);
      await new Promise((resolve) => setImmediate(resolve));
      ctx.session.count = before + 1;
      return undefined;
    };
    const tokens = Array.from({ length: 200 }, () => nextToken());
    const bodies = tokens.map((t) => text('count', 'busy', t));
    const other = bot.receive(text('count', 'idle'));
    await Promise.all([...bodies.map((b) => bot.receive(b)), other]);
    expect((await store.get('default:busy'))?.session.count).toBe(200);
    expect(seen.filter((t) => tokens.includes(t))).toEqual(tokens);
    expect((await store.get('default:idle'))?.session.count).toBe(1);
    expect(bot.conversations!.activeUsers).toBe(0);
    await moduleRef.close();
  });

  it('routes messages to the scene the user is in, with enter and leave hooks', async () => {
    const { bot, moduleRef } = await botWith();
    await bot.receive(text('help'));
    expect(textsTo('u1')).toEqual(['help: ask me']);
    // In the scene: its handlers only (the global @OnMessage and @OnUnhandled do not run).
    await bot.receive(text('prices'));
    expect(textsTo('u1').at(-1)).toBe('help about prices');
    expect(log).toEqual([]);
    await bot.receive(text('bye'));
    expect(textsTo('u1').at(-1)).toBe('help: bye');
    // Outside again: the global handlers.
    await bot.receive(text('prices'));
    expect(log).toEqual(['global:any:prices']);
    await moduleRef.close();
  });

  it('walks a wizard: steps, a pipe that rejects and a filter that asks again, back, confirm', async () => {
    const { bot, moduleRef } = await botWith();
    await bot.receive(text('order'));
    // Entering ends this callback's handlers: the global @OnMessage did not run for "order".
    expect(log).toEqual(['global:order', 'enter:{"started":"yes"}']);
    expect(textsTo('u1')).toEqual(['which product?']);
    await bot.receive(text('apple'));
    expect(textsTo('u1').at(-1)).toBe('your phone?');
    await bot.receive(text('12ab'));
    expect(textsTo('u1').at(-1)).toBe('That is not a phone number, try again');
    expect(log.at(-1)).toBe('filter:not a phone number');
    await bot.receive(text('+380501234567'));
    // The interceptor upper-cases the step's return value.
    expect(textsTo('u1').at(-1)).toBe('CONFIRM?');
    await bot.receive(text('back'));
    await bot.receive(contact('+380671112233'));
    expect(log.at(-1)).toBe('step2:contact');
    await bot.receive(text('maybe'));
    expect(textsTo('u1').at(-1)).toBe('step 3: please answer');
    await bot.receive(text('yes'));
    expect(textsTo('u1').at(-1)).toBe('placed');
    expect(log.at(-1)).toBe('leave:{"started":"yes","product":"apple","phone":"+380671112233"}');
    // Outside the wizard, the session kept the order.
    await bot.receive(text('count'));
    const store = bot.options.conversations!.store!;
    expect((await store.get('default:u1'))?.session).toEqual({
      orders: [{ started: 'yes', product: 'apple', phone: '+380671112233' }],
      count: 1,
    });
    await moduleRef.close();
  });

  it('an @InEveryScene handler runs first in any scene and outside; leaving ends the list', async () => {
    const { bot, moduleRef } = await botWith();
    await bot.receive(text('cancel'));
    expect(textsTo('u1')).toEqual(['nothing to cancel']);
    await bot.receive(text('order'));
    await bot.receive(text('cancel'));
    expect(log.slice(-2)).toEqual(['cancel:order', 'leave:{"started":"yes"}']);
    expect(textsTo('u1').at(-1)).toBe('cancelled');
    // The wizard's step 1 handler did not take "cancel" as a product.
    expect(log.some((l) => l.startsWith('step1'))).toBe(false);
    await moduleRef.close();
  });

  it('@InEveryScene on a class: all its message handlers run in every scene', async () => {
    @Injectable()
    @InEveryScene()
    class Everywhere {
      @OnText('where')
      where(@Ctx() ctx: ViberContext): string {
        return `in ${ctx.scene.current ?? 'no scene'}`;
      }
    }
    const { bot, moduleRef } = await botWith({}, [Everywhere, HelpScene]);
    await bot.receive(text('where'));
    await bot.options.conversations!.store!.set(
      'default:u1',
      { session: {}, scene: { id: 'help', state: {} } },
      { ttlMs: 60_000 },
    );
    await bot.receive(text('where'));
    // In the scene it ran (so the scene's @OnUnhandled fallback did not).
    expect(textsTo('u1')).toEqual(['in no scene', 'in help']);
    await moduleRef.close();
  });

  it('a guard on the wizard class guards its steps', async () => {
    const { bot, moduleRef } = await botWith();
    await bot.receive(text('order'));
    await bot.receive(text('forbidden'));
    expect(log.some((l) => l.startsWith('step1'))).toBe(false);
    await moduleRef.close();
  });

  it('receipts run outside conversations: ctx.session throws a usage error there', async () => {
    const { bot, moduleRef } = await botWith();
    await bot.receive(delivered());
    expect(log).toEqual(['receipt:ViberUsageError']);
    await moduleRef.close();
  });

  it('conversation_started answers its welcome message with the session loaded', async () => {
    const { bot, moduleRef } = await botWith();
    expect(await bot.receive(opened())).toMatchObject({
      status: 200,
      body: { text: 'welcome outside' },
    });
    await bot.receive(text('help'));
    expect(await bot.receive(opened())).toMatchObject({ body: { text: 'welcome help' } });
    await moduleRef.close();
  });

  it('a conversation_started still waiting for the user turn at the deadline is answered without welcome and skipped', async () => {
    @Injectable()
    class Slow {
      @OnText('slow')
      async slow(): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, 150));
        log.push('slow done');
      }
      @OnConversationStarted()
      welcome(): string {
        log.push('welcome ran');
        return 'hi';
      }
    }
    const { bot, moduleRef } = await botWith({ handling: { deadlineMs: 40 } }, [Slow]);
    const slow = bot.receive(text('slow'));
    expect(await bot.receive(opened())).toEqual({ status: 200 });
    await slow;
    await bot.drain(2000);
    expect(log).toEqual(['slow done']);
    expect(warnings.some((w) => w.includes('answered without a welcome message'))).toBe(true);
    await moduleRef.close();
  });

  it('a callback waiting past the deadline is answered 200 and runs later, in order', async () => {
    @Injectable()
    class Slow {
      @OnText(/^slow|next$/)
      async run(@Text() value: string): Promise<void> {
        if (value === 'slow') await new Promise((resolve) => setTimeout(resolve, 150));
        log.push(value);
      }
    }
    const { bot, moduleRef } = await botWith({ handling: { deadlineMs: 40 } }, [Slow]);
    const answers = await Promise.all([bot.receive(text('slow')), bot.receive(text('next'))]);
    expect(answers).toEqual([{ status: 200 }, { status: 200 }]);
    expect(log).toEqual([]);
    await bot.drain(2000);
    expect(log).toEqual(['slow', 'next']);
    await moduleRef.close();
  });

  it('a turn past conversations.turnTimeoutMs lets the next callback go and its changes are not saved', async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    @Injectable()
    class Stuck {
      @OnText('stuck')
      async stuck(@Session() session: ViberSessionData): Promise<void> {
        await hold;
        session.stuck = true;
      }
      @OnText('count')
      count(@Session() session: ViberSessionData): void {
        session.count = 1;
      }
    }
    const { bot, moduleRef } = await botWith(
      { conversations: { turnTimeoutMs: 50 }, handling: { deadlineMs: 20 } },
      [Stuck],
    );
    await bot.receive(text('stuck'));
    await bot.receive(text('count'));
    const store = bot.options.conversations!.store!;
    for (let i = 0; i < 100 && !(await store.get('default:u1')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await store.get('default:u1'))?.session).toEqual({ count: 1 });
    release();
    await bot.drain(2000);
    expect((await store.get('default:u1'))?.session).toEqual({ count: 1 });
    await moduleRef.close();
  });

  it('a session store that fails: the handlers do not run, and handling.errorStatus is answered', async () => {
    const failing = {
      get: () => Promise.reject(new Error('store down')),
      set: () => Promise.resolve(),
      delete: () => Promise.resolve(),
    };
    const { bot, moduleRef } = await botWith({
      conversations: { store: failing },
      handling: { errorStatus: 503 },
    });
    expect(await bot.receive(text('count'))).toEqual({ status: 503 });
    expect(sent).toEqual([]);
    await moduleRef.close();
  });

  it('a scene the bot no longer has puts the user outside scenes', async () => {
    const store = new InMemorySessionStore();
    await store.set(
      'default:u1',
      { session: {}, scene: { id: 'gone', state: {} } },
      { ttlMs: 60_000 },
    );
    const { bot, moduleRef } = await botWith({ conversations: { store } });
    await bot.receive(text('hello'));
    expect(log).toEqual(['global:any:hello']);
    expect(await store.get('default:u1')).toBeUndefined();
    await moduleRef.close();
  });
});

describe('conversations at startup', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  async function start(options: Partial<ViberModuleOptions>, providers: unknown[]): Promise<void> {
    const { moduleRef } = await botWith(options, providers);
    await moduleRef.close();
  }

  it('a scene needs conversations', async () => {
    await expect(start({ conversations: undefined }, [HelpScene])).rejects.toThrow(
      /@Scene\('help'\) on HelpScene: no bot that sees it has conversations; add `conversations: \{\}`/,
    );
  });

  it('a wizard needs steps, and steps need a wizard', async () => {
    @Wizard('empty')
    class Empty {
      @SceneEnter()
      enter(): void {}
    }
    await expect(start({}, [Empty])).rejects.toThrow(
      /@Wizard\('empty'\) on Empty has no @WizardStep/,
    );

    @Scene('plain')
    class Plain {
      @WizardStep(1)
      step(): void {}
    }
    await expect(start({}, [Plain])).rejects.toThrow(
      /@WizardStep\(1\) on Plain.step: the class is a @Scene\('plain'\)/,
    );

    @Injectable()
    class Loose {
      @SceneEnter()
      enter(): void {}
    }
    await expect(start({}, [Loose])).rejects.toThrow(
      /@SceneEnter\(\)\/@SceneLeave\(\) on Loose.enter: its class needs @Scene\(id\)/,
    );
  });

  it('scene ids are unique, and @InEveryScene does not go in a scene', async () => {
    @Scene('help')
    class OtherHelp {}
    await expect(start({}, [HelpScene, OtherHelp])).rejects.toThrow(
      /HelpScene already declares a scene "help"/,
    );

    @Scene('x')
    class Mixed {
      @OnText('x')
      @InEveryScene()
      x(): void {}
    }
    await expect(start({}, [Mixed])).rejects.toThrow(/@InEveryScene\(\) on Mixed.x/);
  });

  it('entering an unknown scene is a usage error naming the known ones', async () => {
    @Injectable()
    class Wrong {
      @OnText('go')
      go(@Ctx() ctx: ViberContext): Promise<void> {
        return ctx.scene.enter('nowhere');
      }
    }
    const errors: string[] = [];
    jest
      .spyOn(Logger.prototype, 'error')
      .mockImplementation((m: unknown) => void errors.push(String(m)));
    const { bot, moduleRef } = await botWith({}, [Wrong, HelpScene]);
    await bot.receive(text('go'));
    expect(errors[0]).toMatch(
      /ctx.scene.enter\('nowhere'\): no @Scene or @Wizard "nowhere" is routed to this bot \(known: "help"\)/,
    );
    await moduleRef.close();
  });
});
