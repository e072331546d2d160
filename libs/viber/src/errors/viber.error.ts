/** Base class of every error this library raises. */
export abstract class ViberError extends Error {
  /** Whether the same request may succeed if tried again later. */
  abstract readonly retryable: boolean;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
