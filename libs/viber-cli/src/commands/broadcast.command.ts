import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { Option, type Command } from 'commander';
import type { ViberBroadcastResult, ViberOutgoingMessage } from 'nestjs-viber';
import {
  markResumed,
  readResumeFile,
  sortOutcome,
  statusLabel,
  writeBroadcastFiles,
  type BroadcastFiles,
  type BroadcastOutcome,
} from '../broadcast/broadcast-files';
import { createBroadcastRunner } from '../broadcast/broadcast-runner';
import { ProgressDisplay } from '../broadcast/progress-display';
import { parseReceivers } from '../broadcast/receivers-input';
import type { CliContext } from '../cli.context';
import { usageError } from '../cli.errors';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { readMessage, withSender, type SenderOptions } from '../messages/message-input';
import { renderColumns } from '../output/table';
import { examples, positiveInteger, type CommandKit } from './command-kit';
import { describeDryRunRequests } from './dry-run.report';

/** Options of `broadcast`. */
interface BroadcastOptions extends SenderOptions {
  to?: string;
  column?: string;
  text?: string;
  message?: string;
  resume?: string;
  dryRun?: boolean;
  concurrency?: number;
  out?: string;
  redis?: string;
}

/** What a broadcast sends: receivers, message, and where they came from. */
interface BroadcastInput {
  receivers: string[];
  message: ViberOutgoingMessage;
  /** Receivers of the whole broadcast (more than `receivers` when resuming). */
  total: number;
  /** The resume file this run continues. */
  resumeFile?: string;
}

/** `broadcast-2026-01-31T12-00-00Z` in the working directory (or next to it when taken). */
function defaultPrefix(cwd: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  let prefix = join(cwd, `broadcast-${stamp}`);
  for (
    let n = 2;
    ['.resume.json', '.uncertain.csv', '.failed.csv'].some((s) => existsSync(prefix + s));
    n++
  ) {
    prefix = join(cwd, `broadcast-${stamp}-${n}`);
  }
  return prefix;
}

async function readInput(
  ctx: CliContext,
  options: BroadcastOptions,
  readStdin: () => Promise<string>,
): Promise<BroadcastInput> {
  if (options.resume !== undefined) {
    const conflicting = (
      ['to', 'text', 'message', 'sender', 'senderAvatar', 'column'] as const
    ).filter((name) => options[name] !== undefined);
    if (conflicting.length > 0) {
      throw usageError(
        `--resume continues a stopped broadcast with its own receivers and message: leave out ${conflicting
          .map((name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
          .join(', ')}.`,
      );
    }
    const file = await readResumeFile(options.resume);
    if (file.apiUrl !== ctx.apiUrl) {
      ctx.out.warn(`the stopped broadcast went to ${file.apiUrl}; this run goes to ${ctx.apiUrl}.`);
    }
    return {
      receivers: file.receivers,
      message: file.message,
      total: file.total,
      resumeFile: options.resume,
    };
  }
  if (options.to === undefined) {
    throw usageError(
      'No receivers: give --to ids.csv (or --to - to read them from stdin), or --resume <file>.',
    );
  }
  if (options.to === '-' && options.message === '-') {
    throw usageError('Standard input can carry the receivers or the message, not both.');
  }
  let text: string;
  try {
    text = options.to === '-' ? await readStdin() : await readFile(options.to, 'utf8');
  } catch (error) {
    throw usageError(`Cannot read the receivers file ${options.to}: ${(error as Error).message}`);
  }
  let list;
  try {
    list = parseReceivers(text, options.column);
  } catch (error) {
    throw usageError(`${options.to}: ${(error as Error).message}`);
  }
  if (list.duplicates > 0) {
    ctx.out.warn(
      `${plural(list.duplicates, 'repeated receiver')} in ${options.to}: each is sent once.`,
    );
  }
  if (list.blank > 0) {
    ctx.out.warn(`${plural(list.blank, 'row')} of ${options.to} without a receiver: skipped.`);
  }
  if (list.receivers.length === 0) throw usageError(`No receivers in ${options.to}.`);
  const message = await readMessage(
    { text: options.text, messageFile: options.message },
    readStdin,
  );
  return { receivers: list.receivers, message, total: list.receivers.length };
}

/** A broadcast body with its receiver list shortened, for printing. */
function abbreviateList(body: Record<string, unknown>): Record<string, unknown> {
  const list = body.broadcast_list;
  if (!Array.isArray(list) || list.length <= 6) return body;
  return {
    ...body,
    broadcast_list: [...list.slice(0, 3), `… ${list.length - 5} more …`, ...list.slice(-2)],
  };
}

async function dryRun(
  ctx: CliContext,
  input: BroadcastInput,
  options: BroadcastOptions,
): Promise<ExitCode> {
  const { client, requests } = ctx.dryRunClient({ broadcastConcurrency: options.concurrency });
  const needsAccount =
    ctx.hasToken && options.sender === undefined && input.message.sender === undefined;
  const real = needsAccount ? ctx.client() : undefined;
  let result: ViberBroadcastResult;
  try {
    const { message } = await withSender(input.message, options, real);
    result = await client.broadcast(input.receivers, message);
  } finally {
    real?.close();
    client.close();
  }
  const described = describeDryRunRequests(ctx, requests.slice(0, 1), abbreviateList);
  const all = describeDryRunRequests(ctx, requests);
  ctx.out.result({ dryRun: true, receivers: input.receivers.length, requests: all.json });
  const rows = all.json.map((request, index) => {
    const list = (request.body as { broadcast_list?: string[] }).broadcast_list ?? [];
    return [
      `#${index + 1}`,
      `${list.length} receivers`,
      `${list[0] ?? ''} … ${list[list.length - 1] ?? ''}`,
      `${request.bytes} bytes`,
    ];
  });
  ctx.out.lines([
    `Dry run: the message is valid; nothing was sent. ${plural(input.receivers.length, 'receiver')} would take ${plural(result.requests, 'request')}:`,
    ...renderColumns(rows, '  '),
    '',
    'The first request (broadcast_list shortened):',
    ...described.lines,
  ]);
  return EXIT_CODES.ok;
}

/** `1 request`, `2 requests`. */
function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** A path as shown to the person: relative to the working directory when inside it. */
function shown(path: string | undefined, cwd: string): string {
  if (path === undefined) return '';
  const near = relative(cwd, path);
  return near.startsWith('..') || isAbsolute(near) ? path : near;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function exitCodeOf(
  interrupted: boolean,
  outcome: BroadcastOutcome,
  result: ViberBroadcastResult,
): ExitCode {
  if (interrupted) return EXIT_CODES.interrupted;
  const network =
    result.failed_list.some((entry) => entry.status === -1) || outcome.uncertain.length > 0;
  if (network) return EXIT_CODES.network;
  if (result.failed_list.length > 0) return EXIT_CODES.refused;
  return EXIT_CODES.ok;
}

function countByStatus(
  outcome: BroadcastOutcome,
  result: ViberBroadcastResult,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of result.failed_list) {
    const key = `${entry.status} ${statusLabel(entry.status)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  if (outcome.uncertain.length > 0) counts['uncertain'] = outcome.uncertain.length;
  return counts;
}

function summaryLines(
  ctx: CliContext,
  run: {
    interrupted: boolean;
    durationMs: number;
    result: ViberBroadcastResult;
    outcome: BroadcastOutcome;
    files: BroadcastFiles;
    receivers: number;
    resumedFrom?: string;
  },
): string[] {
  const { result, outcome } = run;
  const cwd = ctx.io.cwd;
  const files = {
    resume: shown(run.files.resume, cwd),
    uncertain: shown(run.files.uncertain, cwd),
    failed: shown(run.files.failed, cwd),
  };
  const paint = ctx.out.paint;
  const rate = Math.round(result.sent / Math.max(run.durationMs / 1000, 0.001));
  const head = run.interrupted
    ? `${paint(['bold', 'yellow'], 'Broadcast stopped by Ctrl-C')} after ${seconds(run.durationMs)}: ${result.sent} of ${plural(run.receivers, 'receiver')} sent.`
    : `${paint(['bold', 'green'], 'Broadcast finished')} in ${seconds(run.durationMs)}: ${result.sent} of ${plural(run.receivers, 'receiver')} sent (${rate}/s, ${plural(result.requests, 'request')}).`;
  const refusedKinds = new Map<string, number>();
  for (const entry of outcome.refused) {
    const key = statusLabel(entry.status);
    refusedKinds.set(key, (refusedKinds.get(key) ?? 0) + 1);
  }
  const rows: string[][] = [
    ['sent', String(result.sent), ''],
    ['not sent', String(outcome.resumable.length), files.resume ? `→ ${files.resume}` : ''],
    [
      'refused',
      String(outcome.refused.length),
      outcome.refused.length > 0
        ? `${[...refusedKinds].map(([name, count]) => `${name} ${count}`).join(', ')} → ${files.failed}`
        : '',
    ],
    ['uncertain', String(outcome.uncertain.length), files.uncertain ? `→ ${files.uncertain}` : ''],
  ];
  const lines = [head, ...renderColumns(rows, '  ')];
  if (run.resumedFrom) {
    lines.push(
      `Resumed from ${shown(run.resumedFrom, cwd)} (renamed to ${shown(run.resumedFrom, cwd)}.done).`,
    );
  }
  if (files.resume) lines.push(`Resume with: nestjs-viber broadcast --resume ${files.resume}`);
  if (files.uncertain) {
    lines.push(
      paint('yellow', `${plural(outcome.uncertain.length, 'receiver')} uncertain:`) +
        ' their request left but no answer came, so Viber may have delivered it. They are NOT in ' +
        'the resume file; send them again only if a duplicate is acceptable: ' +
        `nestjs-viber broadcast --to ${files.uncertain} …`,
    );
  }
  return lines;
}

async function runBroadcast(
  ctx: CliContext,
  input: BroadcastInput,
  options: BroadcastOptions,
): Promise<ExitCode> {
  const runner = createBroadcastRunner({ redis: options.redis }, () =>
    ctx.client({ broadcastConcurrency: options.concurrency }),
  );
  let message = input.message;
  const interrupts = { count: 0 };
  const progress = { display: undefined as ProgressDisplay | undefined };
  /** On the bar, a short state; without one, a full sentence on stderr. */
  const say = (short: string, sentence: string): void => {
    if (progress.display?.drawn) progress.display.note(short);
    else ctx.out.note(sentence);
  };
  const stop = (): void => {
    interrupts.count++;
    if (interrupts.count === 1) {
      runner.stop();
      say(
        `stopping: ${runner.inFlight} in flight (Ctrl-C again abandons them)`,
        `Ctrl-C: stopping. No new request starts; waiting for the ${runner.inFlight} requests in flight ` +
          '(Ctrl-C again to abandon them: their receivers would be listed as uncertain).',
      );
    } else if (interrupts.count === 2) {
      runner.abort();
      say(
        'abandoning the requests in flight',
        'Ctrl-C again: abandoning the requests in flight; their receivers go to the uncertain file.',
      );
    }
  };
  const unsubscribe = [ctx.io.onSignal('SIGINT', stop), ctx.io.onSignal('SIGTERM', stop)];
  const started = Date.now();
  let result: ViberBroadcastResult;
  try {
    if (input.resumeFile === undefined) {
      const senderClient =
        options.sender === undefined && message.sender === undefined ? ctx.client() : undefined;
      try {
        message = (await withSender(message, options, senderClient)).message;
      } finally {
        senderClient?.close();
      }
    } else {
      await markResumed(input.resumeFile);
    }
    const requests = Math.ceil(input.receivers.length / 300);
    ctx.out.note(
      `Broadcasting to ${plural(input.receivers.length, 'receiver')} (${plural(requests, 'request')} of at most 300)…`,
    );
    progress.display = new ProgressDisplay(ctx.io.stderr, input.receivers.length);
    result = await runner.run(
      { receivers: input.receivers, message, concurrency: options.concurrency },
      (update) => progress.display?.update(update),
    );
  } finally {
    progress.display?.stop();
    for (const off of unsubscribe) off();
    await runner.close();
  }
  const durationMs = Date.now() - started;
  const outcome = sortOutcome(result);
  const prefix =
    options.out === undefined
      ? defaultPrefix(ctx.io.cwd)
      : isAbsolute(options.out)
        ? options.out
        : join(ctx.io.cwd, options.out);
  const files = await writeBroadcastFiles(prefix, outcome, {
    apiUrl: ctx.apiUrl,
    message,
    total: input.total,
  });
  const interrupted = interrupts.count > 0;
  const exitCode = exitCodeOf(interrupted, outcome, result);
  ctx.out.result({
    ok: exitCode === EXIT_CODES.ok,
    interrupted,
    receivers: input.receivers.length,
    sent: result.sent,
    notSent: outcome.resumable.length,
    refused: outcome.refused.length,
    uncertain: outcome.uncertain.length,
    requests: result.requests,
    durationMs,
    byStatus: countByStatus(outcome, result),
    files,
    resumedFrom: input.resumeFile,
  });
  ctx.out.lines(
    summaryLines(ctx, {
      interrupted,
      durationMs,
      result,
      outcome,
      files,
      receivers: input.receivers.length,
      resumedFrom: input.resumeFile,
    }),
  );
  return exitCode;
}

/** `broadcast`. */
export function registerBroadcastCommand(program: Command, kit: CommandKit): void {
  program
    .command('broadcast')
    .description(
      'send one message to many subscribers (broadcast_message, 300 per request) with a progress bar; Ctrl-C stops cleanly and writes a resume file',
    )
    .option(
      '--to <ids.csv>',
      'receivers: one id per line, or a CSV with a receiver/id/user_id column; - for stdin',
    )
    .option('--column <name>', 'the CSV column holding the receivers')
    .option('--text <text>', 'the text to send')
    .option('--message <file.json>', 'a Viber message as JSON (any type); - for stdin')
    .option('--sender <name>', "the sender's name (default: the account's name)")
    .option('--sender-avatar <url>', "the sender's avatar")
    .option('--resume <file>', 'continue a stopped broadcast from its .resume.json file')
    .option('--dry-run', 'validate the message and print the requests, send nothing')
    .option('--concurrency <n>', 'requests in flight at once (default 10)', positiveInteger)
    .option(
      '--out <prefix>',
      'where to write the .resume.json / .uncertain.csv / .failed.csv files (default: ./broadcast-<time>)',
    )
    .addOption(
      new Option(
        '--redis <url>',
        'run through the durable queue on Redis (not available yet)',
      ).hideHelp(),
    )
    .addHelpText(
      'after',
      '\nEvery receiver is accounted for: sent, refused by Viber (written to <prefix>.failed.csv),\n' +
        'not sent (Ctrl-C, network failure before sending: <prefix>.resume.json, for --resume), or\n' +
        'uncertain (the request left but no answer came: <prefix>.uncertain.csv, never resent by itself).\n' +
        'Ctrl-C once: no new request, the ones in flight finish; twice: they are abandoned (uncertain).\n' +
        'Exit code: 0 all sent, 1 Viber refused some, 3 network failures or uncertain receivers, 130 stopped.\n' +
        examples([
          ['nestjs-viber broadcast --to subscribers.csv --text "We are open on Sunday"'],
          [
            'nestjs-viber broadcast --to subscribers.csv --message promo.json --dry-run',
            'check the message and see the requests',
          ],
          ['cut -d, -f1 users.csv | nestjs-viber broadcast --to - --text "Hi"'],
          [
            'nestjs-viber broadcast --resume broadcast-2026-01-31T12-00-00Z.resume.json',
            'after Ctrl-C',
          ],
        ]),
    )
    .action(
      kit.action(async (ctx, options: BroadcastOptions): Promise<ExitCode> => {
        const input = await readInput(ctx, options, kit.io.readStdin);
        if (options.dryRun) return dryRun(ctx, input, options);
        return runBroadcast(ctx, input, options);
      }),
    );
}
