import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ViberEmulator } from 'nestjs-viber/testing';
import { AppModule } from './app.module';
import { readDemoConfig } from './demo-config';

/**
 * Runs the demo bot. Offline (default): an embedded Viber emulator plays the API and a chat page
 * lets you talk to the bot in a browser. With VIBER_TOKEN and VIBER_WEBHOOK_URL set: the real Viber.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Demo');
  const config = readDemoConfig();
  let emulator: ViberEmulator | undefined;
  let options;
  if (config.mode === 'viber') {
    options = {
      token: config.token!,
      webhookUrl: config.webhookUrl,
      blockedUsers: config.blockedUsers,
    };
  } else {
    emulator = await ViberEmulator.start({ port: config.emulatorPort, botName: 'Demo Shop' });
    options = {
      token: emulator.token,
      apiUrl: emulator.url,
      webhookUrl: `http://127.0.0.1:${config.port}/viber/webhook`,
      blockedUsers: config.blockedUsers,
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
  logger.log(
    `Health: http://127.0.0.1:${config.port}/health (readiness), /health/live; Prometheus metrics: /metrics`,
  );
}

void bootstrap();
