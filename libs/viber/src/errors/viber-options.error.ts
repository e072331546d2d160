import { ViberError } from './viber.error';

/**
 * A setting is wrong (module options, client options, a store's options); the message names the
 * component, the option and what it must be. Thrown at startup, before anything is sent.
 */
export class ViberOptionsError extends ViberError {
  /** A setting does not change by trying again. */
  readonly retryable = false;

  /**
   * @param subject what was configured: `ViberModule (bot "sales")`, `ViberClient`, …
   * @param option the option's path: `webhook.path`
   * @param problem what is wrong, naming the rule: `must be a positive integer (got 0)`
   */
  constructor(
    readonly subject: string,
    readonly option: string,
    problem: string,
  ) {
    super(`${subject}: option "${option}" ${problem}`);
  }

  /** An error about one bot's module options. */
  static forBot(botName: string, option: string, problem: string): ViberOptionsError {
    return new ViberOptionsError(`ViberModule (bot "${botName}")`, option, problem);
  }
}
