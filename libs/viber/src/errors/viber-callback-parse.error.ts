import { ViberError } from './viber.error';

/** A webhook body is not JSON or not a valid callback; the webhook answers 400 with `reason`. */
export class ViberCallbackParseError extends ViberError {
  /** The same body fails the same way. */
  readonly retryable = false;

  constructor(
    /** A short reason, safe to show the sender (never echoes the body). */
    readonly reason: string,
  ) {
    super(reason);
  }
}
