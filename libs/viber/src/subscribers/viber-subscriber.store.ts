import type {
  ViberSubscriber,
  ViberSubscriberFilter,
  ViberSubscriberObservation,
  ViberSubscriberPage,
} from './viber-subscriber.types';

/**
 * Where a bot's subscribers are kept. Implement it over your own database to keep them there:
 * `observe` must apply {@link mergeSubscriber} atomically per user (a transaction or a
 * conditional update), so concurrent callbacks never lose an update.
 *
 * At millions of users, keep the fields the filters use in indexed columns (subscribed, country,
 * language, `api_version` with 1 for unknown, the OS family from {@link subscriberOsFamily}):
 * `count` is then one `SELECT count(*)` over the indexes, and `list` is keyset pagination (the
 * cursor is the last key of the page: `WHERE key > $cursor ORDER BY key LIMIT $limit`, never
 * `OFFSET`), so the last page costs what the first does. `broadcastToSubscribers` and `iterate`
 * read through `list`, a page at a time.
 */
export interface ViberSubscriberStore {
  /** Merges one observation into the user's record (creating it). */
  observe(observation: ViberSubscriberObservation): Promise<void>;
  /** One user's record. */
  get(id: string): Promise<ViberSubscriber | undefined>;
  /** Removes a user entirely (privacy requests). Resolves true when there was a record. */
  forget(id: string): Promise<boolean>;
  /** Number of users passing the filter (by default: subscribed ones), from indexes. */
  count(filter?: ViberSubscriberFilter): Promise<number>;
  /**
   * A page of at most `limit` users passing the filter, in a stable order; `cursor` (opaque, from
   * a previous page) continues after it and stays valid while users come and go.
   */
  list(options?: {
    filter?: ViberSubscriberFilter;
    limit?: number;
    cursor?: string;
  }): Promise<ViberSubscriberPage>;
}
