import { InvalidArgumentError, type Command } from 'commander';
import { CliContext, type CliIo, type GlobalOptions } from '../cli.context';
import type { ExitCode } from '../exit-codes';

/** What the running command left behind: its context (for error reporting) and exit code. */
export interface CliRunState {
  ctx?: CliContext;
  exitCode?: ExitCode;
}

/** Registers commands on the program. */
export interface CommandKit {
  io: CliIo;
  /**
   * Wraps a command's handler as a commander action: builds the {@link CliContext} from the
   * global options and records the exit code. The handler gets the context, then the positional
   * arguments and the command's options, as commander passes them.
   */
  action<A extends unknown[]>(
    handler: (ctx: CliContext, ...args: A) => Promise<ExitCode>,
  ): (...args: unknown[]) => Promise<void>;
}

/** Builds the {@link CommandKit} of one run. */
export function commandKit(io: CliIo, state: CliRunState): CommandKit {
  return {
    io,
    action:
      (handler) =>
      async (...args: unknown[]) => {
        const command = args[args.length - 1] as Command;
        const ctx = new CliContext(command.optsWithGlobals<GlobalOptions>(), io);
        state.ctx = ctx;
        state.exitCode = await handler(ctx, ...(args.slice(0, -1) as never));
      },
  };
}

/** Parses a positive integer option (`--timeout 5000`, `--concurrency 4`). */
export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new InvalidArgumentError('must be a positive whole number.');
  }
  return parsed;
}

/** Parses a port (0 for any free port). */
export function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new InvalidArgumentError('must be a port number (0 for any free port).');
  }
  return parsed;
}

/** Formats a help section of examples. */
export function examples(
  lines: ReadonlyArray<readonly [command: string, comment?: string]>,
): string {
  return `\nExamples:\n${lines
    .map(([command, comment]) => (comment ? `  # ${comment}\n  $ ${command}` : `  $ ${command}`))
    .join('\n')}\n`;
}
