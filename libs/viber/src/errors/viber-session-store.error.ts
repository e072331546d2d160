import { ViberError } from './viber.error';

/**
 * A session store command failed or did not answer in time (Redis down, a timeout): `cause` is
 * the client's error. The callback's handlers did not run (see the README, "Conversations").
 */
export class ViberSessionStoreError extends ViberError {
  /** The store may answer again later. */
  readonly retryable = true;

  constructor(
    /** What the store was doing (`get`, `set`, `acquire`, …). */
    readonly operation: string,
    /** The user's key (`<bot>:<user id>`). */
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`nestjs-viber: session store ${operation} of "${key}" failed: ${message}`);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
