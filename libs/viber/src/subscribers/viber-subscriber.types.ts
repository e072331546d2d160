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
  /**
   * Only users whose primary device runs one of these OS families: the first word of
   * `primary_device_os`, ASCII letters lower-cased (`android` for `Android 13`, `ios` for
   * `iOS 17.2`). Give families, not versions.
   */
  os?: string | readonly string[];
  /** Include users who unsubscribed. Default false. */
  includeUnsubscribed?: boolean;
}

/** A page of subscribers. */
export interface ViberSubscriberPage {
  /** The subscribers of this page: at most `limit` (the built-in stores give fewer only on the last page). */
  items: ViberSubscriber[];
  /**
   * Opaque position after this page: pass it to get the next page; absent on the last page. A
   * cursor stays valid while users are added or forgotten (users added after it was returned
   * come in later pages).
   */
  cursor?: string;
}
