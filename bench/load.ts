import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { deliveredCallback, signedCallback, textMessageCallback } from './callbacks';

/**
 * Distinct callbacks come from this many users, in turn (a bot's audience, not one new user per
 * message): the subscriber registry nestjs-viber keeps holds one record per user.
 */
export const USER_POOL = 10_000;

/** How the callbacks of a run are built. */
export type CallbackMode =
  /** One signed callback, byte for byte the same every time (after the first: the duplicate path). */
  | 'same'
  /**
   * A fresh `message_token` (so a fresh body and signature) per request, from {@link USER_POOL}
   * users in turn: the full pipeline.
   */
  | 'distinct'
  /**
   * A receipt storm: `delivered` callbacks, each with a fresh `message_token` (fresh body and
   * signature), from {@link USER_POOL} users in turn, as Viber sends them after a broadcast.
   */
  | 'receipts';

/** One load run: fixed concurrency, for a duration or a number of requests. */
export interface LoadOptions {
  port: number;
  mode: CallbackMode;
  connections: number;
  durationSec?: number;
  amount?: number;
  /** Token source for `distinct` (shared by the whole run so no token repeats). */
  nextToken: () => string;
  /** The token of `same`. */
  fixedToken: string;
}

/** Figures of one load run. */
export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  durationSec: number;
  /** CPU used by this (load-generator) process, as a share of one core. */
  loadGenCpu: number;
}

function headersFor(signature: string): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'X-Viber-Content-Signature': signature,
  };
}

/** Runs autocannon against `127.0.0.1:port` and returns its figures. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let request: AutocannonRequest;
  if (options.mode === 'same') {
    const signed = signedCallback(textMessageCallback(options.fixedToken));
    request = {
      method: 'POST',
      path: signed.path,
      headers: headersFor(signed.signature),
      body: signed.body,
    };
  } else {
    let user = 0;
    request = {
      method: 'POST',
      setupRequest: (req) => {
        const token = options.nextToken();
        const index = user++ % USER_POOL;
        const signed = signedCallback(
          options.mode === 'receipts'
            ? deliveredCallback(token, index)
            : textMessageCallback(token, index),
        );
        req.path = signed.path;
        req.headers = headersFor(signed.signature);
        req.body = signed.body;
        return req;
      },
    };
  }
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result: AutocannonResult = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    ...(options.amount !== undefined
      ? { amount: options.amount }
      : { duration: options.durationSec ?? 10 }),
    timeout: 30,
    requests: [request],
  });
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  const completed = result['2xx'] + result.non2xx;
  return {
    requests: completed,
    rps: completed / (elapsedMs / 1000),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    durationSec: elapsedMs / 1000,
    loadGenCpu: (cpu.user + cpu.system) / 1000 / elapsedMs,
  };
}
