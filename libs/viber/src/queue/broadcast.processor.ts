import type { Logger } from '@nestjs/common';
import { BROADCAST_FATAL_STATUSES, type ViberClient } from '../client/viber-client';
import { ViberApiError } from '../errors/viber-api.error';
import {
  ViberHttpError,
  ViberNetworkError,
  ViberTimeoutError,
  ViberTransportError,
} from '../errors/viber-transport.error';
import type { ViberSubscribers } from '../subscribers/viber-subscribers.service';
import type { ViberSubscriberFilter } from '../subscribers/viber-subscriber.types';
import type { ViberBroadcastResponse, ViberFailedReceiver } from '../types/api.types';
import type { ViberBroadcastStatus } from '../types/broadcast.types';
import type { ViberOutgoingMessage } from '../types/message.types';
import { ViberStatus } from '../types/viber-status.enum';
import { VIBER_LIMITS } from '../validation/viber-limits';
import { VIBER_DEFAULT_QUEUE_RECEIVER_RETRIES } from '../viber.defaults';
import type { ResolvedViberQueueOptions } from '../viber-options.resolver';
import { listAudience, subscriberAudience, type AudienceSource } from './broadcast-audience';
import type { BroadcastStore, ChunkOrigin } from './broadcast.store';
import type { BullJob, BullJobOptions, BullMqModule, BullQueue } from './bullmq.types';
import { chunkJobId, chunkKey, planJobId, retryChunkKey } from './queue-keys';

/** Status recorded for receivers of a request that provably never reached Viber. */
const TRANSPORT_FAILURE = -1;

/** Data of a chunk job: one API request. */
export interface ChunkJobData {
  /** Broadcast id. */
  b: string;
  /** Chunk key (`<page>-<index>`, `r<n>` for per-receiver retries). */
  c: string;
  /** Receivers (≤ 300; 1 for `send_message`). */
  r: string[];
  /** Origin: '' first planned, 'resume' re-added by resume(), 'retry' by retryUncertain(). */
  o?: ChunkOrigin;
  /** Parent chunk of a per-receiver retry. */
  p?: string;
}

/** Data of a plan job: one page of the audience. */
export interface PlanJobData {
  /** Broadcast id. */
  b: string;
  /** Page number. */
  page: number;
  /** Where the page starts in the audience. */
  cursor?: string;
}

/** Publishes a broadcast's progress to every replica. */
export type ProgressPublisher = (
  type: 'progress' | 'state',
  status: ViberBroadcastStatus | undefined,
) => void;

/** Receivers of one request for each endpoint. */
export function chunkSize(via: string): number {
  return via === 'send_message' ? 1 : VIBER_LIMITS.broadcastReceivers;
}

/** Splits a list into chunks of at most `size`. */
function split<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Viber's rate limiting: status 12, or HTTP 429. */
function isRateLimited(error: unknown): boolean {
  return (
    (error instanceof ViberApiError && error.status === ViberStatus.tooManyRequests) ||
    (error instanceof ViberHttpError && error.httpStatus === 429)
  );
}

/** A failure that proves the request did not reach Viber (or Viber failed it as a whole with 5xx). */
function isRetryableTransport(error: unknown): boolean {
  if (error instanceof ViberHttpError) return error.httpStatus >= 500;
  return (
    (error instanceof ViberNetworkError || error instanceof ViberTimeoutError) &&
    !error.outcomeUnknown
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The outgoing queue's jobs: `plan` reads one page of a broadcast's audience and adds its chunk
 * jobs (and the next plan job); `chunk` sends one request. Crash semantics, in order: a chunk is
 * marked in flight before its request leaves; Viber's answer is recorded before the job is
 * acknowledged; a job found in flight by its own re-run (its worker died: BullMQ's stalled-job
 * check hands it to another worker) is recorded as uncertain, not sent again.
 * @internal
 */
export class BroadcastProcessor {
  private readonly messages = new Map<string, { message: ViberOutgoingMessage; via: string }>();

  constructor(
    private readonly bull: BullMqModule,
    private readonly queue: BullQueue,
    private readonly store: BroadcastStore,
    private readonly client: ViberClient,
    private readonly subscribers: ViberSubscribers,
    private readonly options: ResolvedViberQueueOptions,
    private readonly publish: ProgressPublisher,
    private readonly logger: Logger,
    /** Pauses the whole queue (every worker of every replica). */
    private readonly pauseQueue: (ms: number) => Promise<void>,
  ) {}

  /** Job options of a chunk job. */
  chunkOptions(jobId: string, delay?: number): BullJobOptions {
    return {
      jobId,
      attempts: this.options.broadcast.attempts,
      backoff: { type: 'exponential', delay: this.options.broadcast.backoffMs },
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
      ...(delay ? { delay } : {}),
    };
  }

  /** Job options of a plan job. */
  planOptions(jobId: string): BullJobOptions {
    return {
      jobId,
      attempts: 10,
      backoff: { type: 'exponential', delay: this.options.broadcast.backoffMs },
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    };
  }

  /** Runs one job of the outgoing queue. */
  async process(job: BullJob, token?: string): Promise<unknown> {
    if (job.name === 'plan') return this.plan(job as BullJob<PlanJobData>);
    if (job.name === 'chunk') return this.chunk(job as BullJob<ChunkJobData>, token);
    this.logger.warn(`Unknown job "${job.name}" in the outgoing queue: ignored`);
    return undefined;
  }

  /** A job BullMQ gave up on (attempts used up, or stalled too often). */
  async abandoned(job: BullJob, error: Error): Promise<void> {
    const stalledOut = /stalled/i.test(error.message);
    if (!stalledOut && job.attemptsMade < (job.opts.attempts ?? 1)) return;
    if (job.name === 'chunk') {
      const data = job.data as ChunkJobData;
      this.publish(
        'progress',
        await this.store.abandon(data.b, data.c, data.r, TRANSPORT_FAILURE, messageOf(error)),
      );
    } else if (job.name === 'plan') {
      const data = job.data as PlanJobData;
      this.logger.error(
        `Planning page ${data.page} of broadcast ${data.b} failed: ${error.message}`,
      );
      this.publish(
        'state',
        await this.store.planFailed(data.b, `planning failed: ${error.message}`),
      );
    }
  }

  private async definition(
    id: string,
  ): Promise<{ message: ViberOutgoingMessage; via: string } | undefined> {
    const cached = this.messages.get(id);
    if (cached) return cached;
    const stored = await this.store.read(id);
    if (!stored) return undefined;
    const entry = { message: stored.message, via: stored.status.via };
    if (this.messages.size >= 100) this.messages.delete(this.messages.keys().next().value!);
    this.messages.set(id, entry);
    return entry;
  }

  private async plan(job: BullJob<PlanJobData>): Promise<string> {
    const data = job.data;
    const check = await this.store.planCheck(data.b, JSON.stringify(data));
    if (check !== 'plan') return check;
    const stored = await this.store.read(data.b);
    if (!stored) return 'gone';
    const size = this.options.broadcast.pageChunks * VIBER_LIMITS.broadcastReceivers;
    const source: AudienceSource =
      stored.kind === 'list'
        ? listAudience(
            (start, stop) => this.store.readSource(data.b, start, stop),
            stored.status.total,
          )
        : subscriberAudience(
            (options) => this.subscribers.list(options),
            (stored.filter?.filter ?? {}) as ViberSubscriberFilter,
            stored.filter?.required ?? 1,
          );
    const page = await source.page(data.cursor, size);
    const last = page.cursor === undefined;
    // The page is recorded first (once), then its chunks are added: a re-run after a crash adds
    // the same job ids again, which BullMQ ignores, and a chunk already done is skipped.
    const recorded = await this.store.planPage(
      data.b,
      data.page,
      page.receivers.length,
      page.skipped,
      last,
      stored.kind === 'filter',
    );
    const chunks = split(page.receivers, chunkSize(stored.status.via));
    for (let start = 0; start < chunks.length; start += 1000) {
      await this.queue.addBulk(
        chunks.slice(start, start + 1000).map((receivers, offset) => {
          const chunk = chunkKey(data.page, start + offset);
          return {
            name: 'chunk',
            data: { b: data.b, c: chunk, r: receivers } satisfies ChunkJobData,
            opts: this.chunkOptions(chunkJobId(data.b, chunk)),
          };
        }),
      );
    }
    if (!last) {
      const next: PlanJobData = { b: data.b, page: data.page + 1, cursor: page.cursor };
      await this.queue.add('plan', next, this.planOptions(planJobId(data.b, next.page)));
    }
    if (recorded.recorded) this.publish('progress', recorded.status);
    return 'planned';
  }

  private async chunk(job: BullJob<ChunkJobData>, token?: string): Promise<string> {
    const data = job.data;
    const jobId = job.id!;
    const definition = await this.definition(data.b);
    if (!definition) return 'gone';
    const begin = await this.store.begin(data.b, data.c, jobId, data.r, data.o ?? '', data.p ?? '');
    if (begin.code === 'wait') {
      // A per-receiver retry whose parent's outcome is being recorded: look again shortly.
      await (
        job as BullJob & { moveToDelayed(at: number, token?: string): Promise<void> }
      ).moveToDelayed(Date.now() + 1000, token);
      throw new this.bull.DelayedError();
    }
    if (begin.code !== 'send') {
      if (begin.code === 'uncertain' || begin.code === 'failed')
        this.publish('progress', begin.status);
      if (begin.code === 'uncertain') {
        this.logger.warn(
          `Broadcast ${data.b}: chunk ${data.c} was in flight when its worker stopped; its ${data.r.length} receiver(s) are uncertain (not sent again)`,
        );
      }
      return begin.code;
    }
    // The shared limiter's guarantee needs the request to leave soon after the job started.
    const startedAt = job.processedOn ?? Date.now();
    if (Date.now() - startedAt > this.options.broadcast.startSlackMs) {
      await this.store.release(data.b, data.c, jobId);
      throw this.bull.Worker.RateLimitError();
    }
    const { message, via } = definition;
    const timeoutMs = this.options.broadcast.requestTimeoutMs;
    try {
      if (via === 'send_message') {
        await this.client.requestOnce(
          'send_message',
          { ...message, receiver: data.r[0] },
          { timeoutMs },
        );
        this.publish('progress', (await this.store.done(data.b, data.c, jobId, 1, 1, [])).status);
        return 'sent';
      }
      const answer = await this.client.requestOnce<ViberBroadcastResponse>(
        'broadcast_message',
        { ...message, broadcast_list: data.r },
        { timeoutMs },
      );
      return await this.recordAnswer(data, jobId, answer.failed_list ?? []);
    } catch (error) {
      return this.recordFailure(job, jobId, error);
    }
  }

  /** Records Viber's answer; receivers it failed with status 12 go to a retry chunk first. */
  private async recordAnswer(
    data: ChunkJobData,
    jobId: string,
    failedList: readonly ViberFailedReceiver[],
  ): Promise<string> {
    const listed = new Set(data.r);
    const failures = failedList.filter((entry) => listed.has(entry.receiver));
    const retryable = failures.filter((entry) => entry.status === ViberStatus.tooManyRequests);
    const retry = retryChunkKey(data.c);
    let final = failures;
    if (retryable.length > 0 && retry.attempt <= VIBER_DEFAULT_QUEUE_RECEIVER_RETRIES) {
      // Added before the answer is recorded: a crash in between leaves a retry job whose parent
      // is never done, and the retry then skips itself (the parent becomes uncertain).
      const receivers = retryable.map((entry) => entry.receiver);
      await this.queue.add(
        'chunk',
        { b: data.b, c: retry.key, r: receivers, p: data.c } satisfies ChunkJobData,
        this.chunkOptions(chunkJobId(data.b, retry.key), this.options.broadcast.rateLimitPauseMs),
      );
      const retried = new Set(receivers);
      final = failures.filter((entry) => !retried.has(entry.receiver));
    }
    const sent = data.r.length - failures.length;
    const outcome = await this.store.done(data.b, data.c, jobId, data.r.length, sent, final);
    this.publish('progress', outcome.status);
    return 'sent';
  }

  /** Records a request that failed as a whole, or hands it back to BullMQ to try again. */
  private async recordFailure(
    job: BullJob<ChunkJobData>,
    jobId: string,
    error: unknown,
  ): Promise<string> {
    const data = job.data;
    if (isRateLimited(error)) {
      // Back to the queue without spending an attempt; the whole queue waits.
      await this.store.release(data.b, data.c, jobId);
      this.logger.warn(
        `Viber rate-limited the outgoing queue (${messageOf(error)}): pausing it for ${this.options.broadcast.rateLimitPauseMs} ms`,
      );
      await this.pauseQueue(this.options.broadcast.rateLimitPauseMs);
      throw this.bull.Worker.RateLimitError();
    }
    if (error instanceof ViberTransportError && error.outcomeUnknown) {
      const outcome = await this.store.uncertain(data.b, data.c, jobId, data.r);
      this.logger.warn(
        `Broadcast ${data.b}: chunk ${data.c} got no answer (${messageOf(error)}); its ${data.r.length} receiver(s) are uncertain (not sent again)`,
      );
      this.publish('progress', outcome.status);
      return 'uncertain';
    }
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (isRetryableTransport(error) && !finalAttempt) {
      await this.store.release(data.b, data.c, jobId);
      throw error;
    }
    const status = error instanceof ViberApiError ? error.status : TRANSPORT_FAILURE;
    const fatal =
      error instanceof ViberApiError && BROADCAST_FATAL_STATUSES.has(error.status)
        ? { status: error.status, message: error.statusMessage ?? error.message }
        : undefined;
    const failures = data.r.map((receiver) => ({
      receiver,
      status,
      status_message:
        error instanceof ViberApiError ? (error.statusMessage ?? error.message) : messageOf(error),
    }));
    const outcome = await this.store.done(data.b, data.c, jobId, data.r.length, 0, failures, fatal);
    if (fatal) {
      this.logger.error(
        `Broadcast ${data.b}: Viber answered status ${fatal.status} (${messageOf(error)}); its other chunks fail with it, unsent`,
      );
    }
    this.publish('progress', outcome.status);
    return 'failed';
  }
}
