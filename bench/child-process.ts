import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The repository root: children run there so tsconfig-paths finds `nestjs-viber`. */
export const REPO_ROOT = join(__dirname, '..');

/** Node flags of a child run from the TypeScript sources (no build): ts-node and the path alias. */
const TS_FLAGS = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

/** Where children run from: the sources (ts-node) or a compiled build (see build.ts). */
let runFrom: { dir: string; execArgv: string[]; env: NodeJS.ProcessEnv } | undefined;

/** Runs every later child from a compiled build instead of the TypeScript sources. */
export function useBuild(build: { dir: string; execArgv: string[]; env: NodeJS.ProcessEnv }): void {
  runFrom = build;
}

/** A message between the runner and a child. */
export interface IpcMessage {
  id?: number;
  type: string;
  [key: string]: unknown;
}

/** A benchmark child process (a server, the fake API or a client) and its IPC channel. */
export class BenchChild {
  private nextId = 1;
  private readonly pending = new Map<number, (message: IpcMessage) => void>();
  private readonly exited: Promise<number | null>;
  private stderr = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: IpcMessage) => {
      if (message.id !== undefined) {
        const resolve = this.pending.get(message.id);
        this.pending.delete(message.id);
        resolve?.(message);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** The child's pid. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Starts `bench/<script>` with `args` and waits for its `ready` message (its port, if any).
   * `nodeFlags` are extra Node options (`--expose-gc`, `--cpu-prof`, …).
   */
  static async start(
    script: string,
    args: string[],
    options: { nodeFlags?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
  ): Promise<{ child: BenchChild; ready: IpcMessage }> {
    const file = runFrom
      ? join(runFrom.dir, 'bench', script.replace(/\.ts$/, '.js'))
      : join(__dirname, script);
    const child = fork(file, args, {
      cwd: REPO_ROOT,
      execArgv: [...(runFrom?.execArgv ?? TS_FLAGS), ...(options.nodeFlags ?? [])],
      env: { ...process.env, NODE_ENV: 'production', ...runFrom?.env, ...options.env },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const bench = new BenchChild(`${script} ${args.join(' ')}`.trim(), child);
    const ready = await new Promise<IpcMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${bench.name}: not ready after ${options.timeoutMs ?? 60_000} ms`)),
        options.timeoutMs ?? 60_000,
      );
      const onMessage = (message: IpcMessage): void => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      void bench.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${bench.name} exited (${code}) before ready:\n${bench.stderr}`));
      });
    });
    return { child: bench, ready };
  }

  /** Sends a request and waits for the child's answer (same `id`). */
  request<T extends IpcMessage = IpcMessage>(
    type: string,
    payload: Record<string, unknown> = {},
    timeoutMs = 600_000,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${type} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.type === 'error') reject(new Error(`${this.name}: ${String(message.message)}`));
        else resolve(message as T);
      });
      void this.exited.then((code) => {
        if (!this.pending.has(id)) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new Error(`${this.name} exited (${code}) during ${type}:\n${this.stderr}`));
      });
      this.child.send({ ...payload, id, type });
    });
  }

  /** Asks the child to exit and waits for it (killing it after 10 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A child's request handlers, by message type. */
export type IpcHandlers = Record<
  string,
  (message: IpcMessage) => Promise<Record<string, unknown>> | Record<string, unknown>
>;

/**
 * Child side: answers the runner's requests with `handlers`, plus the built-in `cpu`
 * (process CPU time), `memory` (after a forced GC when `--expose-gc` is on) and `exit`.
 */
export function serveIpc(handlers: IpcHandlers, onExit?: () => Promise<void>): void {
  const builtIn: IpcHandlers = {
    cpu: () => ({ ...process.cpuUsage() }),
    memory: (message) => {
      if (message.gc && typeof global.gc === 'function') {
        for (let i = 0; i < 3; i++) global.gc();
      }
      return { ...process.memoryUsage() };
    },
  };
  process.on('message', (message: IpcMessage) => {
    if (message.type === 'exit') {
      void (onExit ?? (async () => undefined))().finally(() => process.exit(0));
      return;
    }
    const handler = handlers[message.type] ?? builtIn[message.type];
    if (!handler) {
      process.send?.({ id: message.id, type: 'error', message: `unknown request ${message.type}` });
      return;
    }
    void Promise.resolve()
      .then(() => handler(message))
      .then(
        (answer) => process.send?.({ ...answer, id: message.id, type: message.type }),
        (error: unknown) =>
          process.send?.({
            id: message.id,
            type: 'error',
            message: error instanceof Error ? (error.stack ?? error.message) : String(error),
          }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

/** Tells the runner the child is ready. */
export function signalReady(payload: Record<string, unknown> = {}): void {
  process.send?.({ ...payload, type: 'ready' });
}
