import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { ViberBot, ViberBotQueue } from '../bot/viber-bot';
import type { ViberClient } from '../client/viber-client';
import { ViberQueueUnavailableError } from '../errors/viber-queue.error';
import type { ViberSubscribers } from '../subscribers/viber-subscribers.service';
import type { ViberBroadcastEvent, ViberBroadcastStatus } from '../types/broadcast.types';
import type { ViberCallback } from '../types/callback.types';
import type { ResolvedViberOptions, ResolvedViberQueueOptions } from '../viber-options.resolver';
import { BroadcastProcessor } from './broadcast.processor';
import { CLAIM_LOCK, RELEASE_LOCK } from './broadcast.scripts';
import { BroadcastStore } from './broadcast.store';
import { loadBullMq } from './bullmq.loader';
import type {
  BullJob,
  BullMqModule,
  BullQueue,
  BullQueueEvents,
  BullQueueEventsProducer,
  BullWorker,
} from './bullmq.types';
import { processCallbackJob, type CallbackJobData } from './callback.processor';
import {
  callbackJobId,
  outgoingQueueName,
  partitionOf,
  setWebhookLockKey,
  webhookQueueName,
} from './queue-keys';
import { RedisScripts } from './redis-scripts';

/** Name of the custom event a broadcast's progress travels in (the outgoing queue's stream). */
const BROADCAST_EVENT = 'viber-broadcast';
/** Time between two log lines about the same failing queue part, in ms. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/** The user a callback is about: its partition key (the token when it names no user). */
export function partitionKeyOf(callback: ViberCallback): string {
  const record = callback as unknown as Record<string, unknown>;
  const user = (record.sender ?? record.user) as { id?: unknown } | undefined;
  if (user && typeof user.id === 'string') return user.id;
  if (typeof record.user_id === 'string') return record.user_id;
  return callback.message_token;
}

/** Rejects after `ms` unless the promise settles first (the timer is always cleared). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from Redis within ${ms} ms (${what})`)),
      ms,
    );
  });
  // A late failure must not become an unhandled rejection.
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One bot's queues on BullMQ: the outgoing queue (broadcast chunks, queued sends, planning) with
 * its shared rate limit, the webhook partitions (with `webhook.mode: 'queue'`), their workers,
 * the progress events, and the `set_webhook` claim. Created when the bot has the `queue` option;
 * BullMQ is loaded then, never before.
 * @internal
 */
export class ViberQueueRuntime implements ViberBotQueue, OnApplicationBootstrap {
  /** Broadcast progress and definitions in Redis. */
  readonly store: BroadcastStore;
  /** Runs the outgoing queue's jobs. */
  readonly processor: BroadcastProcessor;
  /** This process's id in claims. */
  readonly owner = randomUUID();
  private readonly logger: Logger;
  private readonly workers: BullWorker[] = [];
  private readonly lastErrorLog = new Map<string, number>();
  private events?: Promise<BullQueueEvents>;
  private producer?: BullQueueEventsProducer;
  private readonly listeners = new Set<(event: ViberBroadcastEvent) => void>();
  private started = false;
  private closed?: Promise<void>;

  private constructor(
    private readonly bull: BullMqModule,
    /** The resolved queue options. */
    readonly options: ResolvedViberQueueOptions,
    private readonly bot: ViberBot,
    /** The outgoing queue. */
    readonly outgoing: BullQueue,
    /** The webhook partitions (empty unless `webhook.mode` is `'queue'`). */
    readonly partitions: readonly BullQueue[],
    private readonly scripts: RedisScripts,
    client: ViberClient,
    subscribers: ViberSubscribers,
  ) {
    this.logger = new Logger(`ViberQueue:${bot.name}`);
    for (const queue of [outgoing, ...partitions]) {
      queue.on('error', (error) => this.logError(`queue ${queue.name}`, error));
    }
    this.store = new BroadcastStore(
      scripts,
      options.prefix,
      bot.name,
      options.broadcast.keepFinishedMs,
    );
    this.processor = new BroadcastProcessor(
      bull,
      outgoing,
      this.store,
      client,
      subscribers,
      options,
      (type, status) => this.publish(type, status),
      this.logger,
      (ms) => this.pause(ms),
    );
  }

  /** Loads BullMQ and opens the bot's queues (workers start with {@link start}). */
  static async create(
    options: ResolvedViberOptions,
    bot: ViberBot,
    subscribers: ViberSubscribers,
  ): Promise<ViberQueueRuntime> {
    const queue = options.queue!;
    const bull = await loadBullMq(options.name);
    const base = { connection: queue.connection, prefix: queue.prefix };
    const outgoing = new bull.Queue(outgoingQueueName(options.name), base);
    const partitions =
      options.webhook.mode === 'queue'
        ? Array.from(
            { length: queue.webhook.partitions },
            (_, i) => new bull.Queue(webhookQueueName(options.name, i), base),
          )
        : [];
    const scripts = new RedisScripts(outgoing);
    return new ViberQueueRuntime(
      bull,
      queue,
      bot,
      outgoing,
      partitions,
      scripts,
      bot.client,
      subscribers,
    );
  }

  /**
   * Once every handler is routed: starts the workers, without holding up the app's start (with
   * Redis down, they start when it is back; the webhook answers 503 meanwhile).
   */
  onApplicationBootstrap(): void {
    void this.start().catch((error: unknown) => this.logError('start', error));
  }

  /**
   * Applies the queues' shared settings (the outgoing queue's rate limit, one callback at a time
   * per partition) and starts this replica's workers (unless `workers: false`).
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.applySharedSettings();
    // A Redis that restarted without its data forgot them: apply them again on every reconnect.
    const client = (await (this.outgoing.getBackend
      ? this.outgoing.getBackend().client
      : this.outgoing.client)) as
      { on?(event: 'ready', listener: () => void): unknown } | undefined;
    client?.on?.('ready', () => {
      void this.applySharedSettings().catch((error: unknown) => this.logError('settings', error));
    });
    if (!this.options.workers || this.closed) return;
    const limiter = this.options.broadcast.limiter;
    const common = {
      connection: this.options.connection,
      prefix: this.options.prefix,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: this.options.stalledIntervalMs,
      maxStalledCount: 5,
    };
    const outgoingWorker = new this.bull.Worker(
      this.outgoing.name,
      (job, token) => this.processor.process(job, token),
      {
        ...common,
        concurrency: this.options.broadcast.concurrency,
        ...(limiter ? { limiter: { max: limiter.max, duration: limiter.duration } } : {}),
      },
    );
    outgoingWorker.on('failed', (job, error) => {
      if (job)
        void this.processor
          .abandoned(job, error)
          .catch((e: unknown) => this.logError('abandon', e));
    });
    this.workers.push(outgoingWorker);
    const { attempts, backoffMs } = this.options.webhook;
    for (const partition of this.partitions) {
      const worker = new this.bull.Worker(
        partition.name,
        (job) => processCallbackJob(this.bot, job as BullJob<CallbackJobData>, attempts, backoffMs),
        { ...common, concurrency: 1 },
      );
      worker.on('failed', (job, error) => {
        if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
          this.logger.error(
            `Callback ${job.id ?? '?'} kept in the failed set of ${partition.name}: ${error.message}`,
          );
        }
      });
      this.workers.push(worker);
    }
    for (const worker of this.workers) {
      worker.on('error', (error) => this.logError('worker', error));
    }
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
  }

  /**
   * The settings every replica shares, kept in the queues' metadata so that every worker, of any
   * replica or version, obeys them: the outgoing queue's rate limit, and one callback at a time
   * per webhook partition.
   */
  private async applySharedSettings(): Promise<void> {
    const limiter = this.options.broadcast.limiter;
    if (limiter) await this.outgoing.setGlobalRateLimit?.(limiter.max, limiter.duration);
    for (const partition of this.partitions) await partition.setGlobalConcurrency?.(1);
  }

  /** Stores a callback as a job of its user's partition (once per event and token). */
  async ingest(callback: ViberCallback, rawBody: Buffer): Promise<void> {
    const queue = this.partitions[partitionOf(partitionKeyOf(callback), this.partitions.length)];
    if (!queue) throw new ViberQueueUnavailableError('the queued webhook has no partitions');
    const id = callbackJobId(callback.event, callback.message_token);
    const data: CallbackJobData = { raw: rawBody.toString('utf8'), at: Date.now() };
    const keepFailed = this.options.webhook.keepFailed;
    try {
      await within(
        queue.add('callback', data, {
          jobId: id,
          // Outlives the job: a re-send after it was handled is not stored again.
          deduplication: { id, ttl: this.bot.options.handling.dedupeTtlMs },
          attempts: 1,
          removeOnComplete: true,
          removeOnFail: keepFailed === undefined ? false : { count: keepFailed },
        }),
        this.options.webhook.ingestTimeoutMs,
        'storing the callback',
      );
    } catch (error) {
      throw new ViberQueueUnavailableError(error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * Claims the `set_webhook` of one registration (URL and options) for this replica, for
   * `ttlMs`: true for the one replica that should call it.
   */
  async claimSetWebhook(registration: object, ttlMs: number): Promise<boolean> {
    const key = this.setWebhookKey(registration);
    return Number(await this.scripts.run(CLAIM_LOCK, [key], [this.owner, ttlMs])) === 1;
  }

  /** Drops this replica's claim (its `set_webhook` failed: another may try). */
  async releaseSetWebhook(registration: object): Promise<void> {
    await this.scripts.run(RELEASE_LOCK, [this.setWebhookKey(registration)], [this.owner]);
  }

  private setWebhookKey(registration: object): string {
    const digest = createHash('sha256')
      .update(JSON.stringify(registration))
      .digest('hex')
      .slice(0, 16);
    return setWebhookLockKey(this.options.prefix, this.bot.name, digest);
  }

  /** Pauses the whole outgoing queue (Viber said status 12): no job of any replica starts. */
  private async pause(ms: number): Promise<void> {
    if (this.outgoing.rateLimit) await this.outgoing.rateLimit(ms);
    else await this.workers[0]?.rateLimit?.(ms);
  }

  /** Publishes a progress event to every replica that listens. */
  publish(type: 'progress' | 'state', status: ViberBroadcastStatus | undefined): void {
    if (!status) return;
    this.producer ??= new this.bull.QueueEventsProducer(this.outgoing.name, {
      connection: this.options.connection,
      prefix: this.options.prefix,
    });
    void this.producer
      .publishEvent({ eventName: BROADCAST_EVENT, type, status: JSON.stringify(status) })
      .catch((error: unknown) => this.logError('events', error));
  }

  /** Calls `listener` with every broadcast event of this bot, from any replica. */
  async subscribe(listener: (event: ViberBroadcastEvent) => void): Promise<() => void> {
    this.listeners.add(listener);
    this.events ??= (async () => {
      const events = new this.bull.QueueEvents(this.outgoing.name, {
        connection: this.options.connection,
        prefix: this.options.prefix,
      });
      events.on(BROADCAST_EVENT, (args) => {
        let event: ViberBroadcastEvent;
        try {
          event = {
            type: args.type === 'state' ? 'state' : 'progress',
            status: JSON.parse(args.status ?? '') as ViberBroadcastStatus,
          };
        } catch {
          return;
        }
        for (const each of this.listeners) {
          try {
            each(event);
          } catch (error) {
            this.logError('listener', error);
          }
        }
      });
      (events as unknown as { on(event: 'error', l: (e: Error) => void): void }).on('error', (e) =>
        this.logError('events', e),
      );
      await events.waitUntilReady();
      return events;
    })();
    await this.events;
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Stops the workers (running jobs finish within `timeoutMs`, then they are dropped) and closes the queues. */
  close(timeoutMs: number): Promise<void> {
    this.closed ??= (async () => {
      const graceful = Promise.all(this.workers.map((worker) => worker.close()));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, 'late');
      });
      const outcome = await Promise.race([graceful.then(() => 'done' as const), late]);
      clearTimeout(timer);
      if (outcome === 'late') {
        this.logger.warn(
          `Workers still busy after ${timeoutMs} ms: closing them anyway (their jobs are taken over)`,
        );
        await Promise.all(this.workers.map((worker) => worker.close(true).catch(() => undefined)));
      }
      const others: Array<Promise<unknown>> = [
        ...[this.outgoing, ...this.partitions].map((queue) => queue.close()),
      ];
      if (this.producer) others.push(this.producer.close());
      if (this.events) others.push(this.events.then((events) => events.close()));
      await Promise.allSettled(others);
    })();
    return this.closed;
  }

  private logError(part: string, error: unknown): void {
    const now = Date.now();
    const last = this.lastErrorLog.get(part) ?? 0;
    if (now - last < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog.set(part, now);
    this.logger.error(
      `Queue ${part}: ${error instanceof Error ? error.message : String(error)} (repeats are logged at most every ${ERROR_LOG_INTERVAL_MS / 1000} s)`,
    );
  }
}
