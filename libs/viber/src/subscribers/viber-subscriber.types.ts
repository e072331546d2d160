/** A user the bot may message, as the registry keeps them. */
export interface ViberSubscriber {
  /** Viber user id (per bot). */
  id: string;
  /** Whether the user is subscribed now. */
  subscribed: boolean;
  /** Name, as last sent by Viber. */
  name?: string;
  /** Avatar URL. */
  avatar?: string;
  /** 2-letter country code. */
  country?: string;
  /** Device language. */
  language?: string;
  /** Maximum API level of the user's devices. */
  api_version?: number;
  /** Primary device OS, where sent. */
  primary_device_os?: string;
  /** First callback that named the user (epoch ms, Viber's timestamp). */
  first_seen_at: number;
  /** The user's last message (epoch ms). */
  last_message_at?: number;
  /** When `subscribed` was last set (epoch ms of the callback or answer that set it). */
  status_at: number;
  /** When each profile field was last set (epoch ms), so late observations never overwrite newer ones. */
  profile_at: Partial<Record<keyof ViberSubscriberProfile, number>>;
}

/** Profile fields taken from callbacks. */
export type ViberSubscriberProfile = Pick<
  ViberSubscriber,
  'name' | 'avatar' | 'country' | 'language' | 'api_version' | 'primary_device_os'
>;

/** The profile fields, in one list. */
export const VIBER_SUBSCRIBER_PROFILE_FIELDS = [
  'name',
  'avatar',
  'country',
  'language',
  'api_version',
  'primary_device_os',
] as const satisfies ReadonlyArray<keyof ViberSubscriberProfile>;

/**
 * One observation about a user, from a callback or an API answer. Stores merge observations so
 * that the result does not depend on their arrival order: the newest status and the newest
 * profile win (by `at`), `first_seen_at` is the earliest, `last_message_at` the latest.
 */
export interface ViberSubscriberObservation {
  /** User id. */
  id: string;
  /** When it happened (Viber's callback timestamp, epoch ms). */
  at: number;
  /** New subscription status, if the observation says one. */
  subscribed?: boolean;
  /** Profile fields sent with it, if any. */
  profile?: ViberSubscriberProfile;
  /** True when the observation is a message from the user. */
  message?: boolean;
}

/** Conditions on subscribers; every given one must hold. */
export interface ViberSubscriberFilter {
  /** Only users whose `api_version` is at least this. */
  minApiVersion?: number;
  /** Only users from these countries. */
  country?: string | readonly string[];
  /** Only users with these languages (exact, e.g. `en` or `en-CA`). */
  language?: string | readonly string[];
  /** Include users who unsubscribed. Default false. */
  includeUnsubscribed?: boolean;
}

/** A page of subscribers. */
export interface ViberSubscriberPage {
  /** The subscribers of this page. */
  items: ViberSubscriber[];
  /** Pass it to get the next page; absent on the last page. */
  cursor?: string;
}

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
  return true;
}
