/**
 * Benchmarks of nestjs-viber side by side with the limit and the other Viber SDKs, in one run on
 * one machine: webhook ingest, outgoing throughput, memory. Prints the tables and writes them
 * into BENCHMARKS.md (between its result markers). Every server, client and the fake API run in
 * their own process; the load generator (autocannon) runs here.
 *
 *   npm run bench                    # full run (about 5 minutes)
 *   npm run bench -- --quick         # short durations and counts: checks the harness (< 1 min)
 *   npm run bench -- --only=ingest   # one or more of ingest,outgoing,memory,observability
 *   npm run bench -- --only=observability   # ingest with metrics (and traces) on next to off
 *   npm run bench -- --targets=limit,nest-fastify   # only these ingest targets
 *   npm run bench -- --profile       # also CPU-profile the nestjs-viber servers (--cpu-prof)
 *   npm run bench -- --no-write      # print only, leave BENCHMARKS.md alone
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenSequence, FIXED_MESSAGE_TOKEN } from './callbacks';
import { buildBench, removeBuild } from './build';
import { BenchChild, REPO_ROOT, useBuild, type IpcMessage } from './child-process';
import type { FakeApiStats } from './fake-viber-api';
import type { IngestTarget } from './ingest-server';
import { runLoad, USER_POOL, type CallbackMode, type LoadResult } from './load';
import type { BroadcastStyle, OutgoingClient } from './outgoing-client';
import { summarizeProfile } from './profile-summary';
import { machineDescription, mb, num, ratio, table, verdict } from './report';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const PROFILE = args.includes('--profile');
const WRITE = !args.includes('--no-write');
const TARGETS = args
  .find((a) => a.startsWith('--targets='))
  ?.slice('--targets='.length)
  .split(',')
  .map((s) => s.trim());
const ONLY = new Set(
  (
    args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ??
    'ingest,outgoing,memory,observability'
  )
    .split(',')
    .map((s) => s.trim()),
);

/** Every size and duration of the run. */
const CONFIG = QUICK
  ? {
      connections: 50,
      warmupSec: 0.5,
      durationSec: 1,
      sends: 1_000,
      sendConcurrency: 50,
      sendWarmup: 200,
      broadcastReceivers: 10_000,
      rateBoundReceivers: 0,
      memoryWarmup: USER_POOL,
      memoryCallbacks: 10_000,
      observabilityRounds: 1,
      dispatchWarmup: 2_000,
      dispatchCallbacks: 5_000,
    }
  : {
      connections: 50,
      warmupSec: 2,
      durationSec: 10,
      sends: 10_000,
      sendConcurrency: 50,
      sendWarmup: 500,
      broadcastReceivers: 100_000,
      rateBoundReceivers: 200_000,
      memoryWarmup: USER_POOL,
      memoryCallbacks: 200_000,
      observabilityRounds: 5,
      dispatchWarmup: 20_000,
      dispatchCallbacks: 50_000,
    };

/** The fake API's latency, and the library defaults the broadcast ideal is computed from. */
const API_LATENCY_MS = 5;
const BROADCAST = { perRequest: 300, concurrency: 10, limit: 500, intervalMs: 10_000 };
/** The platform of the memory run (Nest's default). */
const MEMORY_PLATFORM: IngestTarget = 'nest-express';
const PROFILE_DIR = join(tmpdir(), 'nestjs-viber-bench-profiles');

const nextToken = createTokenSequence(BigInt(process.pid % 1000));
const log = (line: string): void => console.log(line);

// ---------------------------------------------------------------------------------------------
// Ingest

interface IngestRow {
  target: IngestTarget;
  mode: CallbackMode;
  load: LoadResult;
  serverCpu: number;
  /** Handler runs during the measured run (per request: 1 = every callback handled). */
  handled: number;
}

const INGEST_LABELS: Record<IngestTarget, string> = {
  limit: 'limit (bare node:http)',
  'viber-bot': 'viber-bot 1.0.18 (express middleware)',
  'nest-express-empty': 'Nest on Express, empty POST route (reference)',
  'nest-fastify-empty': 'Nest on Fastify, empty POST route (reference)',
  'nest-express': 'nestjs-viber on Express',
  'nest-fastify': 'nestjs-viber on Fastify',
  'nest-express-metrics': 'nestjs-viber on Express, metrics on',
  'nest-fastify-metrics': 'nestjs-viber on Fastify, metrics on',
  'nest-express-traced': 'nestjs-viber on Express, metrics and traces on',
  'nest-fastify-traced': 'nestjs-viber on Fastify, metrics and traces on',
  'nest-express-fast': 'nestjs-viber on Express, `fastPath`',
  'nest-fastify-fast': 'nestjs-viber on Fastify, `fastPath`',
  'nest-express-queue': 'nestjs-viber on Express, queued webhook',
  'nest-fastify-queue': 'nestjs-viber on Fastify, queued webhook',
};

async function cpuSeconds(child: BenchChild): Promise<number> {
  const cpu = await child.request<{ type: string; user: number; system: number }>('cpu');
  return (cpu.user + cpu.system) / 1e6;
}

/** The newest CPU profile written into `dir` (none if the child wrote none). */
function newestProfile(dir: string): string[] {
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .pop();
  return newest ? [join(dir, newest)] : [];
}

/** Server CPU time per request, in µs: steadier than req/s when other processes share the CPU. */
function cpuPerRequest(row: IngestRow): number {
  return (row.serverCpu * row.load.durationSec * 1e6) / row.load.requests;
}

async function handledCount(child: BenchChild): Promise<number> {
  return Number((await child.request('handled')).count);
}

async function measureIngest(
  child: BenchChild,
  port: number,
  target: IngestTarget,
  mode: CallbackMode,
): Promise<IngestRow> {
  const base = {
    port,
    mode,
    connections: CONFIG.connections,
    nextToken,
    fixedToken: FIXED_MESSAGE_TOKEN,
  };
  await runLoad({ ...base, durationSec: CONFIG.warmupSec });
  const handledBefore = await handledCount(child);
  const cpuBefore = await cpuSeconds(child);
  const load = await runLoad({ ...base, durationSec: CONFIG.durationSec });
  const serverCpu = (await cpuSeconds(child)) - cpuBefore;
  const handled = (await handledCount(child)) - handledBefore;
  const row = { target, mode, load, serverCpu: serverCpu / load.durationSec, handled };
  log(
    `  ${target.padEnd(18)} ${mode.padEnd(8)} ${num(load.rps).padStart(7)} req/s  p50 ${load.p50} ms  p99 ${load.p99} ms  ` +
      `server CPU ${(row.serverCpu * 100).toFixed(0)}% = ${cpuPerRequest(row).toFixed(0)} µs/req  load-gen CPU ${(load.loadGenCpu * 100).toFixed(0)}%` +
      `  handled ${num(handled)}` +
      (load.errors || load.non2xx ? `  errors ${load.errors} non-2xx ${load.non2xx}` : ''),
  );
  return row;
}

/** The targets of the receipt storm (`delivered` callbacks nothing handles). */
const RECEIPT_TARGETS: ReadonlySet<IngestTarget> = new Set([
  'limit',
  'viber-bot',
  'nest-express',
  'nest-fastify',
  'nest-express-fast',
  'nest-fastify-fast',
]);

async function benchIngest(): Promise<{ rows: IngestRow[]; profiles: string[] }> {
  log(
    `\nWebhook ingest: ${CONFIG.connections} connections, ${CONFIG.warmupSec} s warm-up + ${CONFIG.durationSec} s per run`,
  );
  const rows: IngestRow[] = [];
  const profiles: string[] = [];
  const targets = (
    [
      'limit',
      'viber-bot',
      'nest-express-empty',
      'nest-fastify-empty',
      'nest-express',
      'nest-fastify',
      'nest-express-fast',
      'nest-fastify-fast',
    ] as const
  ).filter((t) => !TARGETS || TARGETS.includes(t));
  for (const target of targets) {
    const profiled = PROFILE && target.startsWith('nest-') && !target.endsWith('-empty');
    const dir = join(PROFILE_DIR, target);
    if (profiled) mkdirSync(dir, { recursive: true });
    const { child, ready } = await BenchChild.start('ingest-server.ts', [target], {
      nodeFlags: profiled ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [],
    });
    try {
      const port = Number(ready.port);
      rows.push(await measureIngest(child, port, target, 'distinct'));
      rows.push(await measureIngest(child, port, target, 'same'));
      if (RECEIPT_TARGETS.has(target)) {
        rows.push(await measureIngest(child, port, target, 'receipts'));
      }
    } finally {
      await child.stop();
    }
    if (profiled) profiles.push(...newestProfile(dir));
  }
  return { rows, profiles };
}

function ingestTables(rows: IngestRow[]): string {
  const out: string[] = [];
  const titles: Record<CallbackMode, string> = {
    distinct:
      '**Distinct callbacks** (a fresh `message_token`, body and signature per request: the full pipeline, every handler runs)\n',
    same: '**The same signed callback** repeated (after the first, nestjs-viber answers from the duplicate check without running handlers; the others have no dedupe and do everything each time)\n',
    receipts:
      '**Receipt storm**: `delivered` callbacks, a fresh `message_token`, body and signature per request, from 10,000 users in turn; no app has a handler for `delivered` (and the subscriber registry does not record it), so nestjs-viber answers 200 after the signature check and a look at `event`; the limit does its full work (parse, 200), viber-bot its usual work with no listener\n',
  };
  for (const mode of ['distinct', 'same', 'receipts'] as const) {
    const of = (target: IngestTarget): IngestRow | undefined =>
      rows.find((r) => r.target === target && r.mode === mode);
    const limit = of('limit');
    const sdk = of('viber-bot');
    if (!rows.some((r) => r.mode === mode)) continue;
    out.push(titles[mode]);
    out.push(
      table(
        [
          'target',
          'req/s',
          'p50 ms',
          'p99 ms',
          '× limit',
          '× viber-bot',
          'server CPU',
          'server µs/req',
          'load-gen CPU',
          'handler runs',
          'errors',
        ],
        rows
          .filter((r) => r.mode === mode)
          .map((r) => [
            INGEST_LABELS[r.target],
            num(r.load.rps),
            String(r.load.p50),
            String(r.load.p99),
            ratio(limit && r.load.rps / limit.load.rps),
            ratio(sdk && r.load.rps / sdk.load.rps),
            `${(r.serverCpu * 100).toFixed(0)}%`,
            cpuPerRequest(r).toFixed(0),
            `${(r.load.loadGenCpu * 100).toFixed(0)}%`,
            r.target.endsWith('-empty') || (mode === 'receipts' && r.target !== 'limit')
              ? 'n/a'
              : num(r.handled),
            String(r.load.errors + r.load.non2xx),
          ]),
      ),
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Observability: ingest with metrics (and traces) on next to off

/** The targets compared, per platform: off, metrics on, metrics and traces on. */
const OBSERVED: Record<'express' | 'fastify', readonly IngestTarget[]> = {
  fastify: ['nest-fastify', 'nest-fastify-metrics', 'nest-fastify-traced'],
  express: ['nest-express', 'nest-express-metrics', 'nest-express-traced'],
};

interface ObservabilityRow {
  target: IngestTarget;
  /** One measurement per round (distinct callbacks). */
  runs: IngestRow[];
}

/** The library's CPU per callback without HTTP, per variant, one figure per round. */
type DispatchCost = Record<'off' | 'metrics' | 'traced', number[]>;

interface ObservabilityResult {
  rows: ObservabilityRow[];
  dispatch: DispatchCost;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * Each round measures off, metrics on, and metrics and traces on, one after the other, in fresh
 * processes (distinct callbacks, the full pipeline): a load spike on the shared machine then hits
 * one round of all three rather than one target. Ratios are taken within each round.
 */
async function benchObservability(): Promise<ObservabilityResult> {
  log(
    `\nObservability: ingest with metrics (and traces) on next to off, ${CONFIG.observabilityRounds} round(s), ${CONFIG.warmupSec} s warm-up + ${CONFIG.durationSec} s each`,
  );
  const rows = new Map<IngestTarget, ObservabilityRow>();
  const dispatch: DispatchCost = { off: [], metrics: [], traced: [] };
  for (let round = 1; round <= CONFIG.observabilityRounds; round++) {
    for (const variant of ['off', 'metrics', 'traced'] as const) {
      const { child } = await BenchChild.start('dispatch-cost.ts', [variant]);
      try {
        await child.request('measure', { count: CONFIG.dispatchWarmup });
        const { microsPerCallback } = await child.request<{
          type: string;
          microsPerCallback: number;
        }>('measure', { count: CONFIG.dispatchCallbacks });
        dispatch[variant].push(microsPerCallback);
        log(
          `  dispatch ${variant.padEnd(8)} ${microsPerCallback.toFixed(1)} µs of CPU per callback (no HTTP)`,
        );
      } finally {
        await child.stop();
      }
    }
    for (const platform of ['fastify', 'express'] as const) {
      for (const target of OBSERVED[platform]) {
        const { child, ready } = await BenchChild.start('ingest-server.ts', [target]);
        try {
          const row = await measureIngest(child, Number(ready.port), target, 'distinct');
          const entry = rows.get(target) ?? { target, runs: [] };
          entry.runs.push(row);
          rows.set(target, entry);
        } finally {
          await child.stop();
        }
      }
    }
  }
  return { rows: [...rows.values()], dispatch };
}

/** Per round: the target's req/s over its platform's off, and off's CPU per request over its. */
function observabilityRatios(
  rows: ObservabilityRow[],
  target: IngestTarget,
): { rps: number[]; cpu: number[] } {
  const base = OBSERVED[target.startsWith('nest-fastify') ? 'fastify' : 'express'][0]!;
  const off = rows.find((r) => r.target === base)!;
  const on = rows.find((r) => r.target === target)!;
  const rounds = Math.min(off.runs.length, on.runs.length);
  const rps: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < rounds; i++) {
    rps.push(on.runs[i]!.load.rps / off.runs[i]!.load.rps);
    cpu.push(cpuPerRequest(off.runs[i]!) / cpuPerRequest(on.runs[i]!));
  }
  return { rps, cpu };
}

/** The dispatch cost table: the instrumentation's own CPU per callback, without HTTP. */
function dispatchTable(dispatch: DispatchCost, rows: ObservabilityRow[]): string {
  const off = median(dispatch.off);
  const server = rows.find((r) => r.target === 'nest-fastify');
  const serverCpu = server ? median(server.runs.map(cpuPerRequest)) : undefined;
  const lines = (['off', 'metrics', 'traced'] as const).map((variant) => {
    const added = median(dispatch[variant]) - off;
    return [
      variant === 'off' ? 'off' : variant === 'metrics' ? 'metrics on' : 'metrics and traces on',
      dispatch[variant].map((x) => x.toFixed(1)).join(' / '),
      median(dispatch[variant]).toFixed(1),
      variant === 'off' ? '' : `${added >= 0 ? '+' : ''}${added.toFixed(1)}`,
      variant === 'off' || !serverCpu ? '' : `${((added / serverCpu) * 100).toFixed(1)}%`,
    ];
  });
  return [
    `**The library alone**, without HTTP: ${num(CONFIG.dispatchCallbacks)} distinct text callbacks through \`bot.receive\` one after the other (parse, validation, dedupe, subscriber registry, one handler through Nest's pipeline, the instrumentation), after ${num(CONFIG.dispatchWarmup)} for warm-up, in a fresh process per variant and round; process CPU time per callback. It depends far less on other load than the HTTP figures. "Share of a request" divides the added time by the Fastify server's CPU per request above (off, median).\n`,
    table(
      [
        'variant',
        'µs per callback, per round',
        'µs (median)',
        'added µs',
        'share of a Fastify request',
      ],
      lines,
    ),
  ].join('\n');
}

function observabilityTable(rows: ObservabilityRow[]): string {
  const lines = rows.map((row) => {
    const { rps, cpu } = observabilityRatios(rows, row.target);
    const off = OBSERVED.fastify[0] === row.target || OBSERVED.express[0] === row.target;
    return [
      INGEST_LABELS[row.target],
      row.runs.map((r) => num(r.load.rps)).join(' / '),
      num(median(row.runs.map((r) => r.load.rps))),
      row.runs.map((r) => cpuPerRequest(r).toFixed(0)).join(' / '),
      num(median(row.runs.map(cpuPerRequest))),
      off ? '1.00×' : `${ratio(median(rps))} (${rps.map((x) => x.toFixed(2)).join(' / ')})`,
      off ? '1.00×' : `${ratio(median(cpu))} (${cpu.map((x) => x.toFixed(2)).join(' / ')})`,
      String(row.runs.reduce((sum, r) => sum + r.load.errors + r.load.non2xx, 0)),
    ];
  });
  const goals = (['fastify', 'express'] as const).flatMap((platform) => {
    const target = OBSERVED[platform][1]!;
    if (!rows.some((r) => r.target === target)) return [];
    const { rps, cpu } = observabilityRatios(rows, target);
    return [
      [
        `${platform === 'fastify' ? 'Fastify' : 'Express'}: ingest with metrics on within 10% of off`,
        ratio(median(cpu)),
        ratio(median(rps)),
        // Within 10%: at most 1.1 × the CPU per request of off.
        verdict(median(cpu) >= 1 / 1.1),
      ],
    ];
  });
  return [
    `Distinct callbacks (the full pipeline, every handler runs), ${CONFIG.connections} connections; each round measures the three variants of a platform one after the other, each in a fresh process. Figures per round (a / b / c) and their median; the ratios are taken within each round (on ÷ off for req/s, off ÷ on for CPU per request: 1.00× = no cost).\n`,
    table(
      [
        'target',
        'req/s per round',
        'req/s (median)',
        'server µs/req per round',
        'µs/req (median)',
        '× off, req/s',
        '× off, by CPU per request',
        'errors',
      ],
      lines,
    ),
    table(['goal', 'by server CPU per request', 'req/s (reference)', 'verdict'], goals),
    'The verdict uses the server CPU per request (off ÷ on, median of the rounds; within 10% means at least 0.91×): on a shared 2-core machine it moves far less with other load than req/s, which is given for reference.\n',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Outgoing

interface SendRow {
  client: OutgoingClient;
  wallMs: number;
  ok: number;
  failed: number;
  exactTokens: number;
  sampleToken?: string;
  firstError?: string;
  stats: FakeApiStats;
}

interface BroadcastRow {
  client: OutgoingClient;
  style: BroadcastStyle;
  receivers: number;
  wallMs?: number;
  sent?: number;
  failed?: number;
  error?: string;
  stats?: FakeApiStats;
  unsupported?: boolean;
  note?: string;
}

/**
 * The ideal duration of a broadcast: requests of `perRequest` receivers, `concurrency` at a time,
 * each taking `latencyMs`, and at most `limit` starting in any `intervalMs` (a sliding window).
 * Simulates the best schedule.
 */
function idealBroadcastMs(receivers: number, latencyMs = API_LATENCY_MS): number {
  const requests = Math.ceil(receivers / BROADCAST.perRequest);
  const starts: number[] = [];
  const workers = new Array<number>(BROADCAST.concurrency).fill(0);
  let end = 0;
  for (let i = 0; i < requests; i++) {
    const slot = workers.indexOf(Math.min(...workers));
    const paced = i >= BROADCAST.limit ? starts[i - BROADCAST.limit]! + BROADCAST.intervalMs : 0;
    const start = Math.max(workers[slot]!, paced);
    starts.push(start);
    workers[slot] = start + latencyMs;
    end = Math.max(end, start + latencyMs);
  }
  return end;
}

async function apiStats(api: BenchChild): Promise<FakeApiStats> {
  return (await api.request<{ type: string; stats: FakeApiStats }>('stats')).stats;
}

async function benchOutgoing(): Promise<{
  sends: SendRow[];
  broadcasts: BroadcastRow[];
  profiles: string[];
}> {
  log(
    `\nOutgoing against a local fake API (${API_LATENCY_MS} ms per request): ${num(CONFIG.sends)} sends (${CONFIG.sendConcurrency} at a time), broadcast to ${num(CONFIG.broadcastReceivers)}`,
  );
  const { child: api, ready } = await BenchChild.start('fake-viber-api.ts', [
    String(API_LATENCY_MS),
  ]);
  const apiUrl = `http://127.0.0.1:${Number(ready.port)}/pa`;
  const sends: SendRow[] = [];
  const broadcasts: BroadcastRow[] = [];
  const profiles: string[] = [];
  const clients: OutgoingClient[] = ['limit', 'nestjs-viber', 'viber-bot', 'messaging-api-viber'];
  try {
    for (const client of clients) {
      if (client === 'viber-bot') {
        broadcasts.push({
          client,
          style: 'library',
          receivers: CONFIG.broadcastReceivers,
          unsupported: true,
          note: 'no broadcast: its client has no broadcast_message endpoint',
        });
      }
      const profiled = PROFILE && client === 'nestjs-viber';
      const dir = join(PROFILE_DIR, 'client-nestjs-viber');
      if (profiled) mkdirSync(dir, { recursive: true });
      const { child } = await BenchChild.start('outgoing-client.ts', [client, apiUrl], {
        nodeFlags: profiled ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [],
      });
      try {
        await child.request('send', {
          count: CONFIG.sendWarmup,
          first: 50_000_000,
          concurrency: CONFIG.sendConcurrency,
        });
        await apiStats(api);
        const send = await child.request<{ type: string } & Omit<SendRow, 'client' | 'stats'>>(
          'send',
          { count: CONFIG.sends, first: 0, concurrency: CONFIG.sendConcurrency },
        );
        const row: SendRow = { ...send, client, stats: await apiStats(api) };
        sends.push(row);
        log(
          `  ${client.padEnd(20)} send      ${num(row.wallMs).padStart(6)} ms  ok ${row.ok}  requests ${row.stats.requests}  connections ${row.stats.connections}  token ${row.sampleToken}`,
        );
        const styles: BroadcastStyle[] =
          client === 'messaging-api-viber'
            ? ['library', 'chunked-by-caller']
            : client === 'nestjs-viber'
              ? ['library']
              : client === 'limit'
                ? ['chunked-by-caller']
                : [];
        for (const style of styles) {
          broadcasts.push(await broadcastRow(api, child, client, style, CONFIG.broadcastReceivers));
        }
        if (client === 'messaging-api-viber' && CONFIG.rateBoundReceivers > 0) {
          broadcasts.push(
            await broadcastRow(api, child, client, 'chunked-by-caller', CONFIG.rateBoundReceivers),
          );
        }
      } finally {
        await child.stop();
      }
      if (profiled) profiles.push(...newestProfile(dir));
    }
    if (CONFIG.rateBoundReceivers > 0) {
      // A fresh client: its rate limiter must not remember the first broadcast's requests.
      const { child } = await BenchChild.start('outgoing-client.ts', ['nestjs-viber', apiUrl]);
      try {
        broadcasts.push(
          await broadcastRow(api, child, 'nestjs-viber', 'library', CONFIG.rateBoundReceivers),
        );
      } finally {
        await child.stop();
      }
    }
  } finally {
    await api.stop();
  }
  return { sends, broadcasts, profiles };
}

async function broadcastRow(
  api: BenchChild,
  child: BenchChild,
  client: OutgoingClient,
  style: BroadcastStyle,
  receivers: number,
): Promise<BroadcastRow> {
  await apiStats(api);
  const answer = await child.request<
    { type: string } & Omit<BroadcastRow, 'client' | 'style' | 'receivers'>
  >('broadcast', { count: receivers, style });
  const row: BroadcastRow = {
    client,
    style,
    receivers,
    ...answer,
    stats: await apiStats(api),
  };
  log(
    `  ${client.padEnd(20)} broadcast ${num(receivers)} (${style}) ${num(row.wallMs ?? 0)} ms  requests ${row.stats?.requests}  accepted ${row.stats?.acceptedReceivers}  busiest 10 s ${row.stats?.maxBroadcastsPer10s}  tightest 500th gap ${num(row.stats?.tightest500thGapMs ?? -1, 1)} ms${row.error ? `  error: ${row.error}` : ''}`,
  );
  return row;
}

const CLIENT_LABELS: Record<OutgoingClient, string> = {
  limit: 'limit (bare node:http client)',
  'nestjs-viber': 'nestjs-viber',
  'viber-bot': 'viber-bot 1.0.18',
  'messaging-api-viber': 'messaging-api-viber 1.1.0',
};

function outgoingTables(sends: SendRow[], broadcasts: BroadcastRow[]): string {
  const idealSend = Math.ceil(CONFIG.sends / CONFIG.sendConcurrency) * API_LATENCY_MS;
  const ours = sends.find((s) => s.client === 'nestjs-viber');
  const floor = sends.find((s) => s.client === 'limit');
  const out: string[] = [];
  out.push(
    `**${num(CONFIG.sends)} messages to distinct receivers**, ${CONFIG.sendConcurrency} \`send_message\` calls in flight at a time (a warm-up of ${CONFIG.sendWarmup} sends first, on the same connections). Ideal: ${num(CONFIG.sends)} / ${CONFIG.sendConcurrency} × ${API_LATENCY_MS} ms = ${num(idealSend)} ms.\n`,
  );
  out.push(
    table(
      [
        'client',
        'wall ms',
        '× ideal',
        '× limit',
        '× nestjs-viber',
        'msg/s',
        'requests',
        'new connections',
        'sent ok',
        'exact message_token',
      ],
      sends.map((s) => [
        CLIENT_LABELS[s.client],
        num(s.wallMs),
        ratio(s.wallMs / idealSend),
        ratio(floor && s.wallMs / floor.wallMs),
        ratio(ours && s.wallMs / ours.wallMs),
        num(s.ok / (s.wallMs / 1000)),
        num(s.stats.requests),
        num(s.stats.connections),
        `${num(s.ok)}${s.failed ? ` (${num(s.failed)} failed: ${s.firstError})` : ''}`,
        s.exactTokens === s.ok ? 'yes' : `no (\`${s.sampleToken}\`)`,
      ]),
    ),
  );
  out.push(
    `**One broadcast** (defaults: ${BROADCAST.perRequest} receivers per request, ${BROADCAST.concurrency} requests in flight, ${BROADCAST.limit} requests per ${BROADCAST.intervalMs / 1000} s). The fake API refuses a list over 300 receivers with status 3, as the documented limit says. Ideal = the best schedule for the request count, the concurrency, the ${API_LATENCY_MS} ms latency and the sliding-window rate limit.\n`,
  );
  out.push(
    table(
      [
        'client',
        'receivers',
        'how',
        'wall ms',
        'ideal ms',
        '× ideal',
        'requests',
        'delivered',
        'busiest 10 s',
        'note',
      ],
      broadcasts.map((b) => {
        const ideal = idealBroadcastMs(b.receivers);
        if (b.unsupported) {
          return [
            CLIENT_LABELS[b.client],
            num(b.receivers),
            'n/a',
            'n/a',
            num(ideal),
            'n/a',
            'n/a',
            'n/a',
            'n/a',
            b.note ?? 'no broadcast call',
          ];
        }
        const overLimit = (b.stats?.maxBroadcastsPer10s ?? 0) > BROADCAST.limit;
        const notes = [
          b.error ? `rejected: ${b.error}` : '',
          overLimit
            ? `${num(b.stats!.maxBroadcastsPer10s)} requests arrived within 10 s (a request only ${num(b.stats!.tightest500thGapMs, 1)} ms after the 500th before it): over the ${BROADCAST.limit}/10 s limit, Viber would answer status 12`
            : '',
          (b.stats?.largestBroadcastList ?? 0) > 300
            ? `one request with ${num(b.stats!.largestBroadcastList)} ids`
            : '',
        ].filter(Boolean);
        return [
          CLIENT_LABELS[b.client],
          num(b.receivers),
          b.style === 'library' ? 'its broadcast call' : 'caller chunks by 300, 10 at a time',
          num(b.wallMs ?? 0),
          num(ideal),
          ratio((b.wallMs ?? 0) / ideal),
          num(b.stats?.requests ?? 0),
          num(b.stats?.acceptedReceivers ?? 0),
          num(b.stats?.maxBroadcastsPer10s ?? 0),
          notes.join('; ') || '',
        ];
      }),
    ),
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Memory

interface StoreFootprint {
  dedupeKeys: number;
  dedupeBytes: number;
  users: number;
  subscriberBytes: number;
}

interface MemoryResult {
  platform: IngestTarget;
  baseline: NodeJS.MemoryUsage;
  mid: NodeJS.MemoryUsage;
  end: NodeJS.MemoryUsage;
  callbacks: number;
  rps: number;
  errors: number;
  stores: StoreFootprint;
}

async function benchMemory(): Promise<MemoryResult> {
  log(
    `\nMemory: ${num(CONFIG.memoryCallbacks)} distinct callbacks into nestjs-viber (${MEMORY_PLATFORM}), RSS after a forced GC`,
  );
  const { child, ready } = await BenchChild.start('ingest-server.ts', [MEMORY_PLATFORM], {
    nodeFlags: ['--expose-gc'],
  });
  const port = Number(ready.port);
  const memory = (): Promise<NodeJS.MemoryUsage> =>
    child.request<IpcMessage & NodeJS.MemoryUsage>('memory', { gc: true });
  const post = (amount: number): Promise<LoadResult> =>
    runLoad({
      port,
      mode: 'distinct',
      connections: CONFIG.connections,
      amount,
      nextToken,
      fixedToken: FIXED_MESSAGE_TOKEN,
    });
  let result: Omit<MemoryResult, 'stores'>;
  try {
    await post(CONFIG.memoryWarmup);
    const baseline = await memory();
    const half = Math.floor(CONFIG.memoryCallbacks / 2);
    const first = await post(half);
    const mid = await memory();
    const second = await post(CONFIG.memoryCallbacks - half);
    const end = await memory();
    result = {
      platform: MEMORY_PLATFORM,
      baseline,
      mid,
      end,
      callbacks: first.requests + second.requests,
      rps: (first.requests + second.requests) / (first.durationSec + second.durationSec),
      errors: first.errors + first.non2xx + second.errors + second.non2xx,
    };
  } finally {
    await child.stop();
  }
  const { child: footprint } = await BenchChild.start('store-footprint.ts', [], {
    nodeFlags: ['--expose-gc'],
  });
  try {
    const stores = await footprint.request<IpcMessage & StoreFootprint>('measure', {
      users: USER_POOL,
      bot: 'default',
      event: 'message',
    });
    const growth = (result.end.rss - result.baseline.rss) / result.baseline.rss;
    log(
      `  RSS ${mb(result.baseline.rss)} → ${mb(result.mid.rss)} → ${mb(result.end.rss)} (${(growth * 100).toFixed(1)}%), heap ${mb(result.baseline.heapUsed)} → ${mb(result.end.heapUsed)}; dedupe store full: ${mb(stores.dedupeBytes)}`,
    );
    return { ...result, stores };
  } finally {
    await footprint.stop();
  }
}

function memoryTable(m: MemoryResult): string {
  const growth = (to: NodeJS.MemoryUsage, key: 'rss' | 'heapUsed'): string =>
    `${(((to[key] - m.baseline[key]) / m.baseline[key]) * 100).toFixed(1)}%`;
  const half = Math.floor(CONFIG.memoryCallbacks / 2);
  const row = (label: string, at: NodeJS.MemoryUsage, first = false): string[] => [
    label,
    mb(at.rss),
    first ? '' : growth(at, 'rss'),
    mb(at.heapUsed),
    first ? '' : growth(at, 'heapUsed'),
    mb(at.heapTotal),
    mb(at.rss - at.heapTotal),
  ];
  const tokensSeen = CONFIG.memoryWarmup + CONFIG.memoryCallbacks;
  const storeBytes =
    (m.stores.dedupeBytes * Math.min(tokensSeen, m.stores.dedupeKeys)) / m.stores.dedupeKeys;
  const netGrowth = (m.end.rss - m.baseline.rss - storeBytes) / m.baseline.rss;
  return [
    `nestjs-viber on ${m.platform === 'nest-fastify' ? 'Fastify' : 'Express'}, distinct callbacks from ${num(USER_POOL)} users in turn (every handler runs, every token is remembered), ${CONFIG.connections} connections, ${num(m.rps)} callbacks/s, ${m.errors} errors. Readings after a forced GC (\`--expose-gc\`); the baseline follows a warm-up of ${num(CONFIG.memoryWarmup)} callbacks (every user once, so the subscriber registry is complete before it).\n`,
    table(
      [
        'reading',
        'RSS',
        'RSS growth',
        'heap used',
        'heap growth',
        'heap committed',
        'RSS outside the heap',
      ],
      [
        row('baseline (after warm-up)', m.baseline, true),
        row(`after ${num(half)}`, m.mid),
        row(`after ${num(CONFIG.memoryCallbacks)}`, m.end),
      ],
    ),
    `What the caches hold by design, measured in isolation (keys built as the bot builds them): the default dedupe store keeps up to ${num(m.stores.dedupeKeys)} tokens for an hour: ${mb(m.stores.dedupeBytes)} of heap when full (${num(m.stores.dedupeBytes / m.stores.dedupeKeys)} bytes per token); this run saw ${num(tokensSeen)} tokens, so about ${mb(storeBytes)} of the growth is the store filling up. RSS growth net of it: ${(netGrowth * 100).toFixed(1)}%. The subscriber registry (in memory by default, one record per user, not bounded) takes ${num(m.stores.subscriberBytes / m.stores.users)} bytes per user (${mb(m.stores.subscriberBytes)} for ${num(m.stores.users)}); it is complete at the baseline here. ${
      CONFIG.memoryWarmup + half >= m.stores.dedupeKeys
        ? `The dedupe store is full at the middle reading (${num(CONFIG.memoryWarmup + half)} tokens seen), so the last two readings compare the same amount of cached state: ${mb(m.end.rss - m.mid.rss)} RSS and ${mb(m.end.heapUsed - m.mid.heapUsed)} of heap between them.`
        : `The dedupe store is not full in this run.`
    }\n`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Goals and output

interface Results {
  ingest?: IngestRow[];
  observability?: ObservabilityResult;
  sends?: SendRow[];
  broadcasts?: BroadcastRow[];
  memory?: MemoryResult;
  profiles: string[];
}

/** One row of a goals table: goal, measured, by CPU, verdict. */
type GoalRow = [string, string, string, string];

/** The ingest acceptance of issue 20 (distinct callbacks, and the receipt storm). */
function ingestGoals(ingest: IngestRow[]): GoalRow[] {
  const of = (target: IngestTarget, mode: CallbackMode): IngestRow | undefined =>
    ingest.find((row) => row.target === target && row.mode === mode);
  const check = (
    label: string,
    target: IngestTarget,
    base: IngestTarget,
    mode: CallbackMode,
    goal: number,
  ): GoalRow => {
    const value = of(target, mode);
    const reference = of(base, mode);
    if (!value || !reference) return [label, 'n/a', 'n/a', 'n/a'];
    const actual = value.load.rps / reference.load.rps;
    const byCpu = cpuPerRequest(reference) / cpuPerRequest(value);
    return [label, ratio(actual), ratio(byCpu), verdict(actual >= goal)];
  };
  const rows: GoalRow[] = [];
  for (const [suffix, how] of [
    ['', 'controller'],
    ['-fast', '`fastPath`'],
  ] as const) {
    const express = `nest-express${suffix}` as IngestTarget;
    const fastify = `nest-fastify${suffix}` as IngestTarget;
    rows.push(
      check(`Express ≥ 1.2× viber-bot (${how})`, express, 'viber-bot', 'distinct', 1.2),
      check(`Fastify ≥ 2× viber-bot (${how})`, fastify, 'viber-bot', 'distinct', 2),
      check(`Fastify ≥ 0.4× limit (${how})`, fastify, 'limit', 'distinct', 0.4),
      check(`receipt storm: Fastify ≥ 0.6× limit (${how})`, fastify, 'limit', 'receipts', 0.6),
    );
  }
  return rows;
}

/** The outgoing acceptance: 10,000 sends, and the broadcast goals of the first benchmarks. */
function outgoingGoals(sends: SendRow[], broadcasts: BroadcastRow[]): GoalRow[] {
  const rows: GoalRow[] = [];
  const ours = sends.find((s) => s.client === 'nestjs-viber');
  const peer = sends.find((s) => s.client === 'messaging-api-viber');
  const floor = sends.find((s) => s.client === 'limit');
  if (ours && peer) {
    const x = ours.wallMs / peer.wallMs;
    rows.push([
      `${num(CONFIG.sends)} sends faster than messaging-api-viber (wall time, ours ÷ theirs)`,
      ratio(x),
      '',
      verdict(x < 1 && ours.ok === CONFIG.sends),
    ]);
  }
  if (ours && floor) {
    const x = ours.wallMs / floor.wallMs;
    rows.push([
      `${num(CONFIG.sends)} sends within 1.3× of the bare client (validation on)`,
      ratio(x),
      '',
      verdict(x <= 1.3 && ours.ok === CONFIG.sends),
    ]);
  }
  const broadcast = broadcasts.find(
    (b) =>
      b.client === 'nestjs-viber' &&
      b.receivers === CONFIG.broadcastReceivers &&
      b.wallMs !== undefined,
  );
  if (broadcast) {
    const x = broadcast.wallMs! / idealBroadcastMs(broadcast.receivers);
    rows.push([
      `broadcast to ${num(broadcast.receivers)} within 1.2× of ideal`,
      ratio(x),
      '',
      verdict(x <= 1.2 && (broadcast.stats?.acceptedReceivers ?? 0) === broadcast.receivers),
    ]);
  }
  const paced = broadcasts.find(
    (b) => b.client === 'nestjs-viber' && b.receivers === CONFIG.rateBoundReceivers,
  );
  if (paced?.stats) {
    rows.push([
      `extra check: broadcast to ${num(paced.receivers)}, at most ${BROADCAST.limit} requests arrive in any 10 s`,
      `${num(paced.stats.maxBroadcastsPer10s)} in the busiest window`,
      '',
      verdict(paced.stats.maxBroadcastsPer10s <= BROADCAST.limit),
    ]);
  }
  return rows;
}

function memoryGoals(m: MemoryResult): GoalRow[] {
  const g = (m.end.rss - m.baseline.rss) / m.baseline.rss;
  return [
    [
      `RSS growth < 10% after ${num(CONFIG.memoryCallbacks)} callbacks`,
      `${(g * 100).toFixed(1)}%`,
      '',
      verdict(g < 0.1),
    ],
  ];
}

function goalsTable(rows: GoalRow[], byCpu: boolean): string {
  return [
    table(
      byCpu
        ? ['goal', 'measured (req/s)', 'same, by server CPU per request', 'verdict']
        : ['goal', 'measured', 'verdict'],
      byCpu ? rows : rows.map(([goal, measured, , v]) => [goal, measured, v]),
    ),
    byCpu
      ? 'The verdicts use req/s as the issue states the goals. "By server CPU per request" divides the CPU time each server spent per request (reference ÷ target): it depends less on what else runs on the machine.\n'
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function profileSection(files: string[]): string {
  if (files.length === 0) return '';
  const out = ['### CPU profiles (`--profile`: distinct and same callbacks, whole server run)\n'];
  for (const file of files) {
    const { frames, byOrigin } = summarizeProfile(file, 12);
    out.push(`\`${file.split('/').slice(-2, -1)[0]}\`: self time by origin\n`);
    out.push(
      table(
        ['origin', 'self %'],
        byOrigin.slice(0, 10).map((o) => [o.origin, o.selfPercent.toFixed(1)]),
      ),
    );
    out.push('Top functions by self time\n');
    out.push(
      table(
        ['function', 'where', 'self %'],
        frames.map((f) => [f.name, f.where, f.selfPercent.toFixed(1)]),
      ),
    );
  }
  return out.join('\n');
}

/** The parts of a run; each has its own block between the results markers. */
type Part = 'ingest' | 'outgoing' | 'memory';

interface RunInfo {
  startedAt: Date;
  totalSec: number;
  /** The machine, with the load average, taken when the run started. */
  machine: string;
  /** The load average (1/5/15 min) when the run ended. */
  loadAtEnd: string;
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/** The generated block of each part that ran. */
function resultsMarkdown(r: Results, run: RunInfo): Map<Part, string> {
  const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  const header = [
    `Generated by \`${command}\` on ${run.startedAt.toISOString()} in ${num(run.totalSec)} s${QUICK ? ' (**--quick**: short runs, small counts; not representative)' : ''}.\n`,
    `${run.machine}\n- Load average when the run ended: ${run.loadAtEnd}\n`,
  ];
  const blocks = new Map<Part, string>();
  const block = (parts: string[]): string => parts.filter(Boolean).join('\n');
  if (r.ingest) {
    blocks.set(
      'ingest',
      block([
        '### Webhook ingest\n',
        ...header,
        '#### Goals\n',
        goalsTable(ingestGoals(r.ingest), true),
        ingestTables(r.ingest),
        profileSection(r.profiles.filter((f) => !f.includes('client-'))),
      ]),
    );
  }
  if (r.sends && r.broadcasts) {
    blocks.set(
      'outgoing',
      block([
        '### Outgoing\n',
        ...header,
        '#### Goals\n',
        goalsTable(outgoingGoals(r.sends, r.broadcasts), false),
        outgoingTables(r.sends, r.broadcasts),
        profileSection(r.profiles.filter((f) => f.includes('client-'))),
      ]),
    );
  }
  if (r.memory) {
    blocks.set(
      'memory',
      block([
        '### Memory\n',
        ...header,
        '#### Goals\n',
        goalsTable(memoryGoals(r.memory), false),
        memoryTable(r.memory),
      ]),
    );
  }
  return blocks;
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';
const OBSERVABILITY_START = '<!-- bench:observability:start -->';
const OBSERVABILITY_END = '<!-- bench:observability:end -->';

/** The observability comparison, written between its own markers. */
function observabilityMarkdown(result: ObservabilityResult, startedAt: Date): string {
  const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  return [
    `Generated by \`${command}\` on ${startedAt.toISOString()}${QUICK ? ' (**--quick**: short runs; not representative)' : ''}.\n`,
    machineDescription() + '\n',
    observabilityTable(result.rows),
    dispatchTable(result.dispatch, result.rows),
  ].join('\n');
}

/** Writes `section` between the `start` and `end` markers of BENCHMARKS.md (appended when absent). */
function writeMarkedSection(section: string, start: string, end: string): void {
  const file = join(REPO_ROOT, 'BENCHMARKS.md');
  const generated = `${start}\n\n${section}\n${end}`;
  if (!existsSync(file)) {
    writeFileSync(file, `# Benchmarks\n\n${generated}\n`);
    return;
  }
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  writeFileSync(
    file,
    from >= 0 && to > from
      ? `${text.slice(0, from)}${generated}${text.slice(to + end.length)}`
      : `${text.trimEnd()}\n\n${generated}\n`,
  );
}

const PARTS: readonly Part[] = ['ingest', 'outgoing', 'memory'];
const partStart = (part: Part): string => `<!-- bench:${part}:start -->`;
const partEnd = (part: Part): string => `<!-- bench:${part}:end -->`;

/**
 * Writes each part's block between its own markers inside the results section, so a run of one
 * part (`--only=ingest`) leaves the others' figures in place.
 */
function writeBenchmarksMd(blocks: Map<Part, string>): void {
  const file = join(REPO_ROOT, 'BENCHMARKS.md');
  const wrap = (part: Part, text: string): string =>
    `${partStart(part)}\n\n${text}\n${partEnd(part)}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  if (!text.includes(START) || !text.includes(END)) {
    text = `${text.trimEnd()}\n\n${START}\n\n${END}\n`;
  }
  for (const part of PARTS) {
    const section = blocks.get(part);
    if (section === undefined) continue;
    const from = text.indexOf(partStart(part));
    const to = text.indexOf(partEnd(part));
    if (from >= 0 && to > from) {
      text = `${text.slice(0, from)}${wrap(part, section)}${text.slice(to + partEnd(part).length)}`;
    } else {
      // A part without a block yet goes at the end of the results section.
      const at = text.indexOf(END);
      text = `${text.slice(0, at)}${wrap(part, section)}\n\n${text.slice(at)}`;
    }
  }
  writeFileSync(file, text);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = machineDescription();
  log(`nestjs-viber benchmarks${QUICK ? ' (--quick)' : ''}\n${machine}`);
  if (PROFILE) rmSync(PROFILE_DIR, { recursive: true, force: true });
  const build = buildBench();
  useBuild(build);
  log(
    `Compiled libs/ and bench/ to ${build.dir} (${num((Date.now() - startedAt.getTime()) / 1000, 1)} s)`,
  );
  try {
    await runAll(startedAt, machine);
  } finally {
    removeBuild(build);
  }
}

async function runAll(startedAt: Date, machine: string): Promise<void> {
  const results: Results = { profiles: [] };
  const main = ['ingest', 'outgoing', 'memory'].some((part) => ONLY.has(part));
  if (ONLY.has('ingest')) {
    const { rows, profiles } = await benchIngest();
    results.ingest = rows;
    results.profiles = profiles;
  }
  if (ONLY.has('outgoing')) {
    const { sends, broadcasts, profiles } = await benchOutgoing();
    results.sends = sends;
    results.broadcasts = broadcasts;
    results.profiles.push(...profiles);
  }
  if (ONLY.has('memory')) results.memory = await benchMemory();
  if (ONLY.has('observability')) results.observability = await benchObservability();
  const totalSec = (Date.now() - startedAt.getTime()) / 1000;
  if (main) {
    const blocks = resultsMarkdown(results, {
      startedAt,
      totalSec,
      machine,
      loadAtEnd: loadAverage(),
    });
    log(`\n${[...blocks.values()].join('\n')}`);
    if (WRITE) {
      writeBenchmarksMd(blocks);
      log('Written to BENCHMARKS.md');
    }
  }
  if (results.observability) {
    const markdown = observabilityMarkdown(results.observability, startedAt);
    log(`\n${markdown}`);
    if (WRITE) {
      writeMarkedSection(markdown, OBSERVABILITY_START, OBSERVABILITY_END);
      log('Written to BENCHMARKS.md (observability section)');
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
