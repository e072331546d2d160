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
 */
export interface ViberSubscriberStore {
  /** Merges one observation into the user's record (creating it). */
  observe(observation: ViberSubscriberObservation): Promise<void>;
  /** One user's record. */
  get(id: string): Promise<ViberSubscriber | undefined>;
  /** Removes a user entirely (privacy requests). Resolves true when there was a record. */
  forget(id: string): Promise<boolean>;
  /** Number of users passing the filter (by default: subscribed ones). */
  count(filter?: ViberSubscriberFilter): Promise<number>;
  /** A page of users passing the filter, in a stable order; `cursor` continues a previous page. */
  list(options?: {
    filter?: ViberSubscriberFilter;
    limit?: number;
    cursor?: string;
  }): Promise<ViberSubscriberPage>;
  /**
   * Optional: resolves when the store answers, rejects when it does not (readiness checks of
   * `ViberHealthIndicator` call it; without it the store is reported as not checked).
   */
  ping?(): Promise<unknown>;
}
