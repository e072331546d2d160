import { subscriberOsFamily } from './subscriber-merge';
import type { ViberSubscriber, ViberSubscriberFilter } from './viber-subscriber.types';

/**
 * The indexes the built-in stores keep, by name (the Redis store uses the same names in its
 * keys): `all` (every user), `s` (subscribed), `c:<country>`, `l:<language>`,
 * `v:<api_version, 1 when unknown>` and `o:<OS family>`.
 */
export const SUBSCRIBER_INDEX = {
  all: 'all',
  subscribed: 's',
  country: (value: unknown) => `c:${String(value)}`,
  language: (value: unknown) => `l:${String(value)}`,
  apiLevel: (value: unknown) => `v:${String(value ?? 1)}`,
  os: (family: string) => `o:${family}`,
} as const;

/** Prefix of the API-level indexes (`v:<level>`). */
export const API_LEVEL_INDEX_PREFIX = 'v:';

/**
 * What a filter asks of the indexes: users in `base` and, for each group, in at least one of its
 * indexes; with `minApiVersion`, also in one of the API-level indexes at or above it (the store
 * knows which levels exist). A group with no index matches nobody.
 */
export interface SubscriberIndexQuery {
  /** `s` (subscribed users) or `all`. */
  base: string;
  /** Groups of index names: OR within a group, AND across groups. */
  groups: string[][];
  /** Lowest API level wanted (users without one count as 1), if any. */
  minApiVersion?: number;
}

function list(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

/** The index query of a filter (the same users as {@link matchesSubscriberFilter}). */
export function subscriberIndexQuery(filter: ViberSubscriberFilter = {}): SubscriberIndexQuery {
  const groups: string[][] = [];
  if (filter.country !== undefined)
    groups.push([...new Set(list(filter.country))].map(SUBSCRIBER_INDEX.country));
  if (filter.language !== undefined)
    groups.push([...new Set(list(filter.language))].map(SUBSCRIBER_INDEX.language));
  if (filter.os !== undefined) {
    const families = list(filter.os)
      .map((os) => subscriberOsFamily(os))
      .filter((family): family is string => family !== undefined);
    groups.push([...new Set(families)].map(SUBSCRIBER_INDEX.os));
  }
  return {
    base: filter.includeUnsubscribed ? SUBSCRIBER_INDEX.all : SUBSCRIBER_INDEX.subscribed,
    groups,
    ...(filter.minApiVersion !== undefined ? { minApiVersion: filter.minApiVersion } : {}),
  };
}

/** The indexes a record belongs to (besides `all`). */
export function subscriberIndexesOf(record: ViberSubscriber): string[] {
  const names: string[] = [SUBSCRIBER_INDEX.apiLevel(record.api_version)];
  if (record.subscribed) names.push(SUBSCRIBER_INDEX.subscribed);
  if (record.country !== undefined) names.push(SUBSCRIBER_INDEX.country(record.country));
  if (record.language !== undefined) names.push(SUBSCRIBER_INDEX.language(record.language));
  const family = subscriberOsFamily(record.primary_device_os);
  if (family !== undefined) names.push(SUBSCRIBER_INDEX.os(family));
  return names;
}

/** The API-level index names at or above `min`, out of the names given. */
export function apiLevelsAtLeast(names: Iterable<string>, min: number): string[] {
  const levels: string[] = [];
  for (const name of names) {
    if (!name.startsWith(API_LEVEL_INDEX_PREFIX)) continue;
    if (Number(name.slice(API_LEVEL_INDEX_PREFIX.length)) >= min) levels.push(name);
  }
  return levels;
}
