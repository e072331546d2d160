import type {
  ViberSubscriberFilter,
  ViberSubscriberPage,
} from '../subscribers/viber-subscriber.types';

/** One page of an audience. */
export interface AudiencePage {
  /** Receivers of the page, in a stable order. */
  receivers: string[];
  /** Subscribers left out (their API level is below the message's). */
  skipped: number;
  /** Where the next page starts; absent on the last page. */
  cursor?: string;
}

/**
 * Where a broadcast's receivers come from, read one page at a time by the plan jobs, so an
 * audience of millions never travels in one Redis command. Small on purpose: an indexed
 * subscriber store can implement it directly later.
 * @internal
 */
export interface AudienceSource {
  /** The page that starts at `cursor` (undefined: the first), about `size` receivers. */
  page(cursor: string | undefined, size: number): Promise<AudiencePage>;
}

/** A list audience, stored in Redis by `start()` (a list read by offset). */
export function listAudience(
  read: (start: number, stop: number) => Promise<string[]>,
  total: number,
): AudienceSource {
  return {
    async page(cursor, size) {
      const start = cursor === undefined ? 0 : Number(cursor);
      const receivers = start < total ? await read(start, Math.min(total, start + size) - 1) : [];
      const next = start + size;
      return { receivers, skipped: 0, cursor: next < total ? String(next) : undefined };
    },
  };
}

/** What the subscriber audience reads: the registry's `list` (or its store's). */
export type SubscriberLister = (options: {
  filter?: ViberSubscriberFilter;
  limit?: number;
  cursor?: string;
}) => Promise<ViberSubscriberPage>;

/**
 * The current subscribers passing a filter, through the registry's pages: whole store pages are
 * read until about `size` receivers are collected (a store page is never split, so the store's
 * cursor is where the next page starts). Users whose `api_version` is below `required` are
 * skipped, as `broadcastToSubscribers` does.
 */
export function subscriberAudience(
  list: SubscriberLister,
  filter: ViberSubscriberFilter,
  required: number,
): AudienceSource {
  return {
    async page(cursor, size) {
      const receivers: string[] = [];
      let skipped = 0;
      let next = cursor;
      do {
        const page = await list({
          filter: { ...filter, includeUnsubscribed: false },
          limit: Math.max(1, size - receivers.length),
          cursor: next,
        });
        for (const subscriber of page.items) {
          if (!subscriber.subscribed) continue;
          if (subscriber.api_version !== undefined && subscriber.api_version < required) skipped++;
          else receivers.push(subscriber.id);
        }
        next = page.cursor;
      } while (next !== undefined && receivers.length + skipped < size);
      return { receivers, skipped, cursor: next };
    },
  };
}
