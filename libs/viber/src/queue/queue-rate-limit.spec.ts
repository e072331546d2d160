import fc from 'fast-check';
import { deriveQueueLimiter, maxPerWindow, worstCaseArrivals } from './queue-rate-limit';

/**
 * Plays BullMQ's limiter as its Lua script does (INCR on a job start; the key expires `duration`
 * after the window's first start; no start while the count is at `max`) with jobs always ready,
 * then lets each request arrive at `start + delay` with an adversarial delay in
 * `[0, arrivalBoundMs]`. Returns the largest number of arrivals within any sliding window.
 */
function busiestWindowBySimulation(
  setting: { max: number; duration: number },
  intervalMs: number,
  arrivalBoundMs: number,
  delays: readonly number[],
  gaps: readonly number[],
): number {
  const arrivals: number[] = [];
  let now = 0;
  let windowStart = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (let i = 0; i < delays.length; i++) {
    now += gaps[i % gaps.length]!;
    if (now >= windowStart + setting.duration) {
      windowStart = now;
      count = 0;
    }
    if (count >= setting.max) {
      now = windowStart + setting.duration;
      windowStart = now;
      count = 0;
    }
    count++;
    arrivals.push(now + delays[i]! * arrivalBoundMs);
  }
  arrivals.sort((a, b) => a - b);
  let best = 0;
  let from = 0;
  for (let to = 0; to < arrivals.length; to++) {
    while (arrivals[to]! - arrivals[from]! >= intervalMs) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

describe('deriveQueueLimiter', () => {
  it("keeps Viber's 500 per 10 s with the default 10 s timeout and 1 s slack: 25 starts per 1,118 ms", () => {
    const setting = deriveQueueLimiter({ limit: 500, intervalMs: 10_000 }, 11_000);
    expect(setting).toEqual({ max: 25, duration: 1118 });
    expect(worstCaseArrivals(setting, 10_000, 11_000)).toBe(500);
  });

  it('a shorter request timeout lets the queue run closer to the limit', () => {
    const slow = deriveQueueLimiter({ limit: 500, intervalMs: 10_000 }, 11_000);
    const fast = deriveQueueLimiter({ limit: 500, intervalMs: 10_000 }, 3_000);
    expect(fast.max / fast.duration).toBeGreaterThan(slow.max / slow.duration);
    expect(worstCaseArrivals(fast, 10_000, 3_000)).toBeLessThanOrEqual(500);
  });

  it('the bound it proves never exceeds the limit, whatever the limit, window and arrival bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5000 }),
        fc.integer({ min: 100, max: 60_000 }),
        fc.integer({ min: 0, max: 30_000 }),
        (limit, intervalMs, bound) => {
          const setting = deriveQueueLimiter({ limit, intervalMs }, bound);
          expect(setting.max).toBeGreaterThanOrEqual(1);
          expect(worstCaseArrivals(setting, intervalMs, bound)).toBeLessThanOrEqual(limit);
          expect(maxPerWindow({ limit, intervalMs }, bound, setting.duration)).toBe(setting.max);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("the simulation has teeth: BullMQ's limiter set naively to the limit per window breaks it", () => {
    // One job at 0, nine at 990 ms; the next window opens at 1000 ms with ten more.
    const naive = { max: 10, duration: 1000 };
    const busiest = busiestWindowBySimulation(
      naive,
      1000,
      0,
      new Array<number>(20).fill(0),
      [0, 990, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    expect(busiest).toBeGreaterThan(10);
  });

  it('no simulated schedule of BullMQ windows and arrival delays breaks the sliding limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 100, max: 2000 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 50, maxLength: 600 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 20 }),
        (limit, intervalMs, bound, delays, gaps) => {
          const setting = deriveQueueLimiter({ limit, intervalMs }, bound);
          const busiest = busiestWindowBySimulation(setting, intervalMs, bound, delays, gaps);
          expect(busiest).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a limit that fixed windows cannot keep (1 per window), and bad input', () => {
    expect(() => deriveQueueLimiter({ limit: 1, intervalMs: 10_000 }, 0)).toThrow(/at least 2/);
    expect(() => deriveQueueLimiter({ limit: 0, intervalMs: 10_000 }, 0)).toThrow(RangeError);
    expect(() => deriveQueueLimiter({ limit: 10, intervalMs: 1000 }, -1)).toThrow(RangeError);
  });
});
