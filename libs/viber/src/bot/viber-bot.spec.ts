/**
 * Dispatch without HTTP: which handlers run for a callback, what the webhook answers, dedupe,
 * the deadline, the welcome message, and what a guard's denial does.
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
  OnConversationStarted,
  OnMessage,
  OnText,
  OnUnhandled,
  Text,
  ViberModule,
  type ViberModuleOptions,
} from 'nestjs-viber';
import { ViberBot, getViberBotToken } from 'nestjs-viber/internal';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
let sequence = 0;
const token = (): string => String(5000000000000000000n + BigInt(++sequence));

function text(value: string, messageToken = token()): Buffer {
  return Buffer.from(
    `{"event":"message","timestamp":1,"message_token":${messageToken},"sender":{"id":"u1","name":"U"},"message":{"type":"text","text":${JSON.stringify(value)}}}`,
  );
}
function opened(): Buffer {
  return Buffer.from(
    `{"event":"conversation_started","timestamp":1,"message_token":${token()},"type":"open","user":{"id":"u1","name":"U"},"subscribed":false}`,
  );
}

const ran: string[] = [];

@Injectable()
class DenyAll implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Injectable()
class Handlers {
  @OnText('first')
  first(): void {
    ran.push('first');
  }
  @OnMessage({ type: 'text', text: /^fir/ })
  second(): void {
    ran.push('second');
  }
  @OnText('guarded')
  @UseGuards(DenyAll)
  guarded(): void {
    ran.push('guarded');
  }
  @OnText('boom')
  boom(): void {
    throw new Error('handler failed');
  }
  @OnText('slow')
  async slow(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    ran.push('slow done');
  }
  @OnUnhandled()
  fallback(@Text() value: string): void {
    ran.push(`unhandled:${value}`);
  }
  @OnConversationStarted()
  welcome(): { type: 'text'; text: string } {
    return { type: 'text', text: 'Welcome!' };
  }
}

async function botWith(
  options: Partial<ViberModuleOptions> = {},
): Promise<{ bot: ViberBot; moduleRef: TestingModule }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ViberModule.forRoot({
        token: TOKEN,
        apiUrl: 'http://127.0.0.1:9/pa',
        sender: { name: 'Bot' },
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

describe('ViberBot dispatch', () => {
  let warnings: string[];
  let debugs: string[];
  beforeEach(() => {
    ran.length = 0;
    warnings = [];
    debugs = [];
    jest
      .spyOn(Logger.prototype, 'warn')
      .mockImplementation((m: unknown) => void warnings.push(String(m)));
    jest
      .spyOn(Logger.prototype, 'debug')
      .mockImplementation((m: unknown) => void debugs.push(String(m)));
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('runs every matching handler in order, and the fallback only when none ran', async () => {
    const { bot, moduleRef } = await botWith();
    expect(await bot.receive(text('first'))).toEqual({ status: 200 });
    expect(ran).toEqual(['first', 'second']);
    ran.length = 0;
    await bot.receive(text('anything'));
    expect(ran).toEqual(['unhandled:anything']);
    await moduleRef.close();
  });

  it('a handler its guard denies is skipped, said once at warn level, and the fallback runs', async () => {
    const { bot, moduleRef } = await botWith();
    await bot.receive(text('guarded'));
    await bot.receive(text('guarded'));
    expect(ran).toEqual(['unhandled:guarded', 'unhandled:guarded']);
    const denials = warnings.filter((w) => w.startsWith('Handlers.guarded skipped'));
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatch(
      /^Handlers\.guarded skipped: a guard denied message \d+ \(said once per handler; later denials at debug level\)\. A global HTTP guard\? Let Viber handlers through with isViberContext\(context\), or webhook\.routeMetadata \(see the README, "Global guards"\)\.$/,
    );
    expect(debugs.filter((d) => d.startsWith('Handlers.guarded skipped'))).toHaveLength(1);
    await moduleRef.close();
  });

  it('a re-sent callback (same message_token) runs its handlers once', async () => {
    const { bot, moduleRef } = await botWith();
    const same = token();
    await Promise.all([bot.receive(text('first', same)), bot.receive(text('first', same))]);
    await bot.receive(text('first', same));
    expect(ran).toEqual(['first', 'second']);
    await moduleRef.close();
  });

  it('a throwing handler answers 200 by default, and handling.errorStatus otherwise (then a re-send is handled again)', async () => {
    const plain = await botWith();
    expect(await plain.bot.receive(text('boom'))).toEqual({ status: 200 });
    await plain.moduleRef.close();
    const strict = await botWith({ handling: { errorStatus: 500 } });
    const same = token();
    expect(await strict.bot.receive(text('boom', same))).toEqual({ status: 500 });
    expect(await strict.bot.receive(text('boom', same))).toEqual({ status: 500 });
    await strict.moduleRef.close();
  });

  it('answers at the deadline and lets slow handlers finish in the background', async () => {
    const { bot, moduleRef } = await botWith({ handling: { deadlineMs: 50 } });
    expect(await bot.receive(text('slow'))).toEqual({ status: 200 });
    expect(ran).toEqual([]);
    expect(bot.pending).toBe(1);
    await bot.drain(2000);
    expect(ran).toEqual(['slow done']);
    await moduleRef.close();
  });

  it('conversation_started: the returned message is the welcome message of that answer, with the sender', async () => {
    const { bot, moduleRef } = await botWith();
    expect(await bot.receive(opened())).toEqual({
      status: 200,
      body: { type: 'text', text: 'Welcome!', sender: { name: 'Bot' } },
    });
    await moduleRef.close();
  });
});
