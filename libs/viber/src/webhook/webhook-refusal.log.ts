import type { LoggerService } from '@nestjs/common';
import { VIBER_DEFAULT_REFUSAL_LOG_INTERVAL_MS } from '../viber.defaults';

/** Why the webhook refused a request. */
export type ViberRefusalKind =
  | 'missing signature'
  | 'malformed signature'
  | 'wrong signature'
  | 'body too large'
  | 'body too slow'
  | 'incomplete body'
  | 'invalid callback'
  | 'callback not queued';

/**
 * Logs refused webhook requests without letting junk flood the log: the first refusal of each
 * kind is logged at once, later ones at most once per interval, with the number refused since.
 * Lines carry the reason only: never the body, a signature or the token.
 */
export class ViberRefusalLog {
  private readonly lastLogged = new Map<ViberRefusalKind, number>();
  private readonly unreported = new Map<ViberRefusalKind, number>();

  constructor(
    private readonly logger: LoggerService,
    private readonly intervalMs: number = VIBER_DEFAULT_REFUSAL_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one refusal; logs a line when this kind has not been logged within the interval. */
  refused(kind: ViberRefusalKind, status: number, detail?: string): void {
    const now = this.now();
    const last = this.lastLogged.get(kind);
    if (last !== undefined && now - last < this.intervalMs) {
      this.unreported.set(kind, (this.unreported.get(kind) ?? 0) + 1);
      return;
    }
    const since = this.unreported.get(kind) ?? 0;
    this.unreported.delete(kind);
    this.lastLogged.set(kind, now);
    const more = since > 0 ? ` (and ${since} more since the last report)` : '';
    this.logger.warn(
      `Webhook request refused with ${status}: ${kind}${detail ? ` (${detail})` : ''}${more}`,
    );
  }
}
