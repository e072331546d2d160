/**
 * A bot process for the flood test: the server alone in its process, so its event-loop delay is
 * measured without the test's own client work. Platform from argv[2] (`express` | `fastify`).
 * Prints `listening <port>`; on a `report` line on stdin, prints
 * `report <max event-loop delay in ms> <handled callbacks>`; logs go to stdout as `log <line>`.
 */
import 'reflect-metadata';
import { Injectable, Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { OnMessage, ViberModule } from 'nestjs-viber';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Prints every log line, one per stdout line. */
class LineLogger implements LoggerService {
  log(message: unknown): void {
    say(`log LOG ${String(message)}`);
  }
  error(message: unknown, trace?: unknown): void {
    say(
      `log ERROR ${String(message)} ${trace === undefined ? '' : String(trace)}`.replace(
        /\n/g,
        ' | ',
      ),
    );
  }
  warn(message: unknown): void {
    say(`log WARN ${String(message)}`);
  }
  debug(message: unknown): void {
    say(`log DEBUG ${String(message)}`);
  }
  verbose(message: unknown): void {
    say(`log VERBOSE ${String(message)}`);
  }
}

@Injectable()
class Counter {
  handled = 0;
  @OnMessage()
  count(): void {
    this.handled++;
  }
}

@Module({
  imports: [
    ViberModule.forRoot({ token: process.env.VIBER_TOKEN ?? '', apiUrl: 'http://127.0.0.1:9/pa' }),
  ],
  providers: [Counter],
})
class FloodTargetModule {}

async function main(): Promise<void> {
  const platform = process.argv[2];
  const logger = new LineLogger();
  const app =
    platform === 'fastify'
      ? await NestFactory.create(FloodTargetModule, new FastifyAdapter(), { logger })
      : await NestFactory.create(FloodTargetModule, { logger });
  await app.listen(0, '127.0.0.1');
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let gcMax = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMax = Math.max(gcMax, entry.duration);
  }).observe({ entryTypes: ['gc'] });
  const { port } = app.getHttpServer().address() as { port: number };
  say(`listening ${port}`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'reset') {
      delay.reset();
      gcMax = 0;
    }
    if (line === 'report')
      say(
        `report ${(delay.max / 1e6).toFixed(1)} ${app.get(Counter).handled} gc=${gcMax.toFixed(1)}`,
      );
    if (line === 'exit') void app.close().then(() => process.exit(0));
  });
}

void main();
