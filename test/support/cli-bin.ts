import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The built `nestjs-viber` bin for the CLI's e2e tests: the package is built once per state of
 * the sources (scripts/build-package.mjs --out dist/cli-e2e/<hash>), shared by the test files
 * running in parallel (a lock directory), and reused while the sources do not change.
 */
const ROOT = join(__dirname, '..', '..');
const BUILDS = join(ROOT, 'dist', 'cli-e2e');

/** Everything the package build reads. */
function buildInputs(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.spec.ts')) files.push(path);
    }
  };
  for (const lib of ['viber', 'viber-testing', 'viber-cli']) walk(join(ROOT, 'libs', lib, 'src'));
  files.push(
    join(ROOT, 'packages', 'nestjs-viber', 'package.json'),
    join(ROOT, 'packages', 'nestjs-viber', 'tsconfig.build.json'),
    join(ROOT, 'scripts', 'build-package.mjs'),
    join(ROOT, 'tsconfig.json'),
  );
  return files.sort();
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of buildInputs()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runBuild(out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'scripts', 'build-package.mjs'), '--out', out],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`build-package failed (${code}):\n${output}`)),
    );
  });
}

/** How the last `builtCli()` of this worker went (for the test log). */
export const cliBuildInfo: { reused?: boolean; seconds?: number } = {};

/** Builds the package if the sources changed; resolves to the bin's path. */
export async function builtCli(): Promise<string> {
  const started = Date.now();
  const hash = sourceHash();
  const dir = join(BUILDS, hash);
  const bin = join(dir, 'dist', 'viber-cli', 'main.js');
  const lock = `${dir}.lock`;
  mkdirSync(BUILDS, { recursive: true });
  for (;;) {
    if (existsSync(bin)) {
      cliBuildInfo.reused = cliBuildInfo.reused ?? true;
      cliBuildInfo.seconds = (Date.now() - started) / 1000;
      return bin;
    }
    try {
      mkdirSync(lock);
    } catch {
      // Another test file builds it: wait, unless its process died (or never wrote its pid).
      let owner = 0;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // The pid is not written yet, or the lock is gone.
      }
      if ((owner > 0 && !alive(owner)) || (owner === 0 && age > 5 * 60_000)) {
        rmSync(lock, { recursive: true, force: true });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      const temporary = `${dir}.tmp`;
      rmSync(temporary, { recursive: true, force: true });
      await runBuild(temporary);
      renameSync(temporary, dir);
      cliBuildInfo.reused = false;
      // Builds of older sources go (those of the last 10 minutes may still be in use).
      for (const name of readdirSync(BUILDS)) {
        const path = join(BUILDS, name);
        if (name !== hash && Date.now() - statSync(path).mtimeMs > 10 * 60_000) {
          rmSync(path, { recursive: true, force: true });
        }
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** What a finished run of the bin printed and how it exited. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of a run. */
export interface CliRunOptions {
  /** Added to a clean environment (no VIBER_* or color variables of the test's own). */
  env?: Record<string, string>;
  /** Written to the bin's stdin (then closed). */
  input?: string;
  cwd?: string;
}

/** The test process's environment without anything that changes the bin's behaviour. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['VIBER_TOKEN', 'VIBER_API_URL', 'NO_COLOR', 'FORCE_COLOR', 'TERM']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** A running bin. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr matches `pattern` (rejects after `timeoutMs` or when the bin exits). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly done: Promise<CliResult>;
}

/** Starts the bin as a child process (`node <bin> …args`), stdout and stderr piped. */
export function startCli(
  bin: string,
  args: readonly string[],
  options: CliRunOptions = {},
): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const listener of listeners.splice(0)) listener();
  });
  child.stdin!.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    child,
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForStderr(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let exited = false;
      void done.then(() => (exited = true));
      while (!pattern.test(stderr)) {
        if (exited || Date.now() > deadline) {
          throw new Error(`stderr never matched ${pattern}:\n${stderr}\nstdout:\n${stdout}`);
        }
        await new Promise<void>((resolve) => {
          listeners.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

/** Runs the bin to the end. */
export function runCli(
  bin: string,
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<CliResult> {
  return startCli(bin, args, options).done;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs the bin on a pseudo-terminal with util-linux `script` (stdout and stderr are the terminal)
 * and resolves to everything the terminal showed, escape sequences included.
 */
export function runCliInTerminal(
  bin: string,
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, bin, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: options.cwd ?? ROOT,
      env: cleanEnv({ TERM: 'xterm-256color', SHELL: '/bin/sh', ...options.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}
