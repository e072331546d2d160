import type {
  ViberBroadcastProgress,
  ViberBroadcastResult,
  ViberClient,
  ViberOutgoingMessage,
} from 'nestjs-viber';
import { usageError } from '../cli.errors';

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

/** How the broadcast runs: in this process, or (`--redis <url>`) through a durable queue. */
export interface BroadcastRunnerOptions {
  /** `--redis <url>`: the durable queue. */
  redis?: string;
}

/**
 * Chooses the runner. EXTENSION POINT for `--redis <url>`: a runner on the library's durable
 * broadcast queue (BullMQ on Redis) goes here. It must implement {@link BroadcastRunner} with the
 * same accounting (`sent`, `failed_list` with statuses, `uncertain_list`), enqueue the job under
 * an id printed to the user, and let `broadcast --resume <job-id> --redis <url>` continue it from
 * any machine; the rest of the command (input, dry run, progress bar, Ctrl-C, files, exit codes)
 * stays as it is. Until that queue exists, `--redis` is refused with a usage error.
 */
export function createBroadcastRunner(
  options: BroadcastRunnerOptions,
  client: () => ViberClient,
): BroadcastRunner {
  if (options.redis !== undefined) {
    throw usageError(
      '--redis is not available yet: it needs the durable broadcast queue (BullMQ), which this version of nestjs-viber does not include.',
      'Run the broadcast in this process (without --redis): Ctrl-C stops it cleanly and writes a resume file for `broadcast --resume`.',
    );
  }
  return new InProcessBroadcastRunner(client());
}
