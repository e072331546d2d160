import * as http from 'node:http';
import * as https from 'node:https';
import { VIBER_SIGNATURE_HEADER, type ViberEventName } from 'nestjs-viber';
import type { EmulatorCallbackAttempt, EmulatorCallbackDelivery } from './viber-emulator.types';
import type { SignedViberCallback } from './viber-callbacks.factory';
import { withSignatureQuery } from './viber-signature.util';

/** Most bytes of a webhook answer that are kept (a welcome message is at most 30 KB). */
const MAX_ANSWER_BYTES = 256 * 1024;

/** Settings of a {@link CallbackDeliveryService}. */
export interface CallbackDeliveryOptions {
  /** Delays before each re-send of a failed callback, ms. */
  retrySchedule: readonly number[];
  /** Answer deadline of one attempt, ms. */
  timeoutMs: number;
  /** The current webhook URL (read at every attempt), `undefined` when none is set. */
  webhookUrl: () => string | undefined;
  /** Called after every attempt. */
  onAttempt: (delivery: EmulatorCallbackDelivery, attempt: EmulatorCallbackAttempt) => void;
}

/** How to post one callback. */
export interface DeliverOptions {
  /** Re-send on the schedule when not answered 200. Default `true`. */
  retry?: boolean;
  /** Post to this URL instead of the current webhook (the `set_webhook` check). */
  url?: string;
  /** The user concerned (recorded). */
  userId?: string;
}

/**
 * Posts signed callbacks to the bot's webhook as Viber does: JSON body, signature header and
 * `?sig=`, a deadline per attempt, and re-sends of the identical body on a schedule while the
 * answer is not HTTP 200 (docs/protocol/delivery.md, "Retries" and "Timeouts"). Owns every
 * socket and timer it makes; {@link close} ends them all.
 */
export class CallbackDeliveryService {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly idleWaiters = new Set<() => void>();
  /** Deliveries that have not reached a final state (delivered, abandoned, cancelled). */
  private pending = 0;
  private closed = false;

  constructor(private readonly options: CallbackDeliveryOptions) {}

  /**
   * Posts a callback. Resolves with the delivery record and the first attempt once that attempt
   * ended; re-sends continue in the background.
   */
  async deliver(
    callback: SignedViberCallback,
    options: DeliverOptions = {},
  ): Promise<{ delivery: EmulatorCallbackDelivery; first: EmulatorCallbackAttempt }> {
    const delivery: EmulatorCallbackDelivery = {
      event: callback.event.event as ViberEventName,
      messageToken: callback.event.message_token,
      body: callback.body,
      signature: callback.signature,
      userId: options.userId,
      attempts: [],
      state: 'pending',
    };
    this.pending++;
    const first = await this.attempt(delivery, options.url);
    if (first === undefined) {
      this.settle(delivery, 'cancelled');
      const cancelled: EmulatorCallbackAttempt = {
        attempt: 0,
        url: '',
        httpStatus: undefined,
        responseBody: '',
        error: this.closed ? 'the emulator is closed' : 'no webhook is set',
        ok: false,
        timestamp: Date.now(),
      };
      return { delivery, first: cancelled };
    }
    if (first.ok) this.settle(delivery, 'delivered');
    else if (options.retry === false) this.settle(delivery, 'abandoned');
    else this.scheduleRetry(delivery, 0);
    return { delivery, first };
  }

  /** Resolves once every callback reached a final state (or the service closed). */
  idle(): Promise<void> {
    if (this.closed || this.pending === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.idleWaiters.add(resolve);
    });
  }

  /** Cancels every scheduled re-send, aborts requests in flight and closes the sockets. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.inFlight) request.destroy(new Error('the emulator is closed'));
    this.inFlight.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.pending = 0;
    this.wakeIdleWaiters();
  }

  private settle(
    delivery: EmulatorCallbackDelivery,
    state: 'delivered' | 'abandoned' | 'cancelled',
  ): void {
    delivery.state = state;
    if (this.pending > 0) this.pending--;
    if (this.pending === 0) this.wakeIdleWaiters();
  }

  private scheduleRetry(delivery: EmulatorCallbackDelivery, index: number): void {
    const delay = this.options.retrySchedule[index];
    if (delay === undefined || this.closed) {
      this.settle(delivery, 'abandoned');
      return;
    }
    delivery.state = 'retrying';
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.attempt(delivery).then((result) => {
          if (result === undefined) this.settle(delivery, 'cancelled');
          else if (result.ok) this.settle(delivery, 'delivered');
          else this.scheduleRetry(delivery, index + 1);
        });
      },
      Math.max(0, delay),
    );
    timer.unref();
    this.timers.add(timer);
  }

  private wakeIdleWaiters(): void {
    const waiters = [...this.idleWaiters];
    this.idleWaiters.clear();
    for (const wake of waiters) wake();
  }

  /** One POST. `undefined` when there is nowhere to post (no webhook, or closed). */
  private async attempt(
    delivery: EmulatorCallbackDelivery,
    fixedUrl?: string,
  ): Promise<EmulatorCallbackAttempt | undefined> {
    const base = fixedUrl ?? this.options.webhookUrl();
    if (this.closed || base === undefined || base === '') return undefined;
    const url = withSignatureQuery(base, delivery.signature);
    const outcome = await this.post(url, delivery.body, delivery.signature);
    const attempt: EmulatorCallbackAttempt = {
      attempt: delivery.attempts.length + 1,
      url,
      httpStatus: outcome.status,
      responseBody: outcome.body,
      error: outcome.error,
      ok: outcome.status === 200,
      timestamp: Date.now(),
    };
    delivery.attempts.push(attempt);
    if (!this.closed) this.options.onAttempt(delivery, attempt);
    return attempt;
  }

  private post(
    url: string,
    body: string,
    signature: string,
  ): Promise<{ status: number | undefined; body: string; error: string | undefined }> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ status: undefined, body: '', error: `invalid URL ${url}` });
        return;
      }
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') {
        resolve({ status: undefined, body: '', error: `unsupported protocol ${target.protocol}` });
        return;
      }
      const payload = Buffer.from(body, 'utf8');
      const send = secure ? https.request : http.request;
      let settled = false;
      const finish = (status: number | undefined, text: string, error?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        this.timers.delete(deadline);
        this.inFlight.delete(request);
        resolve({ status, body: text, error });
      };
      const request = send(target, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          [VIBER_SIGNATURE_HEADER]: signature,
          'user-agent': 'nestjs-viber-emulator',
        },
      });
      const deadline = setTimeout(() => {
        request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      this.timers.add(deadline);
      this.inFlight.add(request);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on('end', () =>
          finish(response.statusCode, Buffer.concat(chunks).toString('utf8')),
        );
        response.on('error', (error) => finish(undefined, '', error.message));
        response.on('aborted', () => finish(undefined, '', 'the answer was aborted'));
      });
      request.on('error', (error) => finish(undefined, '', error.message));
      request.end(payload);
    });
  }
}
