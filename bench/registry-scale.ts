/**
 * The subscriber registry at scale: each store (in memory, Redis) filled with 10k, 100k and 1M
 * users, one store and size per process (and a fresh redis-server per Redis run), then counts,
 * pages, a walk over everyone and a broadcast to everyone against the fake API, with the event
 * loop watched throughout. Then 10 million users' bitmaps in Redis, to measure `count` at 10M.
 * Prints the tables and writes them into BENCHMARKS.md between the registry markers.
 *
 *   npm run bench:registry                          # full run (about 15 minutes)
 *   npm run bench:registry -- --sizes=10000,100000  # some sizes
 *   npm run bench:registry -- --stores=redis        # one store
 *   npm run bench:registry -- --no-write            # print only
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisSubscriberStore } from 'nestjs-viber';
import { buildBench, removeBuild } from './build';
import { BenchChild, REPO_ROOT, useBuild, type IpcMessage } from './child-process';
import { benchUser } from './registry-data';
import { startBenchRedis } from './redis-server';
import { machineDescription, mb, num, ratio, table, verdict } from './report';

const args = process.argv.slice(2);
const option = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const SIZES = (option('sizes') ?? '10000,100000,1000000').split(',').map(Number);
const STORES = (option('stores') ?? 'memory,redis').split(',') as Array<'memory' | 'redis'>;
const WRITE = !args.includes('--no-write');
const TEN_MILLION = !args.includes('--no-10m');
const CHILD_FLAGS = option('child-flags')?.split(',') ?? [];
const START = '<!-- registry:results:start -->';
const END = '<!-- registry:results:end -->';
const log = (line: string): void => console.log(line);

interface Watched {
  wallMs: number;
  cpuMs: number;
  redisCpuMs: number;
  loopMaxMs: number;
  timerLateMs: number;
  tickCpuMaxMs: number;
  /** The runner's own worst loop delay during the step: an idle process on the same machine. */
  controlLoopMaxMs: number;
}
interface Timing {
  median: number;
  max: number;
  /** Median CPU time per call, the process and Redis (counts only). */
  cpu?: number;
}
interface Run {
  store: 'memory' | 'redis';
  users: number;
  loadBefore: string;
  loadAfter: string;
  fill: Watched & {
    perSecond: number;
    heapPerUser: number;
    redisPerUser?: number;
    redisUsedMemory?: number;
    sampleKeyBytes?: number;
    sampleKeyEncoding?: string;
    keys?: number;
  };
  count: Watched & { de: Timing; all: Timing; three: Timing; countryCount: number };
  /** The iterate() walks (median); `list`: one walk with list(). */
  walk: Watched & { seen: number; walkCpuMs: number; list: Watched & { seen: number } };
  pages: Watched & {
    first: Timing;
    late: Timing;
    firstCpu: number;
    lastCpu: number;
    lateItems: number;
  };
  broadcast: Watched & {
    sent: number;
    requests: number;
    firstRequestMs: number;
    heapGrowth: number;
    heapRetained: number;
  };
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function runOne(store: 'memory' | 'redis', users: number, apiUrl: string): Promise<Run> {
  const loadBefore = loadAverage();
  const redis = store === 'redis' ? await startBenchRedis() : undefined;
  const { child } = await BenchChild.start(
    'registry-child.ts',
    [store, String(users), String(redis?.port ?? 0)],
    // `--child-flags=--trace-gc,--cpu-prof` adds Node flags to the measured process.
    { nodeFlags: ['--expose-gc', ...CHILD_FLAGS] },
  );
  const step = async <T>(type: string, payload: Record<string, unknown> = {}): Promise<T> => {
    const started = Date.now();
    const control = monitorEventLoopDelay({ resolution: 1 });
    control.enable();
    const answer = await child.request<IpcMessage>(type, payload, 3_600_000);
    control.disable();
    log(`  ${store} ${num(users)}: ${type} (${num((Date.now() - started) / 1000, 1)} s)`);
    return { ...answer, controlLoopMaxMs: control.max / 1e6 } as unknown as T;
  };
  try {
    const fill = await step<Run['fill']>('fill');
    const count = await step<Run['count']>('count');
    const walk = await step<Run['walk']>('walk');
    const pages = await step<Run['pages']>('pages');
    const broadcast = await step<Run['broadcast']>('broadcast', { apiUrl });
    return {
      store,
      users,
      loadBefore,
      loadAfter: loadAverage(),
      fill,
      count,
      walk,
      pages,
      broadcast,
    };
  } finally {
    await child.stop();
    await redis?.stop();
  }
}

/** Bitmaps of 10M users with the benchmark's shares, straight into Redis; count on them. */
async function tenMillionCounts(): Promise<{
  de: Timing;
  all: Timing;
  three: Timing;
  bytes: number;
  load: string;
}> {
  const users = 10_000_000;
  const redisServer = await startBenchRedis();
  const redis = new Redis(redisServer.port);
  try {
    const prefix = 'nestjs-viber:subscribers:x:';
    // The same assignments as registry-child.ts's benchUser.
    const bitmaps = new Map<string, Buffer>();
    const set = (name: string, i: number): void => {
      let bitmap = bitmaps.get(name);
      if (!bitmap) {
        bitmap = Buffer.alloc(Math.ceil(users / 8));
        bitmaps.set(name, bitmap);
      }
      bitmap[i >> 3]! |= 128 >> (i & 7);
    };
    const levels = new Set<string>();
    for (let i = 0; i < users; i++) {
      const user = benchUser(i);
      set('all', i);
      if (user.subscribed) set('s', i);
      set(`c:${user.profile!.country}`, i);
      set(`l:${user.profile!.language}`, i);
      set(`v:${user.profile!.api_version}`, i);
      levels.add(String(user.profile!.api_version));
      set(`o:${user.profile!.primary_device_os!.split(' ')[0]!.toLowerCase()}`, i);
    }
    let bytes = 0;
    for (const [name, bitmap] of bitmaps) {
      await redis.set(`${prefix}${name}`, bitmap);
      bytes += bitmap.length;
    }
    await redis.sadd('nestjs-viber:subscribers:levels', ...levels);
    const store = new RedisSubscriberStore(redis);
    const redisCpu = async (): Promise<number> => {
      const info = await redis.info('cpu');
      const field = (name: string): number =>
        Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
      return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
    };
    const timed = async (run: () => Promise<unknown>): Promise<Timing> => {
      const samples: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < 21; i++) {
        const before = await redisCpu();
        const started = performance.now();
        await run();
        samples.push(performance.now() - started);
        cpu.push((await redisCpu()) - before);
      }
      samples.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      return { median: samples[10]!, max: samples[20]!, cpu: cpu[10]! };
    };
    const load = loadAverage();
    return {
      de: await timed(() => store.count({ country: 'DE' })),
      all: await timed(() => store.count()),
      three: await timed(() =>
        store.count({ country: ['UA', 'PL', 'GB'], language: 'uk', minApiVersion: 6 }),
      ),
      bytes,
      load,
    };
  } finally {
    redis.disconnect();
    await redisServer.stop();
  }
}

const ms = (value: number): string => (value >= 100 ? num(value) : num(value, value >= 10 ? 1 : 2));

type TenMillion = Awaited<ReturnType<typeof tenMillionCounts>>;

function markdown(
  runs: Run[],
  ten: TenMillion | undefined,
  startedAt: Date,
  redisVersion: string,
  machine: string,
): string {
  const parts: string[] = [START];
  parts.push(
    `\nRun on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (\`npm run bench:registry\`), Redis ${redisVersion}.\n\n${machine}\n`,
  );
  const row = (r: Run): string => `${r.store === 'memory' ? 'in memory' : 'Redis'} ${num(r.users)}`;
  const byKey = new Map(runs.map((r) => [`${r.store}:${r.users}`, r]));
  // The list() walk runs within the walk step: the step's control reading covers it.
  const reads = (r: Run): Watched[] => [
    r.count,
    r.walk,
    { ...r.walk.list, controlLoopMaxMs: r.walk.controlLoopMaxMs },
    r.pages,
  ];
  const worst = (steps: Watched[], pick: (w: Watched) => number): number =>
    Math.max(...steps.map(pick));
  parts.push('#### Size and counts\n');
  parts.push(
    table(
      [
        'store, users',
        'load (1 min) before/after',
        'fill rate',
        'heap + array buffers / user',
        'Redis / user',
        'a user hash',
        "count({country:'DE'}): wall (slowest) / CPU",
        'count(): wall / CPU',
        'count(3 conditions): wall / CPU',
      ],
      runs.map((r) => [
        row(r),
        `${r.loadBefore.split(' ')[0]} / ${r.loadAfter.split(' ')[0]}`,
        `${num(r.fill.perSecond)}/s`,
        `${num(r.fill.heapPerUser)} B`,
        r.fill.redisPerUser === undefined ? '–' : `${num(r.fill.redisPerUser)} B`,
        r.fill.sampleKeyBytes === undefined
          ? '–'
          : `${r.fill.sampleKeyBytes} B, ${r.fill.sampleKeyEncoding}`,
        `${ms(r.count.de.median)} ms (${ms(r.count.de.max)} ms) / ${ms(r.count.de.cpu!)} ms`,
        `${ms(r.count.all.median)} ms / ${ms(r.count.all.cpu!)} ms`,
        `${ms(r.count.three.median)} ms / ${ms(r.count.three.cpu!)} ms`,
      ]),
    ),
  );
  parts.push('#### Paging, walking everyone, event loop\n');
  parts.push(
    table(
      [
        'store, users',
        'page of 1,000 at start: wall / CPU',
        'last full page: wall / CPU',
        'last / start: wall, CPU',
        'walk (iterate)',
        'walk / 10× fewer users: wall, CPU',
        'walk CPU: node / Redis',
        'walk (list, page after page)',
        'worst event-loop CPU between 10 ms ticks',
        'worst loop delay (idle control)',
      ],
      runs.map((r) => {
        const smaller = byKey.get(`${r.store}:${r.users / 10}`);
        return [
          row(r),
          `${ms(r.pages.first.median)} ms / ${ms(r.pages.firstCpu)} ms`,
          `${ms(r.pages.late.median)} ms / ${ms(r.pages.lastCpu)} ms`,
          `${ratio(r.pages.late.median / r.pages.first.median)}, ${ratio(r.pages.lastCpu / r.pages.firstCpu)}`,
          `${num(r.walk.wallMs / 1000, 2)} s`,
          smaller
            ? `${ratio(r.walk.wallMs / smaller.walk.wallMs)}, ${ratio(r.walk.walkCpuMs / smaller.walk.walkCpuMs)}`
            : '–',
          `${num(r.walk.cpuMs / 1000, 1)} s / ${num(r.walk.redisCpuMs / 1000, 1)} s`,
          `${num(r.walk.list.wallMs / 1000, 2)} s`,
          `${ms(worst(reads(r), (w) => w.tickCpuMaxMs))} ms`,
          `${ms(worst(reads(r), (w) => w.loopMaxMs))} ms (${ms(worst(reads(r), (w) => w.controlLoopMaxMs))} ms)`,
        ];
      }),
    ),
  );
  parts.push(
    '#### `broadcastToSubscribers` to everyone (fake API, 5 ms per request, rate limit off)\n',
  );
  parts.push(
    table(
      [
        'store, users',
        'sent',
        'first request after',
        'whole broadcast',
        'heap growth: peak (no GC) / retained',
        'worst event-loop CPU between 10 ms ticks',
        'worst loop delay (idle control)',
      ],
      runs.map((r) => [
        row(r),
        num(r.broadcast.sent),
        `${ms(r.broadcast.firstRequestMs)} ms`,
        `${num(r.broadcast.wallMs / 1000, 2)} s`,
        `${mb(r.broadcast.heapGrowth)} / ${mb(r.broadcast.heapRetained)}`,
        `${ms(r.broadcast.tickCpuMaxMs)} ms`,
        `${ms(r.broadcast.loopMaxMs)} ms (${ms(r.broadcast.controlLoopMaxMs)} ms)`,
      ]),
    ),
  );
  const goals: string[][] = [];
  for (const store of ['memory', 'redis'] as const) {
    const r = byKey.get(`${store}:1000000`);
    const small = byKey.get(`${store}:100000`);
    if (!r) continue;
    const name = store === 'memory' ? 'in memory' : 'Redis';
    const all = [...reads(r), r.broadcast];
    const tick = worst(all, (w) => w.tickCpuMaxMs);
    const pageRatio = r.pages.lastCpu / r.pages.firstCpu;
    const pageWallRatio = r.pages.late.median / r.pages.first.median;
    goals.push([
      `${name}: count({ country }) < 50 ms`,
      `${ms(r.count.de.median)} ms median wall time (slowest ${ms(r.count.de.max)} ms), ${ms(r.count.de.cpu!)} ms of CPU`,
      verdict(r.count.de.median < 50 && r.count.de.cpu! < 50),
    ]);
    goals.push([
      `${name}: the last page costs the first's ± 20% (verdict on CPU time)`,
      `${ratio(pageRatio)} in CPU time (${ratio(pageWallRatio)} in wall time)`,
      verdict(Math.abs(pageRatio - 1) <= 0.2),
    ]);
    if (small)
      goals.push([
        `${name}: walk of 1M ≤ 12× walk of 100k (iterate; verdict on CPU time)`,
        `${ratio(r.walk.walkCpuMs / small.walk.walkCpuMs)} in CPU time (${ratio(r.walk.wallMs / small.walk.wallMs)} in wall time)`,
        verdict(r.walk.walkCpuMs / small.walk.walkCpuMs <= 12),
      ]);
    goals.push([
      `${name}: event loop never blocked > 50 ms (verdict on the event loop's CPU)`,
      `longest task ≤ ${ms(tick)} ms of CPU; worst delay ${ms(worst(all, (w) => w.loopMaxMs))} ms (idle control process: ${ms(worst(all, (w) => w.controlLoopMaxMs))} ms)`,
      verdict(tick <= 50),
    ]);
    goals.push([
      `${name}: broadcast's first request < 1 s`,
      `${ms(r.broadcast.firstRequestMs)} ms`,
      verdict(r.broadcast.firstRequestMs < 1000),
    ]);
    goals.push([
      `${name}: broadcast's heap growth < 100 MB`,
      mb(r.broadcast.heapGrowth),
      verdict(r.broadcast.heapGrowth < 100 * 1024 * 1024),
    ]);
    goals.push(
      store === 'memory'
        ? [
            'in memory: ≤ 300 bytes per user (heap and array buffers)',
            `${num(r.fill.heapPerUser)} B`,
            verdict(r.fill.heapPerUser <= 300),
          ]
        : [
            'Redis: ≤ 400 bytes of Redis memory per user',
            `${num(r.fill.redisPerUser!)} B`,
            verdict(r.fill.redisPerUser! <= 400),
          ],
    );
  }
  if (goals.length > 0) {
    parts.push('#### Goals at 1M\n');
    parts.push(table(['goal', 'measured', 'verdict'], goals));
  }
  const redis1m = byKey.get('redis:1000000');
  if (redis1m) {
    const firstRequests = runs
      .filter((r) => r.store === 'redis')
      .map((r) => r.broadcast.firstRequestMs);
    const counted: string[][] = ten
      ? [
          [
            "count({ country: 'DE' })",
            `${ms(ten.de.median)} ms (slowest ${ms(ten.de.max)} ms), ${ms(ten.de.cpu!)} ms of Redis CPU`,
            `measured on 10M users' bitmaps (${mb(ten.bytes)} of them; load ${ten.load.split(' ')[0]})`,
          ],
          [
            'count()',
            `${ms(ten.all.median)} ms, ${ms(ten.all.cpu!)} ms of Redis CPU`,
            'measured (BITCOUNT)',
          ],
          [
            'count(3 conditions)',
            `${ms(ten.three.median)} ms, ${ms(ten.three.cpu!)} ms of Redis CPU`,
            'measured (BITOP OR, BITOP AND, BITCOUNT)',
          ],
        ]
      : [];
    parts.push('#### Redis at 10 million users\n');
    parts.push(
      table(
        ['figure', '10M', 'how'],
        [
          [
            'fill',
            `${num(10_000_000 / redis1m.fill.perSecond / 60)} min at ${num(redis1m.fill.perSecond)}/s`,
            'projected: the 1M fill rate (one script per observation, of constant cost)',
          ],
          [
            'Redis memory',
            `${num((redis1m.fill.redisPerUser! * 10_000_000) / 1024 ** 3, 2)} GiB`,
            `projected: ${num(redis1m.fill.redisPerUser!)} B per user at 1M × 10M (hashes are per user, bitmaps grow linearly)`,
          ],
          ...counted,
          [
            "a broadcast's first request",
            `${ms(Math.max(...firstRequests))} ms`,
            'projected: the slowest of the sizes run (reading the first page does not depend on the size)',
          ],
        ],
      ),
    );
  }
  parts.push(END);
  return parts.join('\n');
}

function write(generated: string): void {
  const file = join(REPO_ROOT, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  writeFileSync(
    file,
    from >= 0 && to > from
      ? `${text.slice(0, from)}${generated}${text.slice(to + END.length)}`
      : `${text.trimEnd()}\n\n## Subscriber registry at scale\n\n${generated}\n`,
  );
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = machineDescription();
  log(
    `Subscriber registry at scale: ${STORES.join(', ')} × ${SIZES.map((s) => num(s)).join(', ')}\n${machineDescription()}`,
  );
  const build = buildBench();
  useBuild(build);
  const { child: api, ready } = await BenchChild.start('fake-viber-api.ts', ['5']);
  const apiUrl = `http://127.0.0.1:${String(ready.port)}/pa`;
  const runs: Run[] = [];
  let redisVersion = '';
  try {
    for (const store of STORES) {
      for (const users of SIZES) {
        runs.push(await runOne(store, users, apiUrl));
        await api.request('stats');
      }
    }
    if (STORES.includes('redis')) {
      const probe = await startBenchRedis();
      redisVersion = probe.version;
      await probe.stop();
    }
    const ten = TEN_MILLION && STORES.includes('redis') ? await tenMillionCounts() : undefined;
    const generated = markdown(runs, ten, startedAt, redisVersion, machine);
    log(`\n${generated}`);
    if (WRITE) {
      write(generated);
      log('Written to BENCHMARKS.md');
    }
  } finally {
    await api.stop();
    removeBuild(build);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
