/**
 * The parts of BullMQ (5 and 6) the library uses, as structural types. The library never imports
 * `bullmq` at its top level (not even its types: the shipped declarations must compile in apps
 * that do not install it); it loads it with {@link loadBullMq} when `queue` is configured.
 * @internal
 */

/** Options of one job (the subset the library sets). */
export interface BullJobOptions {
  jobId?: string;
  attempts?: number;
  backoff?: { type: 'exponential' | 'fixed'; delay: number };
  delay?: number;
  removeOnComplete?: boolean | number | { count?: number; age?: number };
  removeOnFail?: boolean | number | { count?: number; age?: number };
  deduplication?: { id: string; ttl?: number };
}

/** A job as a processor sees it. */
export interface BullJob<D = unknown> {
  readonly id?: string;
  readonly name: string;
  readonly data: D;
  readonly attemptsMade: number;
  readonly processedOn?: number;
  readonly opts: BullJobOptions;
  readonly failedReason?: string;
}

/** What a worker's processor returns. */
export type BullProcessor = (job: BullJob, token?: string) => Promise<unknown>;

/** A BullMQ Queue. */
export interface BullQueue {
  readonly name: string;
  add(name: string, data: unknown, options?: BullJobOptions): Promise<BullJob>;
  addBulk(jobs: Array<{ name: string; data: unknown; opts?: BullJobOptions }>): Promise<BullJob[]>;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
  getJob(id: string): Promise<BullJob | undefined>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getFailed?(start?: number, end?: number): Promise<BullJob[]>;
  setGlobalConcurrency?(concurrency: number): Promise<unknown>;
  setGlobalRateLimit?(max: number, duration: number): Promise<unknown>;
  rateLimit?(expireTimeMs: number): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** BullMQ 6: the backend holds the Redis client. */
  getBackend?(): { client: Promise<unknown> };
  /** BullMQ 5: the Redis client itself. */
  readonly client?: Promise<unknown>;
}

/** A BullMQ Worker. */
export interface BullWorker {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'failed', listener: (job: BullJob | undefined, error: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  close(force?: boolean): Promise<void>;
  rateLimit?(expireTimeMs: number): Promise<void>;
}

/** BullMQ's QueueEvents (a reader of a queue's event stream). */
export interface BullQueueEvents {
  on(event: string, listener: (args: Record<string, string>, id: string) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}

/** BullMQ's QueueEventsProducer (writes custom events into a queue's event stream). */
export interface BullQueueEventsProducer {
  publishEvent(
    args: { eventName: string; [field: string]: string },
    maxEvents?: number,
  ): Promise<unknown>;
  close(): Promise<void>;
}

/** Options shared by BullMQ's classes. */
export interface BullBaseOptions {
  connection: object;
  prefix: string;
}

/** The BullMQ module, as far as the library uses it. */
export interface BullMqModule {
  Queue: new (name: string, options: BullBaseOptions & Record<string, unknown>) => BullQueue;
  Worker: (new (
    name: string,
    processor: BullProcessor,
    options: BullBaseOptions & Record<string, unknown>,
  ) => BullWorker) & { RateLimitError(): Error };
  QueueEvents: new (
    name: string,
    options: BullBaseOptions & Record<string, unknown>,
  ) => BullQueueEvents;
  QueueEventsProducer: new (name: string, options: BullBaseOptions) => BullQueueEventsProducer;
  DelayedError: new (message?: string) => Error;
}
