import type { DescribedError } from '../cli.errors';
import { painterFor, type CliStream, type Painter } from './terminal';

/**
 * Where a command writes: results on stdout (plain text, or one JSON document with `--json`),
 * notes, warnings, progress and errors on stderr. Colors only on a terminal without `NO_COLOR`.
 */
export class CliOutput {
  /** Styles text for stdout. */
  readonly paint: Painter;
  /** Styles text for stderr. */
  readonly paintErr: Painter;

  constructor(
    readonly stdout: CliStream,
    readonly stderr: CliStream,
    /** `--json`: stdout carries exactly one JSON document (or JSON lines for `emulator`). */
    readonly json: boolean,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.paint = painterFor(stdout, env);
    this.paintErr = painterFor(stderr, env);
  }

  /** Result lines (stdout); nothing with `--json`. */
  lines(lines: readonly string[]): void {
    if (this.json) return;
    for (const line of lines) this.stdout.write(`${line}\n`);
  }

  /** One result line (stdout); nothing with `--json`. */
  line(text = ''): void {
    this.lines([text]);
  }

  /** The JSON result (stdout), pretty-printed; only with `--json`. */
  result(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One JSON line (stdout), for streams of events; only with `--json`. */
  jsonLine(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A note for the person at the terminal (stderr), also with `--json`. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** A warning (stderr). */
  warn(text: string): void {
    this.stderr.write(`${this.paintErr('yellow', 'warning:')} ${text}\n`);
  }

  /** A failure: words on stderr, and with `--json` also `{ ok: false, error }` on stdout. */
  error(error: DescribedError): void {
    this.stderr.write(`${this.paintErr(['red', 'bold'], 'error:')} ${error.message}\n`);
    if (error.hint) this.stderr.write(`${this.paintErr('dim', 'hint:')} ${error.hint}\n`);
    if (this.json) {
      const { exitCode, ...details } = error;
      this.stdout.write(`${JSON.stringify({ ok: false, exitCode, error: details }, null, 2)}\n`);
    }
  }
}
