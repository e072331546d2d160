import { SingleBar } from 'cli-progress';
import type { ViberBroadcastProgress } from 'nestjs-viber';
import type { CliStream } from '../output/terminal';

/**
 * The broadcast's progress bar on a terminal: receivers done of the total, sent, failed,
 * uncertain, rate and ETA. Without a terminal it draws nothing (only the summary is printed).
 */
export class ProgressDisplay {
  private readonly bar?: SingleBar;
  private readonly started = Date.now();
  private last: ViberBroadcastProgress;
  private state = '';

  constructor(stream: CliStream, total: number) {
    this.last = {
      total,
      sent: 0,
      failed: 0,
      uncertain: 0,
      requests: 0,
      settled: 0,
      complete: true,
    };
    if (stream.isTTY !== true) return;
    this.bar = new SingleBar({
      stream: stream as NodeJS.WritableStream,
      format:
        ' {bar} {percentage}% | {value}/{total} receivers | sent {sent} | failed {failed}{uncertainText} | {rate}/s | ETA {eta_formatted}{state}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      barsize: 24,
      hideCursor: true,
      gracefulExit: false,
      etaBuffer: 20,
      fps: 10,
    });
    this.bar.start(total, 0, this.payload(''));
  }

  /** Whether a bar is drawn. */
  get drawn(): boolean {
    return this.bar !== undefined;
  }

  /**
   * Shows the counts after a request. A report that adds no request is the broadcast listing the
   * receivers it will not send (it was stopped): the bar keeps showing what was done.
   */
  update(progress: ViberBroadcastProgress): void {
    if (progress.requests === this.last.requests) return;
    this.last = progress;
    this.bar?.update(
      progress.sent + progress.failed + progress.uncertain,
      this.payload(this.state),
    );
  }

  /** A note shown at the end of the bar (e.g. "stopping…"). */
  note(text: string): void {
    this.state = text ? ` | ${text}` : '';
    this.bar?.update(
      this.last.sent + this.last.failed + this.last.uncertain,
      this.payload(this.state),
    );
  }

  stop(): void {
    this.bar?.stop();
  }

  private payload(state: string): Record<string, string | number> {
    const done = this.last.sent + this.last.failed + this.last.uncertain;
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    return {
      sent: this.last.sent,
      failed: this.last.failed,
      uncertainText: this.last.uncertain > 0 ? ` | uncertain ${this.last.uncertain}` : '',
      rate: Math.round(done / seconds),
      state,
    };
  }
}
