import { ViberError } from './viber.error';

/** How to fix a missing raw body; part of the error message. */
export const RAW_BODY_FIX =
  'the Viber webhook needs the exact request bytes to check signatures, and a body parser already ' +
  'consumed them: create the app with `NestFactory.create(AppModule, { rawBody: true })`';

/**
 * The webhook cannot read the exact request bytes: a body parser the module could not keep off
 * the webhook route consumed them, and the app was not created with `rawBody: true`.
 */
export class ViberRawBodyUnavailableError extends ViberError {
  /** A setup problem: every callback fails the same way until the app is fixed. */
  readonly retryable = false;

  constructor() {
    super(`nestjs-viber: ${RAW_BODY_FIX}`);
  }
}
