import type { Command } from 'commander';
import type { CliContext } from '../cli.context';
import { CLI_EMULATOR_HOST, CLI_EMULATOR_PORT } from '../cli.defaults';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { renderColumns } from '../output/table';
import { examples, port, type CommandKit } from './command-kit';

/** Options of `emulator`. */
interface EmulatorOptions {
  port: number;
  host: string;
  webhook?: string;
  botName?: string;
  users?: string;
}

async function runEmulator(ctx: CliContext, options: EmulatorOptions): Promise<ExitCode> {
  // Loaded here: the other commands do not need the test kit.
  const { ViberEmulator } = await import('nestjs-viber/testing');
  const givenToken = ctx.hasToken ? ctx.requireToken() : undefined;
  const users = (options.users ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '')
    .map((id) => ({ id, subscribed: true }));
  const emulator = await ViberEmulator.start({
    port: options.port,
    host: options.host,
    token: givenToken,
    webhook: options.webhook,
    botName: options.botName,
    users,
  });
  const out = ctx.out;
  // The token is printed only when the emulator made it up: a token the user gave stays unsaid.
  const shownToken = givenToken === undefined ? emulator.token : undefined;
  out.jsonLine({
    event: 'listening',
    apiUrl: emulator.url,
    chatUrl: emulator.chatUrl,
    token: shownToken ?? null,
    tokenFrom: givenToken === undefined ? 'generated' : 'given',
    webhook: emulator.webhook?.url ?? null,
  });
  out.lines([
    out.paint('bold', `Viber emulator listening on ${emulator.origin}`),
    ...renderColumns(
      [
        ['API URL', emulator.url],
        ['Token', shownToken ?? '(the one you gave: VIBER_TOKEN / --token)'],
        ['Chat page', emulator.chatUrl],
        ['Webhook', emulator.webhook?.url ?? '(none yet: the bot sets it with set_webhook)'],
      ],
      '  ',
    ),
    '',
    'Point any bot at it: its client must use the API URL above instead of https://chatapi.viber.com/pa',
    'and the token above (nestjs-viber: ViberModule.forRoot({ token, apiUrl }); other clients: their',
    'API base URL setting). Open the chat page to talk to the bot as a Viber user.',
    ...(shownToken
      ? [
          '',
          `  export VIBER_API_URL=${emulator.url}`,
          `  export VIBER_TOKEN=${shownToken}`,
          '',
          'With these two variables set, every nestjs-viber command talks to this emulator.',
        ]
      : []),
    '',
    out.paint('dim', 'Press Ctrl-C to stop.'),
  ]);

  emulator.on('request', (request) => {
    out.jsonLine({
      event: 'request',
      endpoint: request.endpoint,
      status: request.status,
      statusMessage: request.statusMessage,
    });
    const ok = request.status === 0;
    out.line(
      `${out.paint('dim', new Date(request.timestamp).toISOString().slice(11, 23))} ← ${request.endpoint} ${
        ok
          ? out.paint('green', 'ok')
          : out.paint('red', `status ${request.status} ${request.statusMessage}`)
      }`,
    );
  });
  emulator.on('callback', (delivery, attempt) => {
    out.jsonLine({
      event: 'callback',
      callback: delivery.event,
      userId: delivery.userId ?? null,
      attempt: attempt.attempt,
      httpStatus: attempt.httpStatus ?? null,
      error: attempt.error ?? null,
      ok: attempt.ok,
    });
    const result = attempt.ok
      ? out.paint('green', `${attempt.httpStatus}`)
      : out.paint(
          'red',
          attempt.httpStatus === undefined
            ? (attempt.error ?? 'no answer')
            : `HTTP ${attempt.httpStatus}`,
        );
    out.line(
      `${out.paint('dim', new Date(attempt.timestamp).toISOString().slice(11, 23))} → ${delivery.event}${
        delivery.userId ? ` (${delivery.userId})` : ''
      }${attempt.attempt > 1 ? ` attempt ${attempt.attempt}` : ''} ${result}`,
    );
  });

  await new Promise<void>((resolve) => {
    const offs: Array<() => void> = [];
    const done = (): void => {
      for (const off of offs) off();
      resolve();
    };
    offs.push(ctx.io.onSignal('SIGINT', done), ctx.io.onSignal('SIGTERM', done));
  });
  await emulator.close();
  out.jsonLine({ event: 'closed' });
  out.line('Emulator stopped.');
  return EXIT_CODES.ok;
}

/** `emulator`. */
export function registerEmulatorCommand(program: Command, kit: CommandKit): void {
  program
    .command('emulator')
    .description(
      'run the local Viber emulator and its chat page, for any bot whose API URL can be changed (nestjs-viber or not)',
    )
    .option('--port <port>', 'port to listen on (0: any free port)', port, CLI_EMULATOR_PORT)
    .option('--host <host>', 'interface to listen on', CLI_EMULATOR_HOST)
    .option(
      '--webhook <url>',
      "the bot's webhook, registered at start (else the bot's set_webhook sets it)",
    )
    .option('--bot-name <name>', "the account's name")
    .option('--users <ids>', 'subscribed users to create, comma-separated')
    .addHelpText(
      'after',
      '\nThe emulator accepts VIBER_TOKEN / --token when given (then it is not printed), else it makes one up.\n' +
        'With --json it prints one JSON line when listening, then one per API request and callback.\n' +
        examples([
          [
            'nestjs-viber emulator',
            'API on http://127.0.0.1:3001/pa, chat page on http://127.0.0.1:3001/',
          ],
          [
            'nestjs-viber emulator --port 0 --webhook http://127.0.0.1:3000/viber/webhook --users alice,bob',
          ],
        ]),
    )
    .action(kit.action((ctx, options: EmulatorOptions) => runEmulator(ctx, options)));
}
