import { ViberError } from './viber.error';

/** One broken rule found before sending: where, and what the limit is. */
export interface ViberValidationIssue {
  /** Path of the field, e.g. `keyboard.Buttons[3].Columns`. */
  path: string;
  /** What is wrong, naming the limit, e.g. `must be 1..6`. */
  message: string;
}

/** A message or request breaks a documented limit; nothing was sent. */
export class ViberValidationError extends ViberError {
  /** Every issue found. */
  readonly issues: readonly ViberValidationIssue[];
  /** Sending the same payload again would fail the same way. */
  readonly retryable = false;

  constructor(issues: readonly ViberValidationIssue[]) {
    super(
      `Invalid Viber payload: ${issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}`,
    );
    this.issues = issues;
  }
}
