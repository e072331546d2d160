/**
 * A fresh `redis-server` for one benchmark run: 127.0.0.1, a free port, no persistence, default
 * memory settings (so listpack limits are Redis's defaults). `REDIS_SERVER_BIN` overrides the
 * binary.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';

/** A running benchmark Redis. */
export interface BenchRedis {
  port: number;
  /** Redis's version (`INFO server`). */
  version: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts redis-server and waits until it answers. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let version = '';
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(port, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      version = /redis_version:(\S+)/.exec(await probe.info('server'))?.[1] ?? '';
      break;
    } catch (error) {
      if (attempt > 100) {
        child.kill('SIGKILL');
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
  return {
    port,
    version,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
