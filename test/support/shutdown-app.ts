/**
 * A bot process for the graceful-shutdown test: slow handlers, shutdown hooks on SIGTERM.
 * Prints `listening <port>`, `started` per handler, `shutting-down`, then `done <n>`.
 */
import 'reflect-metadata';
import {
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnText, ViberModule } from 'nestjs-viber';

const TOKEN = process.env.VIBER_TOKEN ?? '';
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

@Injectable()
class SlowHandlers implements BeforeApplicationShutdown, OnApplicationShutdown {
  private done = 0;

  @OnText(/^slow/)
  async slow(): Promise<void> {
    say('started');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    this.done++;
  }

  @OnText('after')
  after(): void {
    say('after-handled');
  }

  beforeApplicationShutdown(): void {
    say('shutting-down');
  }

  onApplicationShutdown(): void {
    say(`done ${this.done}`);
  }
}

@Module({
  imports: [
    ViberModule.forRoot({
      token: TOKEN,
      apiUrl: process.env.VIBER_API_URL,
      handling: { deadlineMs: 10_000, shutdownTimeoutMs: 10_000 },
    }),
  ],
  providers: [SlowHandlers],
})
class ShutdownAppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(ShutdownAppModule, { rawBody: true, logger: false });
  app.enableShutdownHooks(['SIGTERM'], { useProcessExit: true });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  say(`listening ${address.port}`);
}

void main();
