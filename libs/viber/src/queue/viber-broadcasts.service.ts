import { randomUUID } from 'node:crypto';
import type { ViberClient } from '../client/viber-client';
import { ViberUsageError } from '../errors/viber-usage.error';
import type { ViberSubscriberFilter } from '../subscribers/viber-subscriber.types';
import type { ViberFailedReceiver } from '../types/api.types';
import type {
  ViberBroadcastAudience,
  ViberBroadcastEvent,
  ViberBroadcastHandle,
  ViberBroadcastPage,
  ViberBroadcastStartOptions,
  ViberBroadcastStatus,
} from '../types/broadcast.types';
import type { ViberOutgoingMessage } from '../types/message.types';
import { deriveMinApiVersion } from '../validation/min-api-version';
import type { ChunkJobData, PlanJobData } from './broadcast.processor';
import type { ChunkOrigin } from './broadcast.store';
import { BROADCAST_ID_PATTERN, chunkJobId, planJobId } from './queue-keys';
import type { ViberQueueRuntime } from './viber-queue.runtime';

/** Receivers of a list audience stored per Redis command. */
const SOURCE_PAGE = 10_000;
/** Largest page `failedReceivers` / `uncertainReceivers` return. */
const MAX_PAGE = 10_000;

/**
 * Durable broadcasts (and sends) through the bot's outgoing queue on BullMQ: every request is a
 * job, paced by one rate limit shared by every worker of every replica; progress lives in Redis,
 * so any replica reads it, pauses, resumes or cancels; a broadcast survives a crash of the process
 * that started it or of the workers sending it (receivers whose request left without a recorded
 * answer are reported as uncertain, never silently sent twice).
 *
 * Inject it as `ViberBroadcasts` (default bot) or with `getViberBroadcastsToken(name)`. It needs
 * `ViberModule.forRoot({ queue: { connection } })`; without the option every method throws.
 *
 * ```ts
 * const { id } = await broadcasts.start(userIds, 'Our summer sale starts now', { id: 'sale-2025-06' });
 * const status = await broadcasts.get(id); // { state, total, sent, failed, pending, uncertain, … }
 * ```
 */
export class ViberBroadcasts {
  /**
   * Made by `ViberModule` for each bot; inject it, do not construct it.
   * @internal
   */
  constructor(
    private readonly runtime: ViberQueueRuntime | null,
    private readonly client: ViberClient,
    /** The bot's name. */
    readonly botName: string,
  ) {}

  private get queue(): ViberQueueRuntime {
    if (!this.runtime) {
      throw new ViberUsageError(
        `ViberBroadcasts of bot "${this.botName}" needs the queue option: ViberModule.forRoot({ queue: { connection: { host, port } } }) (BullMQ on Redis)`,
      );
    }
    return this.runtime;
  }

  /**
   * Starts a broadcast: validates the message, stores the audience and queues its planning, then
   * resolves with its id (the requests go out from the workers). A list is sent to each distinct
   * id once; a subscriber filter goes to the current subscribers passing it (read page by page;
   * users whose `api_version` is below the message's are counted in `skipped`). Starting with an
   * `id` that exists adds nothing (`created: false`); after a crash in the middle of `start`,
   * calling it again with the same id and audience finishes what was stored.
   */
  async start(
    audience: ViberBroadcastAudience,
    message: ViberOutgoingMessage | string,
    options: ViberBroadcastStartOptions = {},
  ): Promise<ViberBroadcastHandle> {
    const runtime = this.queue;
    const id = options.id ?? randomUUID();
    if (typeof id !== 'string' || !BROADCAST_ID_PATTERN.test(id)) {
      throw new ViberUsageError(
        `broadcast id must be 1..128 letters, digits, "_", "-" or "." (got ${JSON.stringify(id)})`,
      );
    }
    const via = options.via ?? 'broadcast_message';
    if (via !== 'broadcast_message' && via !== 'send_message') {
      throw new ViberUsageError(
        `via must be 'broadcast_message' or 'send_message' (got ${JSON.stringify(via)})`,
      );
    }
    const prepared = this.client.prepareQueuedMessage(message);
    const { store } = runtime;
    if (Array.isArray(audience)) {
      const receivers = [...new Set(audience as readonly unknown[])];
      for (const receiver of receivers) {
        if (typeof receiver !== 'string' || receiver.length === 0) {
          throw new ViberUsageError(
            'audience must be a list of user ids (non-empty strings) or a subscriber filter',
          );
        }
      }
      const { created } = await store.create(id, via, prepared, 'list', receivers.length, '');
      const stored = created ? undefined : await store.read(id);
      if (stored?.planStarted) return { id, created };
      if (stored && (stored.kind !== 'list' || stored.status.total !== receivers.length)) {
        throw new ViberUsageError(
          `broadcast ${id} exists with another audience (${stored.status.total} receivers): start it again with the same list, or use another id`,
        );
      }
      const pages = Math.ceil(receivers.length / SOURCE_PAGE);
      for (let page = stored?.stored ?? 0; page < pages; page++) {
        await store.storeSource(
          id,
          page,
          (receivers as string[]).slice(page * SOURCE_PAGE, (page + 1) * SOURCE_PAGE),
        );
      }
      if (receivers.length > 0) await this.startPlanning(runtime, id);
      return { id, created };
    }
    if (audience === null || typeof audience !== 'object') {
      throw new ViberUsageError('audience must be a list of user ids or a subscriber filter');
    }
    const filter = { ...(audience as ViberSubscriberFilter), includeUnsubscribed: false };
    const required = prepared.min_api_version ?? deriveMinApiVersion(prepared);
    const { created } = await store.create(
      id,
      via,
      prepared,
      'filter',
      0,
      JSON.stringify({ filter, required }),
    );
    if (!created && (await store.read(id))?.planStarted) return { id, created };
    await this.startPlanning(runtime, id);
    return { id, created };
  }

  /**
   * Queues one message to one user as a durable `send_message` job (same queue, same rate
   * limit and crash semantics as a broadcast): `get(id)` reports it like a broadcast of one.
   */
  send(
    receiver: string,
    message: ViberOutgoingMessage | string,
    options: { id?: string } = {},
  ): Promise<ViberBroadcastHandle> {
    return this.start([receiver], message, { ...options, via: 'send_message' });
  }

  /** The broadcast's progress, from any replica; undefined for an unknown (or expired) id. */
  async get(id: string): Promise<ViberBroadcastStatus | undefined> {
    return (await this.queue.store.read(id))?.status;
  }

  /**
   * Pauses a queued or running broadcast: no further request of it starts (requests on the wire
   * finish); its chunks wait in Redis until `resume`. Other broadcasts go on.
   */
  async pause(id: string): Promise<ViberBroadcastStatus | undefined> {
    const result = await this.queue.store.control(id, 'pause');
    if (result.changed) this.queue.publish('state', result.status);
    return result.status;
  }

  /** Resumes a paused broadcast where it stopped. */
  async resume(id: string): Promise<ViberBroadcastStatus | undefined> {
    const runtime = this.queue;
    const result = await runtime.store.control(id, 'resume');
    if (!result.changed) return result.status;
    await this.requeue(runtime, id, 'parked', 'resume', result.generation);
    if (result.parkedPlan) {
      const plan = JSON.parse(result.parkedPlan) as PlanJobData;
      await runtime.outgoing.add(
        'plan',
        plan,
        runtime.processor.planOptions(planJobId(id, plan.page, result.generation)),
      );
      await runtime.store.clearParkedPlan(id, result.parkedPlan);
    }
    runtime.publish('state', result.status);
    return (await this.get(id)) ?? result.status;
  }

  /**
   * Cancels a broadcast: no further request of it starts; the receivers not sent stay `pending`
   * (never sent). Final.
   */
  async cancel(id: string): Promise<ViberBroadcastStatus | undefined> {
    const result = await this.queue.store.control(id, 'cancel');
    if (result.changed) this.queue.publish('state', result.status);
    return result.status;
  }

  /**
   * Sends the uncertain receivers again (they may then get the message twice: your call). Their
   * chunks go back to the queue; `uncertain` drops as they are sent.
   */
  async retryUncertain(id: string): Promise<ViberBroadcastStatus | undefined> {
    const runtime = this.queue;
    const result = await runtime.store.control(id, 'reopen');
    if (!result.changed) return result.status;
    await this.requeue(runtime, id, 'uncertain', 'retry', result.generation);
    runtime.publish('state', result.status);
    return this.get(id);
  }

  /** A page of the failed receivers, each with Viber's status (or -1: never reached Viber). */
  async failedReceivers(
    id: string,
    options: { cursor?: string; limit?: number } = {},
  ): Promise<ViberBroadcastPage<ViberFailedReceiver>> {
    const start = options.cursor === undefined ? 0 : Number(options.cursor);
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(options.limit ?? 1000)));
    if (!Number.isInteger(start) || start < 0) {
      throw new ViberUsageError(
        `cursor must come from a previous page (got ${JSON.stringify(options.cursor)})`,
      );
    }
    const items = await this.queue.store.readFailures(id, start, start + limit - 1);
    return items.length === limit ? { items, cursor: String(start + limit) } : { items };
  }

  /** A page of the uncertain receivers (their request left but no answer was recorded). */
  async uncertainReceivers(
    id: string,
    options: { cursor?: string; limit?: number } = {},
  ): Promise<ViberBroadcastPage<string>> {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(options.limit ?? 1000)));
    const page = await this.queue.store.scan(
      id,
      'uncertain',
      options.cursor ?? '0',
      Math.ceil(limit / 300),
    );
    const items = page.entries.flatMap(([, receivers]) => receivers);
    return page.cursor === '0' ? { items } : { items, cursor: page.cursor };
  }

  /**
   * Calls `listener` with each progress event of this bot's broadcasts (or of one, with `id`),
   * from whichever replica sent it. Resolves once listening, with the function that stops it.
   */
  async subscribe(
    listener: (event: ViberBroadcastEvent) => void,
    options: { id?: string } = {},
  ): Promise<() => void> {
    return this.queue.subscribe((event) => {
      if (options.id === undefined || event.status.id === options.id) listener(event);
    });
  }

  /** Adds the first plan job (idempotent: a fixed job id), then marks planning as started. */
  private async startPlanning(runtime: ViberQueueRuntime, id: string): Promise<void> {
    const plan: PlanJobData = { b: id, page: 0 };
    await runtime.outgoing.add('plan', plan, runtime.processor.planOptions(planJobId(id, 0)));
    await runtime.store.markPlanning(id);
  }

  /** Queues the parked (or uncertain) chunks again, as jobs of a new generation. */
  private async requeue(
    runtime: ViberQueueRuntime,
    id: string,
    which: 'parked' | 'uncertain',
    origin: ChunkOrigin,
    generation: number,
  ): Promise<void> {
    let cursor = '0';
    do {
      const page = await runtime.store.scan(id, which, cursor, 100);
      if (page.entries.length > 0) {
        await runtime.outgoing.addBulk(
          page.entries.map(([chunk, receivers]) => ({
            name: 'chunk',
            data: { b: id, c: chunk, r: receivers, o: origin } satisfies ChunkJobData,
            opts: runtime.processor.chunkOptions(chunkJobId(id, chunk, generation)),
          })),
        );
      }
      cursor = page.cursor;
    } while (cursor !== '0');
  }
}
