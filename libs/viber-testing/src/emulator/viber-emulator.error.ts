import type { EmulatorCallbackAttempt } from './viber-emulator.types';

/**
 * Something a test should know about went wrong in the emulator: the webhook did not answer a
 * callback 200, a welcome message was refused, the expected replies did not arrive in time, no
 * webhook is set, or the emulator was closed while waiting.
 */
export class ViberEmulatorError extends Error {
  /** The Viber status the emulator would have answered (refused welcome messages). */
  readonly status: number | undefined;
  /** The failed callback attempt, when a callback was not answered 200. */
  readonly attempt: EmulatorCallbackAttempt | undefined;

  constructor(
    message: string,
    details: { status?: number; attempt?: EmulatorCallbackAttempt } = {},
  ) {
    super(message);
    this.name = 'ViberEmulatorError';
    this.status = details.status;
    this.attempt = details.attempt;
  }
}
