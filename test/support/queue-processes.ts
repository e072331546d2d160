import type { ViberBroadcastStatus } from 'nestjs-viber';
import { startChildApp, type ChildApp } from './child-app';

/** The fake Viber API's report (see fake-viber-api.program.ts). */
export interface FakeApiReport {
  broadcastRequests: number;
  busiest: number;
  largestList: number;
  named: number;
  duplicates: string[];
  missing: string[];
  setWebhooks: number;
}

/** A child process and the first line it printed with a given prefix. */
export interface Started {
  child: ChildApp;
  /** What followed the prefix on its ready line (`listening <this>`). */
  ready: string;
}

async function started(child: ChildApp, timeoutMs = 60_000): Promise<Started> {
  const line = await child.waitForLine((l) => l.startsWith('listening '), { timeoutMs });
  return { child, ready: line.slice('listening '.length) };
}

/** Starts the fake Viber API in its own process; `ready` is its API URL. */
export function startFakeApi(latencyMs = 5): Promise<Started> {
  return started(
    startChildApp('fake-viber-api.program.ts', [], { FAKE_API_LATENCY_MS: String(latencyMs) }),
  );
}

/** Starts a bot replica with the queue on (see queue-app.ts for the settings); `ready` is its port. */
export function startQueueApp(env: Record<string, string>): Promise<Started> {
  return started(startChildApp('queue-app.ts', [], env));
}

/** Sends a command line and resolves with the rest of the first answer line starting with `answer`. */
export async function command(
  child: ChildApp,
  line: string,
  answer: string,
  timeoutMs = 60_000,
): Promise<string> {
  const from = child.lines.length;
  child.send(line);
  const found = await child.waitForLine(
    (l) => l.startsWith(`${answer} `) || l.startsWith('error '),
    { from, timeoutMs },
  );
  if (found.startsWith('error ')) throw new Error(`${line}: ${found}`);
  return found.slice(answer.length + 1);
}

/** A broadcast's progress as a replica reads it. */
export async function statusOf(child: ChildApp, id: string): Promise<ViberBroadcastStatus | null> {
  return JSON.parse(await command(child, `status ${id}`, 'status')) as ViberBroadcastStatus | null;
}

/** Polls a broadcast's progress until `done` holds (a behaviour wait, not a timing check). */
export async function waitForStatus(
  child: ChildApp,
  id: string,
  done: (status: ViberBroadcastStatus) => boolean,
  timeoutMs = 120_000,
): Promise<ViberBroadcastStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOf(child, id);
    if (status && done(status)) return status;
    if (Date.now() > deadline) {
      throw new Error(`broadcast ${id} not there in time: ${JSON.stringify(status)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The fake API's report over `windowMs` sliding windows, checking the given receiver ranges. */
export async function reportOf(
  api: ChildApp,
  windowMs: number,
  ranges: ReadonlyArray<[prefix: string, count: number]>,
): Promise<FakeApiReport> {
  const spec = ranges.map(([prefix, count]) => `${prefix}:${count}`).join(',');
  return JSON.parse(await command(api, `report ${windowMs} ${spec}`, 'report')) as FakeApiReport;
}
