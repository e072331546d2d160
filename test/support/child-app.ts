import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A TypeScript program of the test suite running in its own Node process. */
export interface ChildApp {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Everything written to stderr so far. */
  readonly stderr: string[];
  /**
   * Resolves once a line at index `from` or later satisfies `predicate` (returns that line);
   * rejects after `timeoutMs` or when the child exits.
   */
  waitForLine(
    predicate: (line: string) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<string>;
  /** Writes one line to the child's stdin. */
  send(line: string): void;
  /** Resolves with the exit code and signal once the child ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the child if it still runs. */
  kill(): void;
}

/** Starts `test/support/<file>` under ts-node (transpile-only), with the repo's path aliases. */
export function startChildApp(
  file: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): ChildApp {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join(__dirname, file),
      ...args,
    ],
    {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<() => void> = [];
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters.splice(0)) wake();
    }),
  );
  return {
    child,
    lines,
    stderr,
    exited,
    async waitForLine(predicate, { from = 0, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.slice(from).find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `no such line from ${file}; stdout: ${lines.join(' | ')}; stderr: ${stderr.join('')}`,
          );
        }
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
