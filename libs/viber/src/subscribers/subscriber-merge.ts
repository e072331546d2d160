import {
  VIBER_SUBSCRIBER_PROFILE_FIELDS,
  type ViberSubscriber,
  type ViberSubscriberFilter,
  type ViberSubscriberObservation,
} from './viber-subscriber.types';

/**
 * Applies one observation to a record (or creates it). Pure; the stores call it atomically.
 * The result does not depend on the order observations are applied in.
 */
export function mergeSubscriber(
  existing: ViberSubscriber | undefined,
  observation: ViberSubscriberObservation,
): ViberSubscriber {
  const next: ViberSubscriber = existing
    ? { ...existing, profile_at: { ...existing.profile_at } }
    : {
        id: observation.id,
        subscribed: false,
        first_seen_at: observation.at,
        status_at: 0,
        profile_at: {},
      };
  next.first_seen_at = Math.min(next.first_seen_at, observation.at);
  if (observation.subscribed !== undefined) {
    // The newest status wins; on a tie "unsubscribed" wins: never message someone who may have left.
    const newer = observation.at > next.status_at;
    const tie = observation.at === next.status_at;
    if (newer || (tie && !observation.subscribed) || next.status_at === 0) {
      next.subscribed = newer || next.status_at === 0 ? observation.subscribed : false;
      next.status_at = observation.at;
    }
  }
  if (observation.message)
    next.last_message_at = Math.max(next.last_message_at ?? 0, observation.at);
  if (observation.profile) {
    const record = next as unknown as Record<string, unknown>;
    for (const field of VIBER_SUBSCRIBER_PROFILE_FIELDS) {
      const value = observation.profile[field];
      if (value === undefined) continue;
      const since = next.profile_at[field] ?? 0;
      // Each field keeps its newest value; equal times keep the greater value, so order never matters.
      if (
        observation.at > since ||
        (observation.at === since && String(value) > String(record[field]))
      ) {
        record[field] = value;
        next.profile_at[field] = observation.at;
      }
    }
  }
  return next;
}

/** Whether a subscriber passes a filter. */
export function matchesSubscriberFilter(
  subscriber: ViberSubscriber,
  filter: ViberSubscriberFilter = {},
): boolean {
  if (!filter.includeUnsubscribed && !subscriber.subscribed) return false;
  if (filter.minApiVersion !== undefined && (subscriber.api_version ?? 1) < filter.minApiVersion)
    return false;
  if (filter.country !== undefined) {
    const countries = typeof filter.country === 'string' ? [filter.country] : filter.country;
    if (!subscriber.country || !countries.includes(subscriber.country)) return false;
  }
  if (filter.language !== undefined) {
    const languages = typeof filter.language === 'string' ? [filter.language] : filter.language;
    if (!subscriber.language || !languages.includes(subscriber.language)) return false;
  }
  if (filter.os !== undefined) {
    const family = subscriberOsFamily(subscriber.primary_device_os);
    const families = (typeof filter.os === 'string' ? [filter.os] : filter.os).map((os) =>
      subscriberOsFamily(os),
    );
    if (family === undefined || !families.includes(family)) return false;
  }
  return true;
}

/**
 * The OS family of a `primary_device_os` value, as the `os` filter and the stores' indexes use
 * it: its first word with ASCII letters lower-cased (`android 7.1` → `android`, `iOS 17.2` →
 * `ios`); undefined when there is none. A database store can keep it in an indexed column.
 */
export function subscriberOsFamily(primaryDeviceOs: string | undefined): string | undefined {
  if (typeof primaryDeviceOs !== 'string') return undefined;
  // ASCII whitespace and letters only, as the Redis store's Lua script does it.
  const word = /[^ \t\n\v\f\r]+/.exec(primaryDeviceOs)?.[0];
  return word?.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
