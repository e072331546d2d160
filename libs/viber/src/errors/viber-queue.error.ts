import { ViberError } from './viber.error';

/**
 * A callback could not be stored in the queue (Redis down or too slow): the webhook answers 503,
 * so Viber sends it again. Never answered 200: a callback that was not stored is not lost.
 */
export class ViberQueueUnavailableError extends ViberError {
  /** Viber re-sends the callback; storing it later may succeed. */
  readonly retryable = true;

  constructor(
    /** What failed: the queue's error, or the timeout. */
    readonly reason: string,
  ) {
    super(`nestjs-viber: the callback could not be queued: ${reason}`);
  }
}

/**
 * The handlers of a queued callback failed on every attempt; the job goes to the queue's failed
 * set with the callback and this error (nothing is lost silently).
 */
export class ViberHandlerError extends ViberError {
  /** Running the same handlers again may succeed (after a fix or a recovery). */
  readonly retryable = true;

  constructor(
    /** The callback's event. */
    readonly event: string,
    /** The callback's `message_token`. */
    readonly messageToken: string,
    /** Each failure: `Class.method: message`. */
    readonly failures: readonly string[],
    /** Runs of the handlers. */
    readonly attempts: number,
  ) {
    super(
      `Handlers of ${event} ${messageToken} failed ${attempts} time(s): ${failures.join('; ') || 'unknown error'}`,
    );
  }
}
