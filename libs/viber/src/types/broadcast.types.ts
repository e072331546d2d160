import type { ViberSubscriberFilter } from '../subscribers/viber-subscriber.types';
import type { ViberFailedReceiver } from './api.types';

/** Where a queued broadcast stands. */
export type ViberBroadcastState = 'queued' | 'running' | 'paused' | 'completed' | 'cancelled';

/**
 * Who a queued broadcast goes to: a list of user ids (duplicates are sent once), or a filter of
 * the subscriber registry (current subscribers only, planned page by page).
 */
export type ViberBroadcastAudience = readonly string[] | ViberSubscriberFilter;

/** Options of `ViberBroadcasts.start`. */
export interface ViberBroadcastStartOptions {
  /**
   * The broadcast's id (letters, digits, `_`, `-`, `.`; at most 128). Starting a broadcast with
   * an id that exists adds nothing and returns it: pass your own id to make a retried `start`
   * safe. Default: a random UUID.
   */
  id?: string;
  /**
   * `'broadcast_message'` (default): 300 receivers per request. `'send_message'`: one request
   * per receiver (each its own job), for bots not allowed to broadcast.
   */
  via?: 'broadcast_message' | 'send_message';
}

/** What `ViberBroadcasts.start` returns. */
export interface ViberBroadcastHandle {
  /** The broadcast's id: read its progress with `get(id)` on any replica. */
  id: string;
  /** False when a broadcast with this id existed: nothing was added. */
  created: boolean;
}

/** Progress of a queued broadcast, as every replica reads it from Redis. */
export interface ViberBroadcastStatus {
  /** The broadcast's id. */
  id: string;
  /** `queued` (nothing sent yet), `running`, `paused`, `completed` or `cancelled`. */
  state: ViberBroadcastState;
  /**
   * Receivers in the broadcast. For a subscriber filter it grows while the audience is planned
   * page by page (`planned` tells when it is final).
   */
  total: number;
  /** Receivers Viber accepted. */
  sent: number;
  /** Receivers that failed, each with its status (`failedReceivers(id)`). */
  failed: number;
  /** Receivers not sent yet (after a cancel: never sent). */
  pending: number;
  /**
   * Receivers whose request left but whose answer was never recorded (a timeout, or a worker
   * that died in flight): Viber may have delivered to them. Not re-sent unless you call
   * `retryUncertain(id)`; listed by `uncertainReceivers(id)`.
   */
  uncertain: number;
  /** Subscribers left out because their `api_version` is below the message's (filters only). */
  skipped: number;
  /** True once the whole audience is planned (`total` is final). */
  planned: boolean;
  /** The endpoint used. */
  via: 'broadcast_message' | 'send_message';
  /** When it was started (epoch ms). */
  createdAt: number;
  /** When its progress last changed (epoch ms). */
  updatedAt: number;
  /** Why planning failed, if it did (the broadcast then stops growing). */
  error?: string;
}

/** A progress event of a queued broadcast (from any replica). */
export interface ViberBroadcastEvent {
  /** `progress` after a chunk's outcome was recorded; `state` after a pause, resume or cancel. */
  type: 'progress' | 'state';
  /** The broadcast's progress at that moment. */
  status: ViberBroadcastStatus;
}

/** A page of a list; pass `cursor` to get the next one (absent on the last page). */
export interface ViberBroadcastPage<T> {
  /** The items of this page. */
  items: T[];
  /** Where the next page starts; absent when there is none. */
  cursor?: string;
}

/** A failed receiver of a queued broadcast, with its status. */
export type ViberBroadcastFailure = ViberFailedReceiver;
