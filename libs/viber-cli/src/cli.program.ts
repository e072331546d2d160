import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { CliContext, type CliIo } from './cli.context';
import { describeError } from './cli.errors';
import { CLI_API_URL_ENV, CLI_TOKEN_ENV } from './cli.defaults';
import { registerAccountCommands } from './commands/account.command';
import { registerBroadcastCommand } from './commands/broadcast.command';
import { commandKit, examples, positiveInteger, type CliRunState } from './commands/command-kit';
import { registerEmulatorCommand } from './commands/emulator.command';
import { registerSendCommand } from './commands/send.command';
import { registerWebhookCommands } from './commands/webhook.command';
import { EXIT_CODES, type ExitCode } from './exit-codes';

/** The package's version (from its manifest, through the package's self-reference). */
function packageVersion(): string {
  try {
    const manifest = createRequire(__filename)('nestjs-viber/package.json') as { version?: string };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0-dev';
  }
}

const ROOT_HELP =
  '\nEnvironment:\n' +
  `  ${CLI_TOKEN_ENV}     the bot's token (better than --token, which other users of the machine can see)\n` +
  `  ${CLI_API_URL_ENV}   the API base URL, e.g. the emulator's http://127.0.0.1:3001/pa\n` +
  '  NO_COLOR        no colors (colors are only used on a terminal anyway)\n' +
  '\nExit codes:\n' +
  '  0    ok\n' +
  '  1    Viber said no (a status other than 0, refused receivers), or the doctor found a problem\n' +
  '  2    usage: a wrong option, a missing token, an unreadable file, a message over the limits\n' +
  "  3    network: nothing answered, a timeout, an answer that is not Viber's\n" +
  '  70   unexpected error (a bug: please report it)\n' +
  '  130  stopped by Ctrl-C (broadcast: what was not sent is in a resume file)\n' +
  examples([
    [
      'nestjs-viber webhook doctor https://bot.example.com/viber/webhook',
      'why does set_webhook fail?',
    ],
    ['nestjs-viber account'],
    ['nestjs-viber broadcast --to subscribers.csv --text "Hello"'],
    ['nestjs-viber emulator', 'a local Viber for any bot, with a chat page'],
  ]);

/** Builds the `nestjs-viber` program for one run. */
export function buildProgram(io: CliIo, state: CliRunState): Command {
  const program = new Command('nestjs-viber');
  program
    .description(
      'Viber bots from the command line: webhook doctor, account, send, broadcast, a local emulator',
    )
    .version(packageVersion(), '-V, --version')
    .addOption(new Option('--token <token>', "the bot's token").env(CLI_TOKEN_ENV))
    .addOption(
      new Option('--api-url <url>', 'the API base URL (default: https://chatapi.viber.com/pa)').env(
        CLI_API_URL_ENV,
      ),
    )
    .option('--json', 'print the result as JSON on stdout (for scripts)')
    .option('--timeout <ms>', 'how long to wait for each answer (default 10000)', positiveInteger)
    .option('--verbose', "print the client's debug lines (requests, retries) on stderr")
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
    .addHelpText('after', ROOT_HELP);
  const kit = commandKit(io, state);
  registerWebhookCommands(program, kit);
  registerAccountCommands(program, kit);
  registerSendCommand(program, kit);
  registerBroadcastCommand(program, kit);
  registerEmulatorCommand(program, kit);
  return program;
}

/** Runs the command line with `argv` (`process.argv`); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const state: CliRunState = {};
  const program = buildProgram(io, state);
  try {
    await program.parseAsync([...argv]);
    if (state.exitCode === undefined) {
      // No subcommand: the overview.
      program.outputHelp();
      return EXIT_CODES.usage;
    }
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    const ctx = state.ctx ?? new CliContext({ json: argv.includes('--json') }, io);
    const described = describeError(error, ctx.errorContext);
    ctx.out.error(described);
    if (described.exitCode === EXIT_CODES.internal && ctx.verbose && error instanceof Error) {
      ctx.out.note(error.stack ?? '');
    }
    return described.exitCode;
  }
}
