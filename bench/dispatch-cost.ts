/**
 * The library's own CPU per callback, without HTTP, in its own process:
 * `node … bench/dispatch-cost.ts <off|metrics|traced>`. A Nest application context with one bot
 * (one handler that does nothing) and the observability variant; `measure` runs `count` distinct
 * text-message callbacks through `bot.receive` one after the other (parse, validation, dedupe,
 * subscriber registry, the handler through Nest's pipeline, and the instrumentation) and answers
 * the process CPU time per callback. The bodies are built before the clock starts.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnMessage, ViberModule } from 'nestjs-viber';
import { getViberBotToken, type ViberBot } from 'nestjs-viber/internal';
import { BENCH_TOKEN, createTokenSequence, textMessageCallback } from './callbacks';
import { serveIpc, signalReady } from './child-process';
import { observabilityOptions, type Observability } from './observability-options';

@Injectable()
class NoopHandlers {
  @OnMessage()
  noop(): void {}
}

async function main(): Promise<void> {
  const variant = process.argv[2] as Observability;
  if (!['off', 'metrics', 'traced'].includes(variant)) {
    throw new Error(`variant must be off, metrics or traced (got ${variant})`);
  }
  @Module({
    imports: [
      ViberModule.forRoot({
        token: BENCH_TOKEN,
        sender: { name: 'Bench Bot' },
        apiUrl: 'http://127.0.0.1:9/pa',
        ...(await observabilityOptions(variant)),
      }),
    ],
    providers: [NoopHandlers],
  })
  class DispatchModule {}

  const app = await NestFactory.createApplicationContext(DispatchModule, {
    logger: ['error', 'warn'],
  });
  await app.init();
  const bot = app.get<ViberBot>(getViberBotToken());
  const nextToken = createTokenSequence(BigInt(process.pid % 1000));
  let user = 0;
  serveIpc(
    {
      measure: async (message) => {
        const count = Number(message.count);
        const bodies = Array.from({ length: count }, () =>
          Buffer.from(textMessageCallback(nextToken(), user++)),
        );
        const before = process.cpuUsage();
        for (const body of bodies) await bot.receive(body);
        const used = process.cpuUsage(before);
        return { microsPerCallback: (used.user + used.system) / count };
      },
    },
    () => app.close(),
  );
  signalReady();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
