import { Logger } from '@nestjs/common';
import type { ViberClient } from '../client/viber-client';
import type { ViberBroadcastOptions } from '../client/viber-client.options';
import type { ViberBroadcastResult } from '../types/api.types';
import type { ViberCallback, ViberUser } from '../types/callback.types';
import type { ViberOutgoingMessage } from '../types/message.types';
import { deriveMinApiVersion } from '../validation/min-api-version';
import type { ViberSubscriberStore } from './viber-subscriber.store';
import type {
  ViberSubscriber,
  ViberSubscriberFilter,
  ViberSubscriberObservation,
  ViberSubscriberPage,
  ViberSubscriberProfile,
} from './viber-subscriber.types';

/** A subscriber left out of a broadcast because their devices cannot show the message. */
export interface ViberSkippedSubscriber {
  /** User id. */
  receiver: string;
  /** The user's API level. */
  api_version: number;
  /** The level the message needs. */
  required: number;
}

/** Result of {@link ViberSubscribers.broadcastToSubscribers}. */
export interface ViberSubscriberBroadcastResult extends ViberBroadcastResult {
  /** Subscribers not sent to because their `api_version` is below the message's `min_api_version`. */
  skipped: ViberSkippedSubscriber[];
}

function profileOf(user: ViberUser): ViberSubscriberProfile {
  const profile: ViberSubscriberProfile = {};
  if (user.name !== undefined) profile.name = user.name;
  if (user.avatar !== undefined) profile.avatar = user.avatar;
  if (user.country !== undefined) profile.country = user.country;
  if (user.language !== undefined) profile.language = user.language;
  if (user.api_version !== undefined) profile.api_version = user.api_version;
  if (user.primary_device_os !== undefined) profile.primary_device_os = user.primary_device_os;
  return profile;
}

/**
 * Turns a callback into what it says about a subscriber (docs/protocol/callbacks.md,
 * "Subscription"): `subscribed`, a user's `message` (a first message subscribes them without a
 * `subscribed` callback) and `conversation_started` with `subscribed: true` make them
 * subscribed; `unsubscribed` makes them gone. Other callbacks say nothing.
 */
export function observationOf(callback: ViberCallback): ViberSubscriberObservation | undefined {
  const at = Number(callback.timestamp);
  switch (callback.event) {
    case 'subscribed':
      return { id: callback.user.id, at, subscribed: true, profile: profileOf(callback.user) };
    case 'message':
      return {
        id: callback.sender.id,
        at,
        subscribed: true,
        message: true,
        profile: profileOf(callback.sender),
      };
    case 'conversation_started':
      return callback.subscribed === true
        ? { id: callback.user.id, at, subscribed: true, profile: profileOf(callback.user) }
        : undefined;
    case 'unsubscribed':
      return { id: callback.user_id, at, subscribed: false };
    default:
      return undefined;
  }
}

/**
 * The subscriber registry of one bot. Viber has no API that lists subscribers, so the webhook
 * records them from callbacks (and from `send_message`/broadcast answers with status 6), in a
 * {@link ViberSubscriberStore}: in memory by default, Redis for replicas, or your own database.
 * Inject it as `ViberSubscribers` (default bot) or with `getViberSubscribersToken(name)`.
 */
export class ViberSubscribers {
  private readonly logger: Logger;

  constructor(
    /** Where the records live. */
    readonly store: ViberSubscriberStore,
    private readonly client: ViberClient,
    /** Whether callbacks are recorded. */
    readonly recording: boolean,
    botName: string,
  ) {
    this.logger = new Logger(`ViberSubscribers:${botName}`);
  }

  /** Records what a callback says about a subscriber. Never throws: a store failure is logged. */
  async record(callback: ViberCallback): Promise<void> {
    if (!this.recording) return;
    const observation = observationOf(callback);
    if (!observation) return;
    try {
      await this.store.observe(observation);
    } catch (error) {
      this.logger.error(
        `Could not record ${callback.event} of a user: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Marks a user as not subscribed (Viber answered status 6 for them). Never throws. */
  async markNotSubscribed(id: string, at: number = Date.now()): Promise<void> {
    if (!this.recording) return;
    try {
      await this.store.observe({ id, at, subscribed: false });
    } catch (error) {
      this.logger.error(
        `Could not mark a user unsubscribed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Number of subscribers (by default only subscribed ones) passing the filter. */
  count(filter?: ViberSubscriberFilter): Promise<number> {
    return this.store.count(filter);
  }

  /** One user's record. */
  get(id: string): Promise<ViberSubscriber | undefined> {
    return this.store.get(id);
  }

  /** A page of subscribers; pass the returned `cursor` to get the next one. */
  list(options?: {
    filter?: ViberSubscriberFilter;
    limit?: number;
    cursor?: string;
  }): Promise<ViberSubscriberPage> {
    return this.store.list(options);
  }

  /** Every subscriber passing the filter, page by page: `for await (const s of subscribers.iterate())`. */
  async *iterate(filter?: ViberSubscriberFilter, pageSize = 500): AsyncGenerator<ViberSubscriber> {
    let cursor: string | undefined;
    do {
      const page = await this.store.list({ filter, limit: pageSize, cursor });
      yield* page.items;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** Removes a user entirely (privacy requests). */
  forget(id: string): Promise<boolean> {
    return this.store.forget(id);
  }

  /**
   * Sends a message to every current subscriber passing the filter, through the client's
   * broadcast (batches of 300, rate limit, progress, failed list). Users who unsubscribed are
   * left out; users whose `api_version` is below the message's `min_api_version` (given, or
   * derived from its features) are skipped and listed in `skipped`, not sent.
   */
  async broadcastToSubscribers(
    message: ViberOutgoingMessage | string,
    filter: Omit<ViberSubscriberFilter, 'includeUnsubscribed'> = {},
    options?: ViberBroadcastOptions,
  ): Promise<ViberSubscriberBroadcastResult> {
    const outgoing: ViberOutgoingMessage =
      typeof message === 'string' ? { type: 'text', text: message } : message;
    const required = outgoing.min_api_version ?? deriveMinApiVersion(outgoing);
    const receivers: string[] = [];
    const skipped: ViberSkippedSubscriber[] = [];
    for await (const subscriber of this.iterate({ ...filter, includeUnsubscribed: false })) {
      if (subscriber.api_version !== undefined && subscriber.api_version < required) {
        skipped.push({ receiver: subscriber.id, api_version: subscriber.api_version, required });
      } else {
        receivers.push(subscriber.id);
      }
    }
    const result = await this.client.broadcast(receivers, outgoing, options);
    return { ...result, skipped };
  }
}
