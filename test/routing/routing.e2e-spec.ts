import {
  Catch,
  Global,
  Inject,
  Injectable,
  Module,
  Scope,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import { APP_GUARD, REQUEST } from '@nestjs/core';
import {
  ActionParam,
  Ctx,
  Event,
  Message,
  OnAction,
  OnConversationStarted,
  OnDelivered,
  OnFailed,
  OnMessage,
  OnSeen,
  OnSubscribed,
  OnText,
  OnUnhandled,
  OnUnsubscribed,
  OnWebhook,
  Sender,
  Text,
  TrackingData,
  ViberContext,
  ViberModule,
  isViberContext,
  type ViberCallback,
  type ViberIncomingMessage,
  type ViberOutgoingMessage,
  type ViberUser,
} from 'nestjs-viber';
import { tap, type Observable } from 'rxjs';
import { RecordingApiServer } from '../support/recording-api.server';
import {
  conversationStarted,
  message,
  nextToken,
  subscribed,
  textMessage,
  userIdEvent,
  webhookCheck,
} from '../support/callbacks';
import {
  PLATFORMS,
  TEST_TOKEN,
  postSigned,
  startApp,
  type RunningApp,
  waitFor,
} from '../support/viber-test-app';

/** Shared log of what ran, per app (providers are per app: no module-level state). */
@Injectable()
class Journal {
  readonly entries: string[] = [];
  add(entry: string): void {
    this.entries.push(entry);
  }
  clear(): void {
    this.entries.length = 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class ShopHandlers {
  constructor(private readonly journal: Journal) {}

  @OnConversationStarted()
  async welcome(@Sender() user: ViberUser): Promise<ViberOutgoingMessage> {
    this.journal.add(`welcome:${user.id}`);
    await sleep(Math.floor(Math.random() * 20));
    return { type: 'text', text: `Hi ${user.name}!`, tracking_data: `welcomed:${user.id}` };
  }

  @OnText(/^price (\w+)$/)
  price(@Ctx() ctx: ViberContext): string {
    this.journal.add(`price:${ctx.match?.[1]}`);
    return `${ctx.match?.[1]} costs 3 EUR`;
  }

  @OnAction('buy/:sku')
  buy(
    @ActionParam('sku') sku: string,
    @ActionParam() params: Record<string, string>,
  ): ViberOutgoingMessage {
    this.journal.add(`buy:${sku}:${JSON.stringify(params)}`);
    return { type: 'text', text: `Bought ${sku}` };
  }

  @OnMessage('picture')
  picture(@Message() picture: ViberIncomingMessage, @Message('media') media: string): void {
    this.journal.add(`picture:${picture.type}:${media}`);
  }

  @OnMessage(['location', 'contact'])
  place(@Message('type') type: string): void {
    this.journal.add(`place:${type}`);
  }

  @OnMessage({ type: 'text', trackingData: 'ask_name' })
  name(@Text() text: string, @TrackingData() state: string): void {
    this.journal.add(`name:${text}:${state}`);
  }

  @OnUnhandled()
  fallback(@Text() text: string | undefined): void {
    this.journal.add(`unhandled:${text ?? '-'}`);
  }

  @OnSubscribed()
  subscribed(@Sender('id') id: string): void {
    this.journal.add(`subscribed:${id}`);
  }

  @OnUnsubscribed()
  unsubscribed(@Sender() id: string): void {
    this.journal.add(`unsubscribed:${id}`);
  }

  @OnDelivered()
  @OnSeen()
  receipt(@Event() callback: ViberCallback, @Sender() id: string): void {
    this.journal.add(`${callback.event}:${id}`);
  }

  @OnFailed()
  failed(@Event() callback: ViberCallback & { desc?: string }): void {
    this.journal.add(`failed:${callback.desc}`);
  }

  @OnWebhook()
  webhook(): void {
    this.journal.add('webhook');
  }
}

class UpperCasePipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    return String(value).toUpperCase();
  }
}

@Injectable()
class DenyWordGuard implements CanActivate {
  constructor(private readonly journal: Journal) {}
  canActivate(context: ExecutionContext): boolean {
    const ctx = context.getArgByIndex<ViberContext>(0);
    this.journal.add(`guard:${context.getType()}:${ctx.text}`);
    return ctx.text !== 'enhanced deny';
  }
}

@Injectable()
class JournalInterceptor implements NestInterceptor {
  constructor(private readonly journal: Journal) {}
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.journal.add(`interceptor:before:${context.getType()}`);
    return next
      .handle()
      .pipe(tap((value) => this.journal.add(`interceptor:after:${String(value)}`)));
  }
}

@Catch()
class JournalFilter implements ExceptionFilter {
  static readonly seen: string[] = [];
  catch(exception: Error, host: ArgumentsHost): void {
    const ctx = host.getArgByIndex<ViberContext>(0);
    JournalFilter.seen.push(`filter:${host.getType()}:${ctx.botName}:${exception.message}`);
  }
}

@Injectable()
class EnhancedHandlers {
  constructor(private readonly journal: Journal) {}

  @OnMessage({ type: 'text', text: /^enhanced/ })
  @UseGuards(DenyWordGuard)
  @UseInterceptors(JournalInterceptor)
  @UsePipes(UpperCasePipe)
  enhanced(@Text() text: string): string {
    this.journal.add(`handler:${text}`);
    return text;
  }

  @OnText('boom')
  @UseFilters(JournalFilter)
  boomFiltered(): void {
    throw new Error('filtered boom');
  }

  @OnText('crash')
  crash(): void {
    this.journal.add('crash');
    throw new Error('unfiltered crash');
  }

  @OnText('slow')
  async slow(): Promise<void> {
    await sleep(600);
    this.journal.add('slow:done');
  }
}

/** A global guard written for HTTP that lets Viber handlers through with isViberContext. */
@Injectable()
class GlobalGuard implements CanActivate {
  constructor(private readonly journal: Journal) {}
  canActivate(context: ExecutionContext): boolean {
    if (!isViberContext(context)) return true;
    const ctx = context.getArgByIndex<ViberContext>(0);
    this.journal.add(`global:${ctx.event}`);
    return ctx.text !== 'blocked';
  }
}

function viberImports(apiUrl: string, handling = {}) {
  return [ViberModule.forRoot({ token: TEST_TOKEN, apiUrl, sender: { name: 'Shop' }, handling })];
}

describe.each(PLATFORMS)('routing on %s', (platform) => {
  let api: RecordingApiServer;
  let running: RunningApp;
  let journal: Journal;
  let webhook: string;
  const post = (body: string) => postSigned(webhook, body, TEST_TOKEN);

  beforeAll(async () => {
    api = await RecordingApiServer.start();
    running = await startApp(platform, {
      imports: viberImports(api.url, { deadlineMs: 300 }),
      providers: [
        Journal,
        ShopHandlers,
        EnhancedHandlers,
        { provide: APP_GUARD, useClass: GlobalGuard },
      ],
    });
    journal = running.app.get(Journal);
    webhook = `${running.url}/viber/webhook`;
  });
  afterAll(async () => {
    await running.app.close();
    await api.close();
  });
  beforeEach(() => {
    journal.clear();
    api.reset();
    JournalFilter.seen.length = 0;
  });

  const routed = (entries: string[]): string[] => entries.filter((e) => !e.startsWith('global:'));

  it.each([
    ['price apple', textMessage('alice', 'price apple'), ['price:apple']],
    ['a buy/42 tap', textMessage('alice', 'buy/42'), ['buy:42:{"sku":"42"}']],
    [
      'a picture',
      message('alice', { type: 'picture', media: 'https://e.com/p.jpg', text: '' }),
      ['picture:picture:https://e.com/p.jpg'],
    ],
    [
      'a location',
      message('alice', { type: 'location', location: { lat: 1, lon: 2 } }),
      ['place:location'],
    ],
    [
      'a contact',
      message('alice', { type: 'contact', contact: { name: 'A', phone_number: '+1' } }),
      ['place:contact'],
    ],
    [
      'text in a state',
      textMessage('alice', 'Bob', undefined, { tracking_data: 'ask_name' }),
      ['name:Bob:ask_name'],
    ],
    ['unmatched text', textMessage('alice', 'what?'), ['unhandled:what?']],
    [
      'a sticker (unmatched)',
      message('alice', { type: 'sticker', sticker_id: 40129 }),
      ['unhandled:-'],
    ],
    ['subscribed', subscribed('alice'), ['subscribed:alice']],
    ['unsubscribed', userIdEvent('unsubscribed', 'alice'), ['unsubscribed:alice']],
    ['delivered', userIdEvent('delivered', 'alice'), ['delivered:alice']],
    ['seen', userIdEvent('seen', 'alice'), ['seen:alice']],
    ['failed', userIdEvent('failed', 'alice'), ['failed:validation failed']],
    ['webhook', webhookCheck(), ['webhook']],
  ])('%s reaches exactly its handlers', async (_name, body, expected) => {
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(routed(journal.entries)).toEqual(expected);
  });

  it('a handler returning a message sends exactly one send_message to the sender', async () => {
    await post(textMessage('alice', 'price apple'));
    expect(api.to('send_message').map((r) => r.body)).toEqual([
      { type: 'text', text: 'apple costs 3 EUR', sender: { name: 'Shop' }, receiver: 'alice' },
    ]);
  });

  it('a conversation_started handler answers with the welcome message in the HTTP body', async () => {
    const res = await post(conversationStarted('zoe'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      type: 'text',
      text: 'Hi User zoe!',
      tracking_data: 'welcomed:zoe',
      sender: { name: 'Shop' },
    });
    expect(api.requests).toHaveLength(0);
  });

  it('200 concurrent conversation_started callbacks each get their own welcome', async () => {
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const answers = await Promise.all(users.map((id) => post(conversationStarted(id))));
    answers.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({
        text: `Hi User ${users[i]}!`,
        tracking_data: `welcomed:${users[i]}`,
      });
    });
    expect(api.requests).toHaveLength(0);
  }, 30_000); // 200 requests at once: room for a busy machine

  it('the same message callback sent 3 times concurrently runs its handler once', async () => {
    const token = nextToken();
    const body = textMessage('alice', 'price pear', token);
    const answers = await Promise.all([post(body), post(body), post(body)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(routed(journal.entries)).toEqual(['price:pear']);
    expect(api.to('send_message')).toHaveLength(1);
  });

  it('runs guards, interceptors and pipes applied with @Use*, with context type viber', async () => {
    await post(textMessage('alice', 'enhanced hello'));
    expect(journal.entries).toEqual([
      'global:message',
      'guard:viber:enhanced hello',
      'interceptor:before:viber',
      'handler:ENHANCED HELLO',
      'interceptor:after:ENHANCED HELLO',
    ]);
    expect(api.to('send_message').map((r) => (r.body as { text: string }).text)).toEqual([
      'ENHANCED HELLO',
    ]);
  });

  it('a denying guard skips its handler, the fallback runs, and the callback is answered 200', async () => {
    const res = await post(textMessage('alice', 'enhanced deny'));
    expect(res.status).toBe(200);
    // The denied handler did not run; no other handler matched, so the fallback ran.
    expect(journal.entries).toEqual([
      'global:message',
      'guard:viber:enhanced deny',
      'global:message',
      'unhandled:enhanced deny',
    ]);
    expect(api.requests).toHaveLength(0);
  });

  it('a global APP_GUARD runs for Viber handlers and can deny them', async () => {
    const res = await post(textMessage('alice', 'blocked'));
    expect(res.status).toBe(200);
    // The fallback ran through the global guard, which denied it.
    expect(journal.entries).toEqual(['global:message']);
  });

  it('passes a handler error to its exception filter, and answers 200', async () => {
    const res = await post(textMessage('alice', 'boom'));
    expect(res.status).toBe(200);
    expect(JournalFilter.seen).toEqual(['filter:viber:default:filtered boom']);
  });

  it('answers 200 when a handler throws without a filter (Viber would re-send anything else)', async () => {
    const res = await post(textMessage('alice', 'crash'));
    expect(res.status).toBe(200);
    expect(routed(journal.entries)).toEqual(['crash']);
  });

  it('answers at the deadline and lets a slow handler finish in the background', async () => {
    const res = await post(textMessage('alice', 'slow'));
    expect(res.status).toBe(200);
    expect(routed(journal.entries)).toEqual([]);
    await waitFor(() => journal.entries.includes('slow:done'));
  });
});

describe('errorStatus: a failing handler can make Viber re-send', () => {
  it('answers the configured status and handles the re-delivery again', async () => {
    const api = await RecordingApiServer.start();
    const running = await startApp('express', {
      imports: viberImports(api.url, { errorStatus: 500 }),
      providers: [Journal, EnhancedHandlers],
    });
    try {
      const body = textMessage('alice', 'crash', nextToken());
      const url = `${running.url}/viber/webhook`;
      expect((await postSigned(url, body, TEST_TOKEN)).status).toBe(500);
      expect((await postSigned(url, body, TEST_TOKEN)).status).toBe(500);
      expect(running.app.get(Journal).entries).toEqual(['crash', 'crash']);
    } finally {
      await running.app.close();
      await api.close();
    }
  });
});

describe('provider kinds and scopes', () => {
  @Injectable()
  class ValueHandlers {
    readonly hits: string[] = [];
    @OnText('value')
    hit(): void {
      this.hits.push('value');
    }
  }

  let requestInstances = 0;
  @Injectable({ scope: Scope.REQUEST })
  class RequestScopedHandlers {
    private readonly instance = ++requestInstances;
    constructor(
      @Inject(REQUEST) private readonly request: ViberContext,
      private readonly journal: Journal,
    ) {}
    @OnText('scoped')
    hit(@Ctx() ctx: ViberContext): void {
      this.journal.add(
        `request:${this.instance}:${this.request === ctx || Object.getPrototypeOf(ctx) === this.request}`,
      );
    }
  }

  let transientInstances = 0;
  @Injectable({ scope: Scope.TRANSIENT })
  class TransientHandlers {
    private readonly instance = ++transientInstances;
    constructor(private readonly journal: Journal) {}
    @OnText('transient')
    hit(): void {
      this.journal.add(`transient:${this.instance}`);
    }
  }

  it.each(PLATFORMS)(
    'routes useValue, useFactory, request-scoped and transient providers; aliases once (%s)',
    async (platform) => {
      requestInstances = 0;
      transientInstances = 0;
      const value = new ValueHandlers();
      const api = await RecordingApiServer.start();
      const running = await startApp(platform, {
        imports: viberImports(api.url),
        providers: [
          Journal,
          ShopHandlers,
          { provide: 'SHOP_ALIAS', useExisting: ShopHandlers },
          { provide: 'VALUE', useValue: value },
          { provide: 'FACTORY', useFactory: () => value },
          RequestScopedHandlers,
          TransientHandlers,
        ],
      });
      try {
        const url = `${running.url}/viber/webhook`;
        const journal = running.app.get(Journal);
        await postSigned(url, textMessage('a', 'price kiwi'), TEST_TOKEN);
        await postSigned(url, textMessage('a', 'value'), TEST_TOKEN);
        await postSigned(url, textMessage('a', 'scoped'), TEST_TOKEN);
        await postSigned(url, textMessage('a', 'scoped'), TEST_TOKEN);
        await postSigned(url, textMessage('a', 'transient'), TEST_TOKEN);
        await postSigned(url, textMessage('a', 'transient'), TEST_TOKEN);
        expect(value.hits).toEqual(['value']);
        expect(journal.entries).toEqual([
          'price:kiwi',
          `request:${requestInstances - 1}:true`,
          `request:${requestInstances}:true`,
          `transient:${transientInstances - 1}`,
          `transient:${transientInstances}`,
        ]);
        expect(requestInstances).toBeGreaterThanOrEqual(2);
      } finally {
        await running.app.close();
        await api.close();
      }
    },
  );
});

describe('several bots', () => {
  const tokenA = 'aaaaaaaaaaaaaaaa-aaaaaaaaaaaaaaaa-aaaaaaaaaaaaaaaa';
  const tokenB = 'bbbbbbbbbbbbbbbb-bbbbbbbbbbbbbbbb-bbbbbbbbbbbbbbbb';

  @Injectable()
  class BotHandlers {
    constructor(private readonly journal: Journal) {}
    @OnMessage({ bot: 'a' })
    onlyA(@Ctx() ctx: ViberContext): void {
      this.journal.add(`a-only:${ctx.botName}:${ctx.text}`);
    }
    @OnMessage({ bot: ['b'] })
    onlyB(@Ctx() ctx: ViberContext): void {
      this.journal.add(`b-only:${ctx.botName}:${ctx.text}`);
    }
    @OnSubscribed()
    everyBot(@Ctx() ctx: ViberContext): void {
      this.journal.add(`any:${ctx.botName}`);
    }
  }

  @Injectable()
  class IncludedHandlers {
    constructor(private readonly journal: Journal) {}
    @OnText('included')
    hit(@Ctx() ctx: ViberContext): void {
      this.journal.add(`included:${ctx.botName}`);
    }
  }
  @Module({ providers: [IncludedHandlers] })
  class IncludedModule {}
  @Global()
  @Module({ providers: [Journal], exports: [Journal] })
  class JournalModule {}

  it.each(PLATFORMS)('scopes handlers by bot name and by include (%s)', async (platform) => {
    const api = await RecordingApiServer.start();
    const running = await startApp(platform, {
      imports: [
        ViberModule.forRoot({ name: 'a', token: tokenA, apiUrl: api.url, webhook: { path: '/a' } }),
        ViberModule.forRoot({
          name: 'b',
          token: tokenB,
          apiUrl: api.url,
          webhook: { path: '/b' },
          include: [IncludedModule],
        }),
        IncludedModule,
        JournalModule,
      ],
      providers: [BotHandlers],
    });
    try {
      const journal = running.app.get(Journal);
      await postSigned(`${running.url}/a`, textMessage('u', 'to a'), tokenA);
      await postSigned(`${running.url}/b`, textMessage('u', 'to b'), tokenB);
      await postSigned(`${running.url}/a`, subscribed('u'), tokenA);
      await postSigned(`${running.url}/b`, subscribed('u'), tokenB);
      await postSigned(`${running.url}/a`, textMessage('u', 'included'), tokenA);
      await postSigned(`${running.url}/b`, textMessage('u', 'included'), tokenB);
      expect(journal.entries).toEqual([
        'a-only:a:to a',
        // Bot b only scans IncludedModule: BotHandlers (in the root module) are not its handlers.
        'any:a',
        'a-only:a:included',
        'included:a',
        'included:b',
      ]);
    } finally {
      await running.app.close();
      await api.close();
    }
  });
});
