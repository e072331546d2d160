import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** Binary the tests run; `REDIS_SERVER_BIN` overrides it. */
const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** How to get the binary; part of the error when it is missing. */
const INSTALL_HINT =
  'the Redis tests need a real redis-server on the PATH (CI installs it): ' +
  '`apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS); ' +
  'or set REDIS_SERVER_BIN to its path';

/** A throwaway redis-server child process on 127.0.0.1, without persistence. */
export interface RedisTestServer {
  /** Host the server listens on. */
  readonly host: '127.0.0.1';
  /** Its TCP port. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops the server and waits for the process to exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** A TCP port of 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Answers whether a Redis server answers PING on the port. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  // A process that never started (ENOENT) has no pid and may never emit 'exit'.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Options of {@link startRedisServer}. */
export interface RedisTestServerOptions {
  /** Port to use (e.g. to start a server again where a stopped one was). Default: a free one. */
  port?: number;
  /**
   * Persist with AOF (`appendonly yes`, `appendfsync everysec`) in this folder, as production
   * should: a server started again on the same folder has the data back. Default: none.
   */
  aofDir?: string;
}

/** Spawns one redis-server on `port`; rejects when it exits or does not answer in time. */
async function spawnOn(
  port: number,
  readyTimeoutMs: number,
  aofDir?: string,
): Promise<RedisTestServer> {
  const persistence = aofDir
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', aofDir]
    : ['--appendonly', 'no'];
  const child = spawn(
    REDIS_SERVER_BIN,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      ...persistence,
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  const failure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error(`${REDIS_SERVER_BIN} was not found: ${INSTALL_HINT}`)
          : error,
      );
    });
    child.once('exit', (code, signal) => {
      reject(
        new Error(
          `redis-server on port ${port} exited (${signal ?? `code ${code}`}) before it was ready:\n${output}`,
        ),
      );
    });
  });
  // Keep a late failure (after readiness) from being an unhandled rejection.
  failure.catch(() => undefined);

  const ready = (async (): Promise<void> => {
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) return failure;
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server on port ${port} did not answer PING in ${readyTimeoutMs} ms`);
  })();
  ready.catch(() => undefined);

  try {
    await Promise.race([ready, failure]);
  } catch (error) {
    child.kill('SIGKILL');
    await exited(child);
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    stop(graceMs = 3000): Promise<void> {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = exited(child);
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const killLater = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, graceMs);
        });
        await Promise.race([gone, killLater]);
        clearTimeout(timer);
        await gone;
        child.stdout!.destroy();
        child.stderr!.destroy();
      })();
      return stopping;
    },
  };
}

/**
 * Starts a real `redis-server --port <free port> --save '' --appendonly no` on 127.0.0.1 and
 * resolves once it answers PING. Rejects with an installation hint when the binary is missing
 * (the Redis tests fail rather than skip: CI installs it). Retries on another port if the one
 * picked was taken in the meantime (not when `options.port` is given).
 */
export async function startRedisServer(
  readyTimeoutMs = 10_000,
  options: RedisTestServerOptions = {},
): Promise<RedisTestServer> {
  if (options.port !== undefined) return spawnOn(options.port, readyTimeoutMs, options.aofDir);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await spawnOn(await freePort(), readyTimeoutMs, options.aofDir);
    } catch (error) {
      if (error instanceof Error && error.message.includes('was not found')) throw error;
      lastError = error;
    }
  }
  throw lastError;
}
