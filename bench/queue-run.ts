/**
 * Benchmarks of the queue (BullMQ on a local redis-server): a queued broadcast with 1 and 3
 * worker processes against the ideal for the rate limit, and the queued webhook's ingest next to
 * the inline one. Every worker, server, the fake API and redis-server run in their own process.
 * Prints the tables and writes them into BENCHMARKS.md between the queue markers.
 *
 *   npm run bench:queue                 # about 3 minutes
 *   npm run bench:queue -- --quick      # small counts, short runs: checks the harness
 *   npm run bench:queue -- --no-write   # print only
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { buildBench, removeBuild } from './build';
import { createTokenSequence, FIXED_MESSAGE_TOKEN } from './callbacks';
import { BenchChild, REPO_ROOT, useBuild } from './child-process';
import type { FakeApiStats } from './fake-viber-api';
import { runLoad, type LoadResult } from './load';
import { machineDescription, num, ratio, table } from './report';
import { deriveQueueLimiter } from 'nestjs-viber/internal';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const WRITE = !args.includes('--no-write');
const CONFIG = QUICK
  ? { receivers: 20_000, warmupSec: 0.5, durationSec: 2, connections: 50 }
  : { receivers: 200_000, warmupSec: 2, durationSec: 10, connections: 50 };
const API_LATENCY_MS = 5;
/** Viber's limit and the library's defaults. */
const LIMIT = { limit: 500, intervalMs: 10_000 };
const WORKER_CONCURRENCY = 10;
const START_SLACK_MS = 1000;
const DEFAULT_TIMEOUT_MS = 10_000;
const log = (line: string): void => console.log(line);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// redis-server

interface Redis {
  port: number;
  child: ChildProcess;
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

async function startRedis(): Promise<Redis> {
  const port = await freePort();
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const ready = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ready) return { port, child };
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}

/** CPU seconds a process used so far (Linux /proc; 0 elsewhere). */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

// ---------------------------------------------------------------------------------------------
// Queued broadcast

interface BroadcastRun {
  label: string;
  workers: number;
  requestTimeoutMs: number;
  wallMs: number;
  stats: FakeApiStats;
  sent: number;
  uncertain: number;
  failed: number;
  load: string;
}

/**
 * The best schedule under Viber's sliding limit: `requests` of `latency` ms, `concurrency` at a
 * time, at most `limit` starting in any `intervalMs`.
 */
function idealSlidingMs(requests: number, concurrency: number): number {
  const starts: number[] = [];
  const lanes = new Array<number>(concurrency).fill(0);
  let end = 0;
  for (let i = 0; i < requests; i++) {
    const lane = lanes.indexOf(Math.min(...lanes));
    const paced = i >= LIMIT.limit ? starts[i - LIMIT.limit]! + LIMIT.intervalMs : 0;
    const start = Math.max(lanes[lane]!, paced);
    starts.push(start);
    lanes[lane] = start + API_LATENCY_MS;
    end = Math.max(end, start + API_LATENCY_MS);
  }
  return end;
}

/** The best schedule under the derived fixed-window limiter (`max` starts per `duration`). */
function idealLimiterMs(requests: number, requestTimeoutMs: number): number {
  const { max, duration } = deriveQueueLimiter(LIMIT, requestTimeoutMs + START_SLACK_MS);
  return (Math.ceil(requests / max) - 1) * duration + API_LATENCY_MS;
}

async function apiStats(api: BenchChild): Promise<FakeApiStats> {
  return (await api.request<{ type: string; stats: FakeApiStats }>('stats')).stats;
}

async function broadcastRun(
  api: BenchChild,
  apiUrl: string,
  redis: Redis,
  label: string,
  workers: number,
  requestTimeoutMs: number,
): Promise<BroadcastRun> {
  const prefix = `{bench-queue-${label.replace(/[^a-z0-9]/gi, '')}-${Date.now()}}`;
  const children = await Promise.all(
    Array.from({ length: workers }, () =>
      BenchChild.start('queue-worker.ts', [
        apiUrl,
        String(redis.port),
        prefix,
        String(requestTimeoutMs),
      ]),
    ),
  );
  const load = loadAverage();
  try {
    await apiStats(api);
    const id = `bench-${workers}`;
    const started = Date.now();
    await children[0]!.child.request('start', { broadcast: id, count: CONFIG.receivers });
    const reader = children[children.length - 1]!.child;
    type Progress = { state: string; sent: number; uncertain: number; failed: number };
    let status: Progress | null;
    for (;;) {
      status = (
        await reader.request<{ type: string; status: Progress | null }>('status', { broadcast: id })
      ).status;
      if (status?.state === 'completed') break;
      await sleep(50);
    }
    const wallMs = Date.now() - started;
    const stats = await apiStats(api);
    const run = {
      label,
      workers,
      requestTimeoutMs,
      wallMs,
      stats,
      sent: status.sent,
      uncertain: status.uncertain,
      failed: status.failed,
      load,
    };
    log(
      `  ${label.padEnd(34)} ${num(wallMs).padStart(7)} ms  requests ${stats.requests}  accepted ${num(stats.acceptedReceivers)}  busiest 10 s ${stats.maxBroadcastsPer10s}  tightest 500th gap ${num(stats.tightest500thGapMs, 1)} ms  load ${load}`,
    );
    return run;
  } finally {
    await Promise.all(children.map(({ child }) => child.stop()));
  }
}

function broadcastTable(runs: BroadcastRun[]): string {
  const requests = Math.ceil(CONFIG.receivers / 300);
  return [
    `**A queued broadcast to ${num(CONFIG.receivers)} receivers** (${num(requests)} \`broadcast_message\` requests), started with \`ViberBroadcasts.start\` in one worker process, its progress read with \`get\` in another (every 50 ms) until \`completed\`; the fake API answers after ${API_LATENCY_MS} ms. Each worker process runs ${WORKER_CONCURRENCY} jobs at once; the limiter is BullMQ's, one for the queue, set from Viber's 500 per 10 s and the request timeout (see \`deriveQueueLimiter\`). *Ideal, Viber's limit*: the best schedule under a sliding 500 per 10 s with the same concurrency. *Ideal, the limiter*: the best schedule under the derived fixed windows (what any correct use of BullMQ's limiter with this timeout allows). Load average (1/5/15 min) next to each run: the machine is shared.\n`,
    table(
      [
        'run',
        'wall ms',
        "ideal ms, Viber's limit",
        '× that',
        'ideal ms, the limiter',
        '× that',
        'limiter (max / duration)',
        'requests',
        'delivered',
        'busiest 10 s by arrival',
        'load avg',
      ],
      runs.map((run) => {
        const sliding = idealSlidingMs(requests, WORKER_CONCURRENCY * run.workers);
        const limiterIdeal = idealLimiterMs(requests, run.requestTimeoutMs);
        const setting = deriveQueueLimiter(LIMIT, run.requestTimeoutMs + START_SLACK_MS);
        return [
          run.label,
          num(run.wallMs),
          num(sliding),
          ratio(run.wallMs / sliding),
          num(limiterIdeal),
          ratio(run.wallMs / limiterIdeal),
          `${setting.max} / ${num(setting.duration)} ms`,
          num(run.stats.requests),
          `${num(run.stats.acceptedReceivers)}${run.uncertain || run.failed ? ` (uncertain ${run.uncertain}, failed ${run.failed})` : ''}`,
          `${num(run.stats.maxBroadcastsPer10s)} (limit 500)`,
          run.load,
        ];
      }),
    ),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Queued webhook ingest

interface IngestRun {
  target: string;
  label: string;
  workers: boolean;
  load: LoadResult;
  serverCpuUs: number;
  redisCpuUs: number;
  handledDuring: number;
  drainMs: number;
  loadAvg: string;
}

const nextToken = createTokenSequence(BigInt(process.pid % 1000) + 7n);

async function ingestRun(
  target: string,
  label: string,
  redis: Redis,
  workers = true,
): Promise<IngestRun> {
  const { child, ready } = await BenchChild.start('ingest-server.ts', [target], {
    env: { BENCH_REDIS_PORT: String(redis.port), BENCH_QUEUE_WORKERS: workers ? '1' : '0' },
  });
  try {
    const port = Number(ready.port);
    const base = {
      port,
      mode: 'distinct' as const,
      connections: CONFIG.connections,
      nextToken,
      fixedToken: FIXED_MESSAGE_TOKEN,
    };
    const handled = async (): Promise<number> => Number((await child.request('handled')).count);
    const cpu = async (): Promise<number> => {
      const answer = await child.request<{ type: string; user: number; system: number }>('cpu');
      return (answer.user + answer.system) / 1e6;
    };
    await runLoad({ ...base, durationSec: CONFIG.warmupSec });
    // Let the warm-up's jobs drain before measuring.
    for (let last = -1, now = await handled(); now !== last; last = now, now = await handled()) {
      await sleep(300);
    }
    const loadAvg = loadAverage();
    const handledBefore = await handled();
    const cpuBefore = await cpu();
    const redisBefore = processCpuSeconds(redis.child.pid);
    const load = await runLoad({ ...base, durationSec: CONFIG.durationSec });
    const serverCpu = (await cpu()) - cpuBefore;
    const redisCpu = processCpuSeconds(redis.child.pid) - redisBefore;
    const handledDuring = (await handled()) - handledBefore;
    const drainStart = Date.now();
    while (
      workers &&
      (await handled()) - handledBefore < load.requests &&
      Date.now() - drainStart < 120_000
    ) {
      await sleep(50);
    }
    const run = {
      target,
      label,
      workers,
      load,
      serverCpuUs: (serverCpu * 1e6) / load.requests,
      redisCpuUs: (redisCpu * 1e6) / load.requests,
      handledDuring,
      drainMs: Date.now() - drainStart,
      loadAvg,
    };
    log(
      `  ${label.padEnd(44)} ${num(load.rps).padStart(7)} req/s  p50 ${load.p50} ms  p99 ${load.p99} ms  server ${run.serverCpuUs.toFixed(0)} µs/req  redis ${run.redisCpuUs.toFixed(0)} µs/req  handled during ${num(handledDuring)} of ${num(load.requests)}  drained ${num(run.drainMs)} ms later  errors ${load.errors + load.non2xx}  load ${loadAvg}`,
    );
    return run;
  } finally {
    await child.stop();
  }
}

function ingestTable(runs: IngestRun[]): string {
  return [
    `**Webhook ingest, inline and queued**: distinct signed callbacks (a fresh \`message_token\` each, from 10,000 users), ${CONFIG.connections} connections, ${CONFIG.warmupSec} s warm-up then ${CONFIG.durationSec} s. *Inline* answers after the (empty) handler ran. *Queued* answers once the callback is stored as a job (one BullMQ \`add\` per callback: the job and its deduplication key): *producer only* is a replica with \`workers: false\` (the ingest alone; workers would run elsewhere), *with workers* also runs the 8 partition workers (one callback at a time each) in the same process, which compete for its CPU. *Handled during* counts handler runs within the measured seconds; *drained after* is how long after the load stopped the last stored callback was handled. *Redis µs/req* is redis-server's CPU time per request (it does the queue's work).\n`,
    table(
      [
        'target',
        'req/s',
        'p50 ms',
        'p99 ms',
        'server µs/req',
        'Redis µs/req',
        'handled during',
        'drained after',
        'errors',
        'load avg',
      ],
      runs.map((run) => [
        run.label,
        num(run.load.rps),
        String(run.load.p50),
        String(run.load.p99),
        run.serverCpuUs.toFixed(0),
        run.target.endsWith('-queue') ? run.redisCpuUs.toFixed(0) : '–',
        run.workers ? `${num(run.handledDuring)} of ${num(run.load.requests)}` : '–',
        run.target.endsWith('-queue') && run.workers ? `${num(run.drainMs)} ms` : '–',
        String(run.load.errors + run.load.non2xx),
        run.loadAvg,
      ]),
    ),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

const START = '<!-- bench:queue:start -->';
const END = '<!-- bench:queue:end -->';

function write(section: string): void {
  const file = join(REPO_ROOT, 'BENCHMARKS.md');
  const generated = `${START}\n\n${section}\n${END}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  writeFileSync(
    file,
    from >= 0 && to > from
      ? `${text.slice(0, from)}${generated}${text.slice(to + END.length)}`
      : `${text.trimEnd()}\n\n${generated}\n`,
  );
}

async function main(): Promise<void> {
  const startedAt = new Date();
  log(`nestjs-viber queue benchmarks${QUICK ? ' (--quick)' : ''}\n${machineDescription()}`);
  const build = buildBench();
  useBuild(build);
  const redis = await startRedis();
  try {
    log(`\nQueued broadcast to ${num(CONFIG.receivers)} receivers`);
    const { child: api, ready } = await BenchChild.start('fake-viber-api.ts', [
      String(API_LATENCY_MS),
    ]);
    const apiUrl = `http://127.0.0.1:${Number(ready.port)}/pa`;
    const broadcasts: BroadcastRun[] = [];
    try {
      broadcasts.push(
        await broadcastRun(api, apiUrl, redis, '1 worker, defaults', 1, DEFAULT_TIMEOUT_MS),
      );
      broadcasts.push(
        await broadcastRun(api, apiUrl, redis, '3 workers, defaults', 3, DEFAULT_TIMEOUT_MS),
      );
      broadcasts.push(
        await broadcastRun(api, apiUrl, redis, '3 workers, requestTimeoutMs 2000', 3, 2000),
      );
    } finally {
      await api.stop();
    }
    log('\nWebhook ingest, inline and queued');
    const ingest: IngestRun[] = [];
    for (const platform of ['Fastify', 'Express'] as const) {
      const target = platform === 'Fastify' ? 'nest-fastify' : 'nest-express';
      ingest.push(await ingestRun(target, `nestjs-viber on ${platform}, inline`, redis));
      ingest.push(
        await ingestRun(
          `${target}-queue`,
          `nestjs-viber on ${platform}, queued, producer only`,
          redis,
          false,
        ),
      );
      ingest.push(
        await ingestRun(
          `${target}-queue`,
          `nestjs-viber on ${platform}, queued, with workers`,
          redis,
        ),
      );
    }
    const command = `npm run bench:queue${args.length ? ` -- ${args.join(' ')}` : ''}`;
    const markdown = [
      `Generated by \`${command}\` on ${startedAt.toISOString()} in ${num((Date.now() - startedAt.getTime()) / 1000)} s${QUICK ? ' (**--quick**: small counts; not representative)' : ''}, redis-server ${redisVersion()} on 127.0.0.1 (no persistence).\n`,
      machineDescription() + '\n',
      broadcastTable(broadcasts),
      ingestTable(ingest),
    ].join('\n');
    log(`\n${markdown}`);
    if (WRITE) {
      write(markdown);
      log('Written to BENCHMARKS.md');
    }
  } finally {
    redis.child.kill('SIGTERM');
    removeBuild(build);
  }
}

function redisVersion(): string {
  try {
    const output = execFileSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', [
      '--version',
    ]).toString();
    return /v=([\d.]+)/.exec(output)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
