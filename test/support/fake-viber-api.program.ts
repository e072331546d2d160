/**
 * A fake Viber API in its own process for the multi-process queue tests: the recording server
 * answering every request with status 0 after `FAKE_API_LATENCY_MS` (default 5), counting each
 * `broadcast_message` by its arrival time and each receiver it names.
 *
 * Prints `listening <api url>`. Commands on stdin:
 *   `report <windowMs> <prefix>:<count>[,<prefix>:<count>…]` prints `report <json>` with the
 *   busiest sliding window of broadcast arrivals, the largest receiver list, the receivers named
 *   more than once, and those of `<prefix>0 … <prefix><count − 1>` never named.
 */
import { createInterface } from 'node:readline';
import { RecordingApiServer } from './recording-api.server';

const latencyMs = Number(process.env.FAKE_API_LATENCY_MS ?? 5);
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Arrival times (ms, monotonic) of broadcast_message requests. */
const arrivals: number[] = [];
/** How often each receiver was named in an arrived request. */
const named = new Map<string, number>();
let largestList = 0;
let setWebhooks = 0;

function busiest(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[to]! - sorted[from]! >= windowMs) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

async function main(): Promise<void> {
  const api = await RecordingApiServer.start();
  api.respondWith(async (request) => {
    if (request.endpoint === 'broadcast_message') {
      arrivals.push(performance.now());
      const list = (request.body as { broadcast_list?: string[] }).broadcast_list ?? [];
      largestList = Math.max(largestList, list.length);
      for (const id of list) named.set(id, (named.get(id) ?? 0) + 1);
    }
    if (request.endpoint === 'set_webhook') setWebhooks++;
    // Only the counts are needed: keep memory flat over hundreds of thousands of receivers.
    api.requests.length = 0;
    await new Promise((resolve) => setTimeout(resolve, latencyMs));
    return {
      body:
        request.endpoint === 'broadcast_message'
          ? { status: 0, status_message: 'ok', message_token: 1, failed_list: [] }
          : { status: 0, status_message: 'ok' },
    };
  });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, windowMs, ranges] = line.trim().split(' ');
    if (command !== 'report') return;
    const missing: string[] = [];
    for (const range of (ranges ?? '').split(',').filter(Boolean)) {
      const [prefix, count] = range.split(':');
      for (let i = 0; i < Number(count); i++) {
        if (!named.has(`${prefix}${i}`)) missing.push(`${prefix}${i}`);
      }
    }
    const duplicates = [...named].filter(([, times]) => times > 1).map(([id]) => id);
    say(
      `report ${JSON.stringify({
        broadcastRequests: arrivals.length,
        busiest: busiest(arrivals, Number(windowMs)),
        largestList,
        named: named.size,
        duplicates,
        missing,
        setWebhooks,
      })}`,
    );
  });
  say(`listening ${api.url}`);
}

void main();
