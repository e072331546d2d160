import type {
  ViberBroadcastProgress,
  ViberBroadcastResult,
  ViberClient,
  ViberOutgoingMessage,
} from 'nestjs-viber';

/** One broadcast to run. */
export interface BroadcastJob {
  receivers: readonly string[];
  /** The message, sender included. */
  message: ViberOutgoingMessage;
  /** `broadcast_message` requests in flight at once. */
  concurrency?: number;
}

/**
 * Runs a broadcast and accounts for every receiver. The command line drives it: `run` once,
 * `stop` on the first Ctrl-C (no new request; requests in flight finish and are reported as
 * Viber answered), `abort` on the second (requests in flight are abandoned: their receivers are
 * reported as uncertain).
 */
export interface BroadcastRunner {
  run(
    job: BroadcastJob,
    onProgress: (progress: ViberBroadcastProgress) => void,
  ): Promise<ViberBroadcastResult>;
  stop(): void;
  abort(): void;
  /** Requests on the wire right now. */
  readonly inFlight: number;
  /** Releases the runner's connections. */
  close(): Promise<void>;
}

/** The broadcast in this process, with the library's `client.broadcast`. */
export class InProcessBroadcastRunner implements BroadcastRunner {
  private readonly aborter = new AbortController();

  constructor(private readonly client: ViberClient) {}

  run(
    job: BroadcastJob,
    onProgress: (progress: ViberBroadcastProgress) => void,
  ): Promise<ViberBroadcastResult> {
    return this.client.broadcast(job.receivers, job.message, {
      onProgress,
      signal: this.aborter.signal,
      concurrency: job.concurrency,
    });
  }

  stop(): void {
    this.client.stopBroadcasts();
  }

  abort(): void {
    this.aborter.abort();
  }

  get inFlight(): number {
    return this.client.requestsInFlight;
  }

  close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}

/** The broadcast in this process (`--redis` runs on the durable queue instead: `QueuedBroadcast`). */
export function createBroadcastRunner(client: () => ViberClient): BroadcastRunner {
  return new InProcessBroadcastRunner(client());
}
