import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { RedisSessionStore, type ViberConversationsOptions } from 'nestjs-viber';
import { ViberEmulator } from 'nestjs-viber/testing';
import { AppModule } from './app.module';
import { readDemoConfig, type DemoConfig } from './demo-config';

/** Conversations in Redis when REDIS_URL is set (they survive restarts), else in memory. */
async function conversationsOf(config: DemoConfig): Promise<ViberConversationsOptions> {
  if (!config.redisUrl) return {};
  // ioredis is only needed here: loaded when REDIS_URL asks for it.
  const { default: Redis } = await import('ioredis');
  return { store: new RedisSessionStore(new Redis(config.redisUrl)) };
}

/**
 * Runs the demo bot. Offline (default): an embedded Viber emulator plays the API and a chat page
 * lets you talk to the bot in a browser. With VIBER_TOKEN and VIBER_WEBHOOK_URL set: the real Viber.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Demo');
  const config = readDemoConfig();
  let emulator: ViberEmulator | undefined;
  let options;
  const conversations = await conversationsOf(config);
  if (config.mode === 'viber') {
    options = {
      token: config.token!,
      webhookUrl: config.webhookUrl,
      blockedUsers: config.blockedUsers,
      conversations,
    };
  } else {
    emulator = await ViberEmulator.start({ port: config.emulatorPort, botName: 'Demo Shop' });
    // Fields Viber would ignore silently (a misspelled key): accepted, and said here.
    emulator.on('warning', (warning) =>
      logger.warn(`Emulator: ${warning.source} ${warning.path} ${warning.message}`),
    );
    options = {
      token: emulator.token,
      apiUrl: emulator.url,
      webhookUrl: `http://127.0.0.1:${config.port}/viber/webhook`,
      blockedUsers: config.blockedUsers,
      conversations,
    };
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(options));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  // A client that stalls must not hold a connection for long (Node's default: 300 s).
  const server = app.getHttpServer();
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  if (emulator) {
    const running = emulator;
    app.getHttpServer().once('close', () => void running.close());
  }
  await app.listen(config.port, '127.0.0.1');
  if (emulator) {
    logger.log(`Offline mode: the Viber emulator runs at ${emulator.url}`);
    logger.log(`Chat with the bot in your browser: ${emulator.chatUrl}`);
  } else {
    logger.log(`Connected to Viber; webhook ${config.webhookUrl}`);
  }
}

void bootstrap();
