import type { ViberSessionRecord } from '../viber-session.types';

/** What a save or delete is given besides the key. */
export interface ViberSessionWriteOptions {
  /** How long the record lives after this write, in ms (`conversations.ttlMs`). */
  readonly ttlMs: number;
  /**
   * The lease of the user's turn, when the store orders turns itself ({@link ViberSessionLocking}):
   * a store that fences writes refuses the write once the lease is no longer held.
   */
  readonly lease?: ViberSessionLease;
}

/**
 * Where the conversations of a bot's users are kept: one {@link ViberSessionRecord} per user
 * (key `<bot>:<user id>`). Implement it over your own database to keep them there; the library
 * calls `get` before a user's handlers run and `set` (or `delete`, when the session is empty and
 * the user is in no scene) after them, only when something changed. Calls for one user never
 * overlap within a process: the library runs each user's callbacks one at a time. To order them
 * across replicas too, implement {@link ViberSessionLocking} as well (as `RedisSessionStore` does).
 */
export interface ViberSessionStore {
  /** The user's record, or undefined (none, or expired). */
  get(key: string): Promise<ViberSessionRecord | undefined>;
  /**
   * Saves the user's record for `options.ttlMs`. Resolve `false` when the write was refused
   * because `options.lease` is no longer held (a slower turn that lost its lease).
   */
  set(
    key: string,
    record: ViberSessionRecord,
    options: ViberSessionWriteOptions,
  ): Promise<boolean | void>;
  /** Removes the user's record (same `false` rule as `set`). */
  delete(key: string, options: ViberSessionWriteOptions): Promise<boolean | void>;
}

/**
 * A user's turn across processes: held while that user's handlers run, renewed while they run,
 * released after. If its holder dies, it expires after `leaseMs`.
 */
export interface ViberSessionLease {
  /** Extends the lease by `leaseMs`; resolves false when it was lost (expired and taken). */
  renew(): Promise<boolean>;
  /** Gives the turn up (the next callback of the user may start). */
  release(): Promise<void>;
}

/** A callback's place in its user's line, taken when it arrived. */
export interface ViberSessionTicket {
  /**
   * Waits until it is this callback's turn (the callbacks of the user that arrived before it,
   * in any process, are done or their holders died) and resolves with the lease. Called once the
   * earlier callbacks of the same process are done. Rejects when `signal` aborts.
   */
  acquire(signal: AbortSignal): Promise<ViberSessionLease>;
  /** Gives the place up without taking the turn. */
  cancel(): Promise<void>;
}

/**
 * Optional part of a {@link ViberSessionStore} shared by replicas: orders each user's callbacks
 * across processes (a fair line per user and a lease with expiry). `RedisSessionStore`
 * implements it; a store without it orders callbacks within each process only.
 */
export interface ViberSessionLocking {
  /**
   * Takes a place in the user's line. Called synchronously when a callback arrives, in arrival
   * order: send the command that records the place before returning (one connection keeps the
   * order).
   */
  enqueue(key: string, leaseMs: number): ViberSessionTicket;
}

/** Whether a store also orders turns across processes. */
export function isSessionLocking(
  store: ViberSessionStore | undefined,
): store is ViberSessionStore & ViberSessionLocking {
  return typeof (store as Partial<ViberSessionLocking> | undefined)?.enqueue === 'function';
}
