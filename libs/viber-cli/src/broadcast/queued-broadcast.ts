import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import {
  ViberModule,
  getViberBroadcastsToken,
  type ViberBroadcastProgress,
  type ViberBroadcastStatus,
  type ViberBroadcasts,
  type ViberFailedReceiver,
  type ViberOutgoingMessage,
  type ViberQueueConnectionOptions,
} from 'nestjs-viber';
import { usageError } from '../cli.errors';

/** How often the command reads the broadcast's progress from Redis while it waits, in ms. */
const POLL_MS = 200;

/** Where the durable broadcast runs and how. */
export interface QueuedBroadcastSettings {
  token: string;
  apiUrl: string;
  /** Timeout of one API request, in ms. */
  timeout: number;
  connection: ViberQueueConnectionOptions;
  /** The queues' key prefix (the app's `queue.prefix`). */
  prefix?: string;
  /** The bot's name (the app's `ViberModule.forRoot({ name })`). */
  bot: string;
  /** Chunks this process's worker sends at once. */
  concurrency?: number;
  /** Where the library's log lines go (stderr). */
  logger: LoggerService;
}

/** A broadcast's end as this command saw it. */
export interface QueuedBroadcastEnd {
  status: ViberBroadcastStatus;
  failed: ViberFailedReceiver[];
  uncertain: string[];
}

/**
 * A broadcast on the library's durable queue (`ViberBroadcasts`, BullMQ on Redis), driven from
 * the command line. Two Nest application contexts of `ViberModule` with the `queue` option: one
 * that only reads and controls (start, pause, resume, progress), and one whose worker sends
 * chunks from this process, alongside the workers of any replica of the app on the same Redis,
 * prefix and bot name. Pausing and closing the worker lets the requests on the wire finish (they
 * are recorded as Viber answered); what is not sent stays in Redis for `--resume <id>` from any
 * machine.
 */
export class QueuedBroadcast {
  private workerClosed?: Promise<void>;

  private constructor(
    private readonly control: INestApplicationContext,
    private readonly worker: INestApplicationContext,
    /** The bot's durable broadcasts. */
    readonly broadcasts: ViberBroadcasts,
  ) {}

  /** Connects to Redis and starts this process's worker. */
  static async open(settings: QueuedBroadcastSettings): Promise<QueuedBroadcast> {
    const { NestFactory } = await import('@nestjs/core');
    const contextOf = (workers: boolean): Promise<INestApplicationContext> =>
      NestFactory.createApplicationContext(
        ViberModule.forRoot({
          name: settings.bot,
          token: settings.token,
          apiUrl: settings.apiUrl,
          timeout: settings.timeout,
          subscribers: { record: false },
          queue: {
            connection: settings.connection,
            prefix: settings.prefix,
            workers,
            broadcast: {
              concurrency: settings.concurrency,
              requestTimeoutMs: settings.timeout,
            },
          },
        }),
        { logger: settings.logger, abortOnError: false },
      );
    const control = await contextOf(false);
    let worker: INestApplicationContext;
    try {
      worker = await contextOf(true);
    } catch (error) {
      await control.close();
      throw error;
    }
    const broadcasts = control.get<ViberBroadcasts>(getViberBroadcastsToken(settings.bot));
    return new QueuedBroadcast(control, worker, broadcasts);
  }

  /** Stores the broadcast in Redis; the workers send it. Refuses an id that exists. */
  async start(
    id: string,
    receivers: readonly string[],
    message: ViberOutgoingMessage,
  ): Promise<ViberBroadcastStatus> {
    const { created } = await this.broadcasts.start(receivers, message, { id });
    if (!created) {
      throw usageError(
        `A broadcast with the id ${id} exists already in Redis.`,
        `Continue it with --resume ${id}, or choose another --id.`,
      );
    }
    return this.status(id);
  }

  /** Resumes a paused broadcast (a running one goes on as it is). */
  async resume(id: string): Promise<ViberBroadcastStatus> {
    const status = await this.broadcasts.get(id);
    if (status === undefined) {
      throw usageError(
        `No broadcast ${id} in this Redis (prefix and bot as given; finished broadcasts expire after a week).`,
      );
    }
    if (status.state === 'paused') await this.broadcasts.resume(id);
    return this.status(id);
  }

  /** The broadcast's progress now. */
  async status(id: string): Promise<ViberBroadcastStatus> {
    const status = await this.broadcasts.get(id);
    if (status === undefined) throw new Error(`broadcast ${id} vanished from Redis`);
    return status;
  }

  /**
   * Reports progress until the broadcast is completed or cancelled, paused (here or elsewhere),
   * or `stopped()` turns true.
   */
  async watch(
    id: string,
    onProgress: (progress: ViberBroadcastProgress) => void,
    stopped: () => boolean,
  ): Promise<ViberBroadcastStatus> {
    let reads = 0;
    let settled = -1;
    for (;;) {
      const status = await this.status(id);
      const done = status.sent + status.failed + status.uncertain;
      if (done !== settled) {
        settled = done;
        onProgress(progressOf(status, ++reads));
      }
      if (status.state === 'completed' || status.state === 'cancelled') return status;
      if (status.state === 'paused' || stopped()) return status;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Pauses the broadcast: no new request of it starts, anywhere. */
  async pause(id: string): Promise<void> {
    await this.broadcasts.pause(id);
  }

  /**
   * Stops this process's worker: the chunks it is sending finish and are recorded as Viber
   * answered (bounded by the bot's shutdown timeout, after which BullMQ hands them to the next
   * worker, which records them as uncertain).
   */
  stopWorker(): Promise<void> {
    this.workerClosed ??= this.worker.close();
    return this.workerClosed;
  }

  /** Reads the final counts and the failed and uncertain receivers. */
  async end(id: string): Promise<QueuedBroadcastEnd> {
    const status = await this.status(id);
    const failed: ViberFailedReceiver[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.broadcasts.failedReceivers(id, { cursor, limit: 10_000 });
      failed.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    const uncertain: string[] = [];
    do {
      const page = await this.broadcasts.uncertainReceivers(id, { cursor, limit: 10_000 });
      uncertain.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return { status, failed, uncertain };
  }

  /** Stops the worker (if still running) and disconnects. */
  async close(): Promise<void> {
    await this.stopWorker().catch(() => undefined);
    await this.control.close();
  }
}

/** A progress report for the bar, from the broadcast's counts in Redis. */
function progressOf(status: ViberBroadcastStatus, reads: number): ViberBroadcastProgress {
  const settled = status.sent + status.failed + status.uncertain;
  return {
    total: status.total,
    sent: status.sent,
    failed: status.failed,
    uncertain: status.uncertain,
    requests: reads,
    settled,
    complete: status.planned,
  };
}
