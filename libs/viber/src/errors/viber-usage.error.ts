import { ViberError } from './viber.error';

/**
 * The library was used in a way that cannot work (a decorator on something that is not a method,
 * a pattern that repeats a parameter, a reply to a callback that names no user, …). The message
 * says what to change.
 */
export class ViberUsageError extends ViberError {
  /** The same call fails the same way. */
  readonly retryable = false;

  constructor(message: string) {
    super(`nestjs-viber: ${message}`);
  }
}
