import type { ViberBroadcastResult } from '../types/api.types';
import { ViberError } from './viber.error';

/**
 * The receivers of a streamed broadcast could not be read (the async iterable given to
 * `ViberClient.broadcast`, or the subscriber store behind `broadcastToSubscribers`, threw). The
 * broadcast stopped as if stopped by hand: no new request started, the requests in flight
 * finished, and `result` accounts for every receiver read (those read and not sent are in its
 * `failed_list` with status `-2`). `cause` is the source's error.
 */
export class ViberBroadcastSourceError<
  R extends ViberBroadcastResult = ViberBroadcastResult,
> extends ViberError {
  /** Reading may work again (the database back): continue from where the result says. */
  readonly retryable = true;

  constructor(
    /** The broadcast up to where it stopped. */
    readonly result: R,
    cause: unknown,
  ) {
    super(
      `Broadcast stopped: reading its receivers failed (${cause instanceof Error ? cause.message : String(cause)}); ${result.sent} sent before`,
    );
    this.cause = cause;
  }
}
