/**
 * One subscriber store at one size, in its own process (`node --expose-gc … bench/registry-child.ts
 * <memory|redis> <users> [redisPort]`), driven by bench/registry-scale.ts over IPC:
 *
 * - `fill`: records `users` users as text messages do (the data of {@link benchUser}), 256
 *   observations in flight for Redis; fill rate, heap and array buffers per user (after a forced GC), Redis
 *   `used_memory` per user, a user hash's `MEMORY USAGE` and encoding.
 * - `count`: `count({ country: 'DE' })`, `count()` and a 3-condition count, 21 times each: median
 *   and slowest wall time, median CPU time (the process and Redis).
 * - `walk`: every subscriber in pages of 1,000: once with `list`, page after page (keeping the
 *   cursor of the last full page for `pages`), then three times with `iterate()` (median wall
 *   time, and the CPU time of this process and Redis).
 * - `pages`: one page of 1,000 at the start and the last full page, 31 times each, in turn: median
 *   wall time and median CPU time (this process and Redis) per call.
 * - `broadcast`: `broadcastToSubscribers` to every subscriber through a real `ViberClient` to the
 *   fake API (rate limit off: the planner must keep up), time to the first request (axios request
 *   interceptor), heap growth (sampled every 20 ms, no forced GC), time to the end.
 *
 * Every step reports the event loop's worst delay (`monitorEventLoopDelay`, 1 ms resolution), how
 * late a 10 ms interval timer fired at worst, the most CPU the event loop's thread used between two
 * ticks of that timer (an upper bound of the longest task, GC pauses included; unlike the delays it
 * does not count time spent waiting for a core on a busy machine), and the CPU time it used.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HttpService } from '@nestjs/axios';
import Redis from 'ioredis';
import {
  InMemorySubscriberStore,
  RedisSubscriberStore,
  ViberClient,
  ViberSubscribers,
  type ViberSubscriberStore,
} from 'nestjs-viber';
import { BENCH_TOKEN } from './callbacks';
import { serveIpc, signalReady } from './child-process';
import { benchUser, benchUserId } from './registry-data';

const [storeKind, usersArg, redisPortArg] = process.argv.slice(2);
const USERS = Number(usersArg);

const redis =
  storeKind === 'redis' ? new Redis(Number(redisPortArg), { lazyConnect: false }) : undefined;
const store: ViberSubscriberStore = redis
  ? new RedisSubscriberStore(redis)
  : new InMemorySubscriberStore({ warnAt: false });

/**
 * The process's JavaScript memory: the heap plus the array buffers (typed arrays keep their bytes
 * outside the heap: the in-memory store's columns and bitsets). After a forced GC by default.
 */
function heapUsed(gc = true): number {
  if (gc) for (let i = 0; i < 3; i++) global.gc?.();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

async function redisInfo(section: string): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const line of (await redis!.info(section)).split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

async function redisCpuSeconds(): Promise<number> {
  if (!redis) return 0;
  const cpu = await redisInfo('cpu');
  return Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys);
}

/** Event-loop watch over one step: worst delay, worst lateness of a 10 ms timer, CPU used. */
async function watched<T>(step: () => Promise<T>): Promise<
  T & {
    loopMaxMs: number;
    timerLateMs: number;
    tickCpuMaxMs: number;
    cpuMs: number;
    redisCpuMs: number;
    wallMs: number;
  }
> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let late = 0;
  let tickCpu = 0;
  let expected = performance.now() + 10;
  let lastCpu = mainThreadCpuMs();
  const timer = setInterval(() => {
    const now = performance.now();
    late = Math.max(late, now - expected);
    expected = now + 10;
    // CPU the event loop's thread used since the last tick: a task that holds the loop shows
    // here even when the machine is busy; time spent waiting for a core does not.
    const cpuNow = mainThreadCpuMs();
    tickCpu = Math.max(tickCpu, cpuNow - lastCpu);
    lastCpu = cpuNow;
  }, 10);
  histogram.enable();
  const cpu = process.cpuUsage();
  const redisCpu = await redisCpuSeconds();
  const started = performance.now();
  try {
    const result = await step();
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return {
      ...result,
      wallMs,
      cpuMs: (used.user + used.system) / 1000,
      redisCpuMs: ((await redisCpuSeconds()) - redisCpu) * 1000,
      loopMaxMs: histogram.max / 1e6,
      timerLateMs: late,
      tickCpuMaxMs: tickCpu,
    };
  } finally {
    clearInterval(timer);
    histogram.disable();
  }
}

/**
 * CPU time of this thread (the event loop's), in ms: Linux's per-thread scheduler statistics
 * (updated at each scheduler tick: a few ms of granularity); elsewhere the whole process's CPU
 * time (GC helper threads included: an overestimate).
 */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const cpu = process.cpuUsage();
    return (cpu.user + cpu.system) / 1000;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median and slowest wall time of `times` calls, and the median CPU time (process and Redis). */
async function timed(
  times: number,
  run: () => Promise<unknown>,
): Promise<{ median: number; max: number; cpu: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < times; i++) {
    const redisCpu = await redisCpuSeconds();
    const used = process.cpuUsage();
    const started = performance.now();
    await run();
    wall.push(performance.now() - started);
    const spent = process.cpuUsage(used);
    cpu.push((spent.user + spent.system) / 1000 + ((await redisCpuSeconds()) - redisCpu) * 1000);
  }
  return { median: median(wall), max: Math.max(...wall), cpu: median(cpu) };
}

let lateCursor: string | undefined;

serveIpc(
  {
    fill: async () => {
      if (redis) await redis.flushall();
      const heapBefore = heapUsed();
      const redisBefore = redis ? Number((await redisInfo('memory')).used_memory) : 0;
      const result = await watched(async () => {
        if (!redis) {
          for (let i = 0; i < USERS; i++) await store.observe(benchUser(i));
          return {};
        }
        const inFlight = new Set<Promise<void>>();
        for (let i = 0; i < USERS; i++) {
          const done: Promise<void> = store.observe(benchUser(i)).then(() => {
            inFlight.delete(done);
          });
          inFlight.add(done);
          if (inFlight.size >= 256) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        return {};
      });
      const heapBytes = heapUsed() - heapBefore;
      const memory = redis ? await redisInfo('memory') : undefined;
      const sample = benchUserId(Math.floor(USERS / 2));
      return {
        ...result,
        perSecond: USERS / (result.wallMs / 1000),
        heapPerUser: heapBytes / USERS,
        redisPerUser: memory ? (Number(memory.used_memory) - redisBefore) / USERS : undefined,
        redisUsedMemory: memory ? Number(memory.used_memory) : undefined,
        redisRss: memory ? Number(memory.used_memory_rss) : undefined,
        sampleKeyBytes: redis
          ? await redis.memory('USAGE', `nestjs-viber:subscribers:u:${sample}`)
          : undefined,
        sampleKeyEncoding: redis
          ? await redis.object('ENCODING', `nestjs-viber:subscribers:u:${sample}`)
          : undefined,
        keys: redis ? await redis.dbsize() : undefined,
        rss: process.memoryUsage().rss,
      };
    },
    count: async () => {
      let country = 0;
      const result = await watched(async () => {
        const de = await timed(21, async () => {
          country = await store.count({ country: 'DE' });
        });
        const all = await timed(21, () => store.count());
        const three = await timed(21, () =>
          store.count({ country: ['UA', 'PL', 'GB'], language: 'uk', minApiVersion: 6 }),
        );
        return { de, all, three };
      });
      return { ...result, countryCount: country };
    },
    walk: async () => {
      const subscribers = new ViberSubscribers(store, {} as ViberClient, true, 'bench');
      const total = await store.count();
      let seen = 0;
      // One walk with list(), page after page, keeping the cursor of the last full page.
      const viaList = await watched(async () => {
        let cursor: string | undefined;
        do {
          const page = await store.list({ limit: 1000, cursor });
          seen += page.items.length;
          cursor = page.cursor;
          if (lateCursor === undefined && seen >= total - 2000) lateCursor = cursor;
        } while (cursor !== undefined);
        return {};
      });
      // Three with iterate() (the next page read while one is consumed): the median wall time,
      // and the CPU time of this process and Redis.
      const walks: Array<Awaited<ReturnType<typeof watched>> & { cpu: number }> = [];
      let iterated = 0;
      for (let w = 0; w < 3; w++) {
        iterated = 0;
        const walk = await watched(async () => {
          for await (const subscriber of subscribers.iterate()) if (subscriber.id) iterated++;
          return {};
        });
        walks.push({ ...walk, cpu: walk.cpuMs + walk.redisCpuMs });
      }
      walks.sort((a, b) => a.wallMs - b.wallMs);
      return {
        ...walks[1]!,
        loopMaxMs: Math.max(...walks.map((w) => w.loopMaxMs)),
        timerLateMs: Math.max(...walks.map((w) => w.timerLateMs)),
        tickCpuMaxMs: Math.max(...walks.map((w) => w.tickCpuMaxMs)),
        walkCpuMs: walks.map((w) => w.cpu).sort((a, b) => a - b)[1],
        seen: iterated,
        list: { ...viaList, seen },
      };
    },
    pages: async () =>
      watched(async () => {
        const firstPage = (): Promise<unknown> => store.list({ limit: 1000 });
        const lastPage = (): Promise<unknown> => store.list({ limit: 1000, cursor: lateCursor });
        // The two pages taken in turn, so that a busy spell hits both alike; per call, the wall
        // time and the CPU time (this process and Redis: what other processes do not inflate).
        const first = { wall: [] as number[], cpu: [] as number[] };
        const last = { wall: [] as number[], cpu: [] as number[] };
        for (let i = 0; i < 31; i++) {
          for (const [run, into] of [
            [firstPage, first],
            [lastPage, last],
          ] as const) {
            const redisCpu = await redisCpuSeconds();
            const cpu = process.cpuUsage();
            const started = performance.now();
            await run();
            into.wall.push(performance.now() - started);
            const used = process.cpuUsage(cpu);
            into.cpu.push(
              (used.user + used.system) / 1000 + ((await redisCpuSeconds()) - redisCpu) * 1000,
            );
          }
        }
        const lateItems = (await store.list({ limit: 1000, cursor: lateCursor })).items.length;
        return {
          first: { median: median(first.wall), max: Math.max(...first.wall) },
          late: { median: median(last.wall), max: Math.max(...last.wall) },
          firstCpu: median(first.cpu),
          lastCpu: median(last.cpu),
          lateItems,
        };
      }),
    broadcast: async (message) => {
      // The repo's axios, as @nestjs/axios resolves it (bench/ has another copy for the SDKs).
      const http = new HttpService().axiosRef.create();
      let firstRequestAt: number | undefined;
      http.interceptors.request.use((config) => {
        firstRequestAt ??= performance.now();
        return config;
      });
      const client = new ViberClient(new HttpService(http), {
        token: BENCH_TOKEN,
        apiUrl: String(message.apiUrl),
        sender: { name: 'Bench' },
        rateLimits: { broadcast_message: false },
        logger: { log: () => undefined, error: () => undefined, warn: () => undefined },
      });
      const subscribers = new ViberSubscribers(store, client, true, 'bench');
      const heapBefore = heapUsed();
      let heapMax = heapBefore;
      const sampler = setInterval(() => {
        heapMax = Math.max(heapMax, heapUsed(false));
      }, 20);
      let calledAt = 0;
      try {
        const result = await watched(async () => {
          calledAt = performance.now();
          const outcome = await subscribers.broadcastToSubscribers('Sale today!');
          return {
            sent: outcome.sent,
            requests: outcome.requests,
            failed: outcome.failed_list.length,
          };
        });
        heapMax = Math.max(heapMax, heapUsed(false));
        return {
          ...result,
          firstRequestMs: (firstRequestAt ?? Number.NaN) - calledAt,
          heapGrowth: heapMax - heapBefore,
          heapRetained: heapUsed() - heapBefore,
        };
      } finally {
        clearInterval(sampler);
      }
    },
  },
  async () => {
    redis?.disconnect();
  },
);
signalReady({ pid: process.pid });
