/**
 * Consumer check of the packed `nestjs-viber` in a Nest 12 ESM app (`"type": "module"`) on
 * Fastify: starts the emulator and the app on free ports, lets the library register its webhook
 * through the emulator's `set_webhook`, then a simulated user opens the chat and writes; the
 * signed callbacks are routed to the handlers below and their replies come back through the
 * emulator. It also checks the interop the CommonJS package relies on: every export is a named
 * ESM export, and the package's `require('@nestjs/common')` is the app's ESM Nest instance.
 * Exit code 0 when every check passed, 1 otherwise.
 */
import 'reflect-metadata';
import * as nestCommon from '@nestjs/common';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import * as viber from 'nestjs-viber';
import {
  OnConversationStarted,
  OnText,
  OnUnhandled,
  Sender,
  Text,
  ViberClient,
  ViberModule,
  textMessage,
  type ViberUser,
} from 'nestjs-viber';
import * as viberTesting from 'nestjs-viber/testing';
import { ViberEmulator } from 'nestjs-viber/testing';

const PLATFORM = 'Nest 12 ESM (Fastify)';
const require = createRequire(import.meta.url);

@Injectable()
class ConsumerHandlers {
  // Injected by class: the app's `ViberClient` and the module's provider must be one class.
  constructor(readonly client: ViberClient) {}

  @OnConversationStarted()
  welcome(@Sender() user: ViberUser) {
    return textMessage(`Welcome, ${user.name}!`);
  }

  @OnText('hi')
  hello(@Sender('name') name: string) {
    return `Hello ${name}, from ${PLATFORM}`;
  }

  @OnUnhandled()
  echo(@Text() text: string) {
    return `You said: ${text}`;
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
  console.log(`  ok - ${message}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Checks that every export of a CommonJS entry point is a named export of its ESM namespace. */
function checkNamedExports(specifier: string, namespace: object): void {
  const exported = Object.keys(require(specifier) as object);
  const missing = exported.filter((name) => !(name in namespace));
  check(
    exported.length > 0 && missing.length === 0,
    `all ${exported.length} exports of ${specifier} are named ESM exports` +
      (missing.length > 0 ? ` (missing: ${missing.join(', ')})` : ''),
  );
}

async function main(): Promise<void> {
  console.log(`consumer: ${PLATFORM}, Node ${process.version}`);

  // The CommonJS build seen from ESM: Node's cjs-module-lexer must find every export (tsc's
  // `__exportStar` re-exports included), and `import` and `require` must share one instance.
  checkNamedExports('nestjs-viber', viber);
  checkNamedExports('nestjs-viber/testing', viberTesting);
  check(
    (require('nestjs-viber') as typeof viber).ViberModule === ViberModule,
    'import and require of nestjs-viber give one copy of the library',
  );
  const libraryEntry = require.resolve('nestjs-viber');
  check(
    createRequire(require.resolve('nestjs-viber/testing')).resolve('nestjs-viber') === libraryEntry,
    'nestjs-viber/testing resolves nestjs-viber to the same file as the app',
  );
  // The package's require() of the ESM-only Nest 12 (Node >= 20.19) yields the app's instance.
  check(
    createRequire(libraryEntry)('@nestjs/common') === nestCommon,
    "the library's require('@nestjs/common') is the app's ESM @nestjs/common",
  );

  const emulator = await ViberEmulator.start({ retrySchedule: [] });
  let app: INestApplication | undefined;
  try {
    const port = await freePort();
    const webhookUrl = `http://127.0.0.1:${port}/viber/webhook`;

    @Module({
      imports: [
        ViberModule.forRoot({
          token: emulator.token,
          apiUrl: emulator.url,
          sender: { name: 'Consumer Bot' },
          webhook: {
            path: '/viber/webhook',
            url: webhookUrl,
            sendName: true,
            onSetWebhookError: 'throw',
          },
        }),
      ],
      providers: [ConsumerHandlers],
    })
    class AppModule {}

    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
      rawBody: true,
      logger: ['error', 'warn'],
    });
    await app.listen(port, '127.0.0.1');
    check(app.get(ConsumerHandlers).client instanceof ViberClient, 'ViberClient injected by class');

    await waitUntil(() => emulator.webhook?.url === webhookUrl, 'set_webhook');
    check(true, `set_webhook registered ${webhookUrl} with the emulator`);

    const alice = emulator.user({ id: 'alice-id', name: 'Alice' });
    const welcome = await alice.openConversation();
    check(
      welcome?.message.type === 'text' && welcome.message.text === 'Welcome, Alice!',
      `conversation_started answered with the welcome message (${JSON.stringify(welcome?.message)})`,
    );

    const hello = await alice.send('hi');
    check(
      hello.length === 1 &&
        hello[0]!.message.type === 'text' &&
        hello[0]!.message.text === `Hello Alice, from ${PLATFORM}` &&
        hello[0]!.message.sender?.name === 'Consumer Bot',
      `@OnText('hi') replied through send_message (${JSON.stringify(hello.map((m) => m.message))})`,
    );

    const echo = await alice.send('anything else');
    check(
      echo.length === 1 && echo[0]!.message.type === 'text'
        ? echo[0]!.message.text === 'You said: anything else'
        : false,
      `@OnUnhandled() replied (${JSON.stringify(echo.map((m) => m.message))})`,
    );

    const forged = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-viber-content-signature': 'f'.repeat(64) },
      body: JSON.stringify({ event: 'webhook', timestamp: Date.now(), message_token: 1 }),
    });
    check(forged.status === 403, `a callback with a wrong signature is refused (${forged.status})`);

    // The chat page's browser script is a file the package ships next to the compiled code.
    const chat = await fetch(emulator.chatUrl);
    const html = await chat.text();
    check(
      chat.status === 200 && html.includes('new EventSource('),
      `the emulator serves its chat page with the browser script (${chat.status}, ${html.length} chars)`,
    );
  } finally {
    await app?.close();
    await emulator.close();
  }
  console.log(`consumer: ${PLATFORM}: all checks passed`);
}

const timer = setTimeout(() => {
  console.error('consumer: timed out after 60 s');
  process.exit(1);
}, 60_000);
timer.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`consumer: ${PLATFORM}: FAILED:`, error);
    process.exit(1);
  },
);
