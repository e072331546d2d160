import { setImmediate } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { ViberClient } from '../client/viber-client';
import type { ViberBroadcastOptions, ViberBroadcastProgress } from '../client/viber-client.options';
import { ViberBroadcastSourceError } from '../errors/viber-broadcast-source.error';
import type { ViberBroadcastResult } from '../types/api.types';
import type { ViberCallback, ViberUser } from '../types/callback.types';
import type { ViberOutgoingMessage } from '../types/message.types';
import { deriveMinApiVersion } from '../validation/min-api-version';
import {
  VIBER_DEFAULT_SKIPPED_LIST_LIMIT,
  VIBER_DEFAULT_SUBSCRIBER_PAGE_SIZE,
} from '../viber.defaults';
import type { ViberSubscriberStore } from './viber-subscriber.store';
import {
  VIBER_SUBSCRIBER_PROFILE_FIELDS,
  type ViberSubscriber,
  type ViberSubscriberFilter,
  type ViberSubscriberObservation,
  type ViberSubscriberPage,
  type ViberSubscriberProfile,
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
  /**
   * The first subscribers not sent to because their `api_version` is below the message's
   * `min_api_version`: at most `skippedListLimit` (default 1,000); `skippedCount` counts them all.
   */
  skipped: ViberSkippedSubscriber[];
  /** Number of subscribers skipped for their `api_version` (listed in `skipped` or not). */
  skippedCount: number;
  /**
   * Present when the broadcast stopped before it read every subscriber: pass it as `after` to
   * continue with the subscribers not read yet. The ones read and not sent are in `failed_list`
   * with status `-2`.
   */
  cursor?: string;
}

/** Progress of {@link ViberSubscribers.broadcastToSubscribers}, reported after each request. */
export interface ViberSubscriberBroadcastProgress extends ViberBroadcastProgress {
  /**
   * Registry position: every subscriber before it is settled (sent, failed, uncertain or
   * skipped). Undefined until the first page is settled (the start, or `after`). To continue a
   * broadcast that was cut off (a crash), pass it as `after`: subscribers after it may have been
   * sent already and would get the message again. Stays at the last page's start once the
   * registry is read to the end (`complete`).
   */
  cursor?: string;
  /** Subscribers skipped so far for their `api_version`. */
  skippedCount: number;
}

/** Options of {@link ViberSubscribers.broadcastToSubscribers}. */
export interface ViberSubscriberBroadcastOptions extends Omit<ViberBroadcastOptions, 'onProgress'> {
  /** Called after each request with the running counts and the registry position. */
  onProgress?: (progress: ViberSubscriberBroadcastProgress) => void;
  /** Start after this registry position (a `cursor` from an earlier progress or result). */
  after?: string;
  /** Skipped subscribers listed by id in the result's `skipped`. Default 1,000. */
  skippedListLimit?: number;
  /** Subscribers read from the store per page. Default 1,000. */
  pageSize?: number;
}

/** Time a walk over the registry may keep the event loop before it lets timers and I/O run. */
const WALK_SLICE_MS = 5;

/**
 * The pages of a walk over the store, from `after`: the next page is requested as soon as a page
 * arrives, so that the store works while the caller consumes (a walk costs about the larger of
 * the two, not their sum), and the event loop gets a turn at least every {@link WALK_SLICE_MS}.
 * A page requested ahead and not wanted (the caller stopped) is dropped, its failure ignored.
 */
async function* readPages(
  store: ViberSubscriberStore,
  filter: ViberSubscriberFilter | undefined,
  limit: number,
  after: string | undefined,
): AsyncGenerator<ViberSubscriberPage> {
  let next: Promise<ViberSubscriberPage> | undefined = store.list({ filter, limit, cursor: after });
  let slice = performance.now();
  try {
    while (next) {
      const page: ViberSubscriberPage = await next;
      next =
        page.cursor === undefined ? undefined : store.list({ filter, limit, cursor: page.cursor });
      yield page;
      if (performance.now() - slice >= WALK_SLICE_MS) {
        await setImmediate();
        slice = performance.now();
      }
    }
  } finally {
    next?.catch(() => undefined);
  }
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
  /** Profile fields not kept. */
  private readonly dropped: ReadonlyArray<keyof ViberSubscriberProfile>;

  constructor(
    /** Where the records live. */
    readonly store: ViberSubscriberStore,
    private readonly client: ViberClient,
    /** Whether callbacks are recorded. */
    readonly recording: boolean,
    botName: string,
    /** Profile fields kept (the others are dropped before the store sees them). Default: all. */
    profileFields: ReadonlyArray<keyof ViberSubscriberProfile> = VIBER_SUBSCRIBER_PROFILE_FIELDS,
  ) {
    this.logger = new Logger(`ViberSubscribers:${botName}`);
    this.dropped = VIBER_SUBSCRIBER_PROFILE_FIELDS.filter((f) => !profileFields.includes(f));
  }

  /** Records what a callback says about a subscriber. Never throws: a store failure is logged. */
  async record(callback: ViberCallback): Promise<void> {
    if (!this.recording) return;
    const observation = observationOf(callback);
    if (!observation) return;
    if (observation.profile && this.dropped.length > 0)
      for (const field of this.dropped) delete observation.profile[field];
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

  /**
   * Every subscriber passing the filter, page by page: `for await (const s of
   * subscribers.iterate())`. The next page is read while this one is consumed, and the event
   * loop runs (timers, I/O, the webhook) at least every few milliseconds, whatever the registry's
   * size.
   */
  async *iterate(
    filter?: ViberSubscriberFilter,
    pageSize = VIBER_DEFAULT_SUBSCRIBER_PAGE_SIZE,
  ): AsyncGenerator<ViberSubscriber> {
    for await (const page of readPages(this.store, filter, pageSize, undefined)) yield* page.items;
  }

  /** Removes a user entirely (privacy requests). */
  forget(id: string): Promise<boolean> {
    return this.store.forget(id);
  }

  /**
   * Sends a message to every current subscriber passing the filter, through the client's
   * broadcast (batches of 300, rate limit, progress, failed list). Users who unsubscribed are
   * left out; users whose `api_version` is below the message's `min_api_version` (given, or
   * derived from its features) are skipped: counted in `skippedCount`, the first ones listed in
   * `skipped`. The registry is read page by page as requests go out (bounded memory: the first
   * request leaves after the first page, whatever the audience size). Progress and result carry
   * a registry `cursor`: pass it as `after` to continue a broadcast that stopped. If the store
   * fails midway, the broadcast stops and rejects with a {@link ViberBroadcastSourceError} whose
   * `result` (a {@link ViberSubscriberBroadcastResult}) says where.
   */
  async broadcastToSubscribers(
    message: ViberOutgoingMessage | string,
    filter: Omit<ViberSubscriberFilter, 'includeUnsubscribed'> = {},
    options: ViberSubscriberBroadcastOptions = {},
  ): Promise<ViberSubscriberBroadcastResult> {
    const outgoing: ViberOutgoingMessage =
      typeof message === 'string' ? { type: 'text', text: message } : message;
    const required = outgoing.min_api_version ?? deriveMinApiVersion(outgoing);
    const { onProgress, after, skippedListLimit, pageSize, ...clientOptions } = options;
    const listLimit = Math.max(0, skippedListLimit ?? VIBER_DEFAULT_SKIPPED_LIST_LIMIT);
    const limit = Math.max(1, pageSize ?? VIBER_DEFAULT_SUBSCRIBER_PAGE_SIZE);
    const store = this.store;
    const skipped: ViberSkippedSubscriber[] = [];
    let skippedCount = 0;
    /** Pages read and not yet settled: receivers read up to their end, position after them. */
    const pages: Array<{ end: number; cursor: string | undefined }> = [];
    let read = 0;
    let readCursor = after;
    let settledCursor = after;
    async function* receivers(): AsyncGenerator<string[]> {
      const pagesRead = readPages(store, { ...filter, includeUnsubscribed: false }, limit, after);
      for await (const page of pagesRead) {
        const ids: string[] = [];
        for (const subscriber of page.items) {
          if (subscriber.api_version !== undefined && subscriber.api_version < required) {
            skippedCount++;
            if (skipped.length < listLimit)
              skipped.push({
                receiver: subscriber.id,
                api_version: subscriber.api_version,
                required,
              });
          } else {
            ids.push(subscriber.id);
          }
        }
        read += ids.length;
        pages.push({ end: read, cursor: page.cursor });
        readCursor = page.cursor;
        if (ids.length > 0) yield ids;
      }
    }
    const settle = (settled: number): void => {
      while (pages.length > 0 && pages[0]!.end <= settled) {
        const page = pages.shift()!;
        if (page.cursor !== undefined) settledCursor = page.cursor;
      }
    };
    const finish = (result: ViberBroadcastResult): ViberSubscriberBroadcastResult => ({
      ...result,
      skipped,
      skippedCount,
      ...(result.aborted && readCursor !== undefined ? { cursor: readCursor } : {}),
    });
    try {
      const result = await this.client.broadcast(receivers(), outgoing, {
        ...clientOptions,
        onProgress: (progress) => {
          settle(progress.settled);
          onProgress?.({ ...progress, cursor: settledCursor, skippedCount });
        },
      });
      return finish(result);
    } catch (error) {
      if (error instanceof ViberBroadcastSourceError)
        throw new ViberBroadcastSourceError(finish(error.result), error.cause);
      throw error;
    }
  }
}
