/**
 * A fake Viber REST API in its own process: every request is answered after a fixed delay
 * (5 ms by default), `status: 0` with `message_token` written as a raw 19-digit number, as Viber
 * does. A broadcast with more than 300 receivers is refused (status 3, bad data): the documented
 * limit. Counts requests, receivers, TCP connections and the busiest 10 s window of broadcasts.
 * `node … bench/fake-viber-api.ts [delayMs]`; IPC: `stats` (and reset), `exit`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FIXED_MESSAGE_TOKEN } from './callbacks';
import { serveIpc, signalReady } from './child-process';

/** Viber's documented maximum of receivers per `broadcast_message`. */
const MAX_BROADCAST_RECEIVERS = 300;
/** The window of Viber's broadcast rate limit. */
const RATE_WINDOW_MS = 10_000;

/** What the fake API saw since the last `stats`. */
export interface FakeApiStats {
  requests: number;
  byEndpoint: Record<string, number>;
  /** Receivers in accepted requests (send_message: 1; broadcast_message: its list). */
  acceptedReceivers: number;
  /** Distinct receivers of accepted send_message requests. */
  distinctSendReceivers: number;
  /** Requests answered with a status other than 0. */
  refused: number;
  connections: number;
  /** Largest number of broadcast_message requests that arrived within any 10 s window. */
  maxBroadcastsPer10s: number;
  /** Largest receiver list seen in one broadcast_message request. */
  largestBroadcastList: number;
  /**
   * Smallest time between a broadcast_message request and the 500th before it (the rate limit
   * allows 500 per 10 s: below 10,000 ms, Viber would count 501 in one window). -1: fewer requests.
   */
  tightest500thGapMs: number;
}

const delayMs = Number(process.argv[2] ?? 5);
let stats: FakeApiStats;
let sendReceivers = new Set<string>();
let broadcastTimes: number[] = [];

function reset(): void {
  stats = {
    requests: 0,
    byEndpoint: {},
    acceptedReceivers: 0,
    distinctSendReceivers: 0,
    refused: 0,
    connections: 0,
    maxBroadcastsPer10s: 0,
    largestBroadcastList: 0,
    tightest500thGapMs: -1,
  };
  sendReceivers = new Set();
  broadcastTimes = [];
}
reset();

/** The busiest sliding window of `times` (sorted). */
function busiestWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** The smallest `times[i] - times[i - n]` (sorted times); -1 when there are not enough. */
function tightestGap(times: readonly number[], n: number): number {
  let best = -1;
  for (let i = n; i < times.length; i++) {
    const gap = times[i]! - times[i - n]!;
    if (best < 0 || gap < best) best = gap;
  }
  return best;
}

function answer(response: ServerResponse, json: string): void {
  setTimeout(() => {
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(json),
    });
    response.end(json);
  }, delayMs);
}

function handle(request: IncomingMessage, response: ServerResponse, raw: Buffer): void {
  stats.requests++;
  const endpoint = (request.url ?? '').replace(/^\/pa\//, '').replace(/[/?].*$/, '');
  stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
  const refuse = (status: number, message: string): void => {
    stats.refused++;
    answer(response, JSON.stringify({ status, status_message: message }));
  };
  if (!request.headers['x-viber-auth-token']) return refuse(2, 'invalidAuthToken');
  let body: { receiver?: unknown; broadcast_list?: unknown };
  try {
    body = JSON.parse(raw.toString('utf8')) as typeof body;
  } catch {
    return refuse(3, 'badData: body is not JSON');
  }
  const token = `"message_token":${FIXED_MESSAGE_TOKEN}`;
  if (endpoint === 'send_message') {
    if (typeof body.receiver !== 'string') return refuse(3, 'badData: receiver');
    stats.acceptedReceivers++;
    sendReceivers.add(body.receiver);
    stats.distinctSendReceivers = sendReceivers.size;
    return answer(response, `{"status":0,"status_message":"ok",${token},"chat_hostname":"SN-1_"}`);
  }
  if (endpoint === 'broadcast_message') {
    broadcastTimes.push(performance.timeOrigin + performance.now());
    const list = Array.isArray(body.broadcast_list) ? body.broadcast_list : [];
    stats.largestBroadcastList = Math.max(stats.largestBroadcastList, list.length);
    if (list.length === 0) return refuse(3, 'badData: broadcast_list is required');
    if (list.length > MAX_BROADCAST_RECEIVERS) {
      return refuse(
        3,
        `badData: broadcast_list has more than ${MAX_BROADCAST_RECEIVERS} receivers`,
      );
    }
    stats.acceptedReceivers += list.length;
    return answer(response, `{"status":0,"status_message":"ok",${token},"failed_list":[]}`);
  }
  answer(response, '{"status":0,"status_message":"ok"}');
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => handle(request, response, Buffer.concat(chunks)));
});
server.keepAliveTimeout = 60_000;
server.on('connection', () => stats.connections++);

server.listen(0, '127.0.0.1', () => {
  serveIpc(
    {
      stats: () => {
        stats.maxBroadcastsPer10s = busiestWindow(broadcastTimes, RATE_WINDOW_MS);
        stats.tightest500thGapMs = tightestGap(broadcastTimes, 500);
        const snapshot = { ...stats, byEndpoint: { ...stats.byEndpoint } };
        reset();
        return { stats: snapshot };
      },
    },
    async () => {
      server.closeAllConnections();
      server.close();
    },
  );
  signalReady({ port: (server.address() as { port: number }).port });
});
