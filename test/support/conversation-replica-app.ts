/**
 * A bot replica for the conversation tests on one Redis (`RedisSessionStore`), in its own process.
 *
 * - `APP=counter` (default): `n<i>` callbacks append `n<i>` to `session.seen` and count in
 *   `session.count`; `hold` never finishes (prints `holding`); `after` prints `after` and sets
 *   `session.after`. Each callback's place in its user's Redis line is printed when it is taken:
 *   `arrival <text> <n>` (n: the user's arrival number in Redis).
 * - `APP=demo`: the demo bot (`src/`) with its order wizard, against the emulator at
 *   `VIBER_API_URL` with `VIBER_TOKEN`, registering `http://127.0.0.1:<PORT>/viber/webhook`.
 *
 * Env: `REDIS_URL`, `PORT` (default 0), `LEASE_MS`. Prints `listening <port>` once it listens.
 */
import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import {
  OnText,
  RedisSessionStore,
  Session,
  Text,
  ViberModule,
  type ViberCallback,
  type ViberRedisSessionClient,
  type ViberSessionData,
} from 'nestjs-viber';
import { ViberBot, getViberBotToken } from 'nestjs-viber/internal';
import { AppModule } from '../../src/app.module';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

@Injectable()
class CounterHandlers {
  @OnText(/^n\d+$/)
  async count(@Text() text: string, @Session() session: ViberSessionData): Promise<void> {
    const before = (session.count as number | undefined) ?? 0;
    await new Promise((resolve) => setImmediate(resolve));
    session.count = before + 1;
    session.seen = [...((session.seen as string[] | undefined) ?? []), text];
  }

  @OnText('hold')
  async hold(): Promise<void> {
    say('holding');
    await new Promise<never>(() => undefined);
  }

  @OnText('after')
  after(@Session() session: ViberSessionData): void {
    session.after = true;
    say('after');
  }
}

/** The text of the callback being taken in by `dispatch` (its place is enqueued synchronously). */
let arriving: string | undefined;

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL!);
  // The store's only command, watched: the place-taking script reports the arrival number.
  const client: ViberRedisSessionClient = {
    eval: (script, numKeys, ...args) => {
      const text = arriving;
      const answer = redis.eval(script, numKeys, ...args);
      if (text !== undefined && script.includes("'RPUSH'")) {
        void answer.then((n) => say(`arrival ${text} ${String(n)}`));
      }
      return answer;
    },
  };
  const store = new RedisSessionStore(client, { pollMs: 5 });
  const leaseMs = Number(process.env.LEASE_MS ?? 5000);
  const port = Number(process.env.PORT ?? 0);
  let root: DynamicModule;
  if (process.env.APP === 'demo') {
    root = AppModule.register({
      token: process.env.VIBER_TOKEN!,
      apiUrl: process.env.VIBER_API_URL,
      webhookUrl: `http://127.0.0.1:${port}/viber/webhook`,
      conversations: { store, leaseMs },
    });
  } else {
    @Module({
      imports: [
        ViberModule.forRoot({
          token: process.env.VIBER_TOKEN!,
          apiUrl: 'http://127.0.0.1:9/pa',
          conversations: { store, leaseMs },
        }),
      ],
      providers: [CounterHandlers],
    })
    class CounterModule {}
    root = { module: CounterModule };
  }
  const app = await NestFactory.create(root, { logger: ['error'] });
  const bot = app.get<ViberBot>(getViberBotToken());
  const dispatch = bot.dispatch.bind(bot);
  bot.dispatch = (callback: ViberCallback) => {
    arriving = callback.event === 'message' ? callback.message.text : undefined;
    try {
      return dispatch(callback);
    } finally {
      arriving = undefined;
    }
  };
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  say(`listening ${address.port}`);
}

void main();
