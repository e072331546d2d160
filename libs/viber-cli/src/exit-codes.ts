/**
 * Exit codes of the `nestjs-viber` command line: each one means one kind of outcome, so that a
 * script can branch on it.
 */
export const EXIT_CODES = {
  /** Done; everything worked (warnings allowed). */
  ok: 0,
  /** Viber said no (status ≠ 0), a receiver was refused, or the doctor found a problem. */
  refused: 1,
  /** Wrong usage: an unknown option, a missing token, a file that cannot be read, an invalid message. */
  usage: 2,
  /** The network: nothing answered, a timeout, a lost answer, an HTTP error instead of Viber's JSON. */
  network: 3,
  /** An unexpected error inside the command line (a bug: please report it). */
  internal: 70,
  /** Stopped by Ctrl-C (SIGINT); what was not done is written to a file. */
  interrupted: 130,
} as const;

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
