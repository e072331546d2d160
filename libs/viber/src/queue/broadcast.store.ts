import type { ViberFailedReceiver } from '../types/api.types';
import type { ViberBroadcastStatus } from '../types/broadcast.types';
import type { ViberOutgoingMessage } from '../types/message.types';
import { statusFromSnapshot } from './broadcast-progress';
import {
  BEGIN_CHUNK,
  CHUNK_ABANDON,
  CHUNK_DONE,
  CHUNK_RELEASE,
  CHUNK_UNCERTAIN,
  CLEAR_PARKED_PLAN,
  CONTROL,
  CREATE,
  MARK_PLANNING,
  PLAN_CHECK,
  PLAN_FAILED,
  PLAN_PAGE,
  READ,
  READ_FAILURES,
  READ_SOURCE,
  SCAN_CHUNKS,
  STORE_SOURCE,
  type BroadcastScript,
} from './broadcast.scripts';
import { broadcastKeys } from './queue-keys';
import type { RedisScripts } from './redis-scripts';

/** How a chunk job came to be: first planned, re-added by resume(), or by retryUncertain(). */
export type ChunkOrigin = '' | 'resume' | 'retry';

/** What {@link BroadcastStore.begin} decided (see `BEGIN_CHUNK`). */
export type BeginCode =
  'send' | 'uncertain' | 'skip' | 'cancelled' | 'parked' | 'failed' | 'wait' | 'gone';

/** A broadcast's stored definition. */
export interface StoredBroadcast {
  status: ViberBroadcastStatus;
  message: ViberOutgoingMessage;
  kind: 'list' | 'filter';
  /** For filters: the filter and the API level the message needs. */
  filter?: { filter: Record<string, unknown>; required: number };
  /** Pages of a list audience stored so far. */
  stored: number;
  /** Whether the first plan job was added. */
  planStarted: boolean;
}

function snapshotOf(value: unknown): ViberBroadcastStatus | undefined {
  return Array.isArray(value) ? statusFromSnapshot(value) : undefined;
}

/**
 * The Redis side of queued broadcasts: typed calls of the broadcast scripts, for one bot.
 * @internal
 */
export class BroadcastStore {
  constructor(
    private readonly scripts: RedisScripts,
    private readonly prefix: string,
    private readonly bot: string,
    private readonly keepFinishedMs: number,
  ) {}

  private run(
    script: BroadcastScript,
    id: string,
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    return this.scripts.run(script, broadcastKeys(this.prefix, this.bot, id), args);
  }

  /** Creates the record unless it exists. */
  async create(
    id: string,
    via: string,
    message: ViberOutgoingMessage,
    kind: 'list' | 'filter',
    total: number,
    filter: string,
  ): Promise<{ created: boolean; status: ViberBroadcastStatus }> {
    const [created, snapshot] = (await this.run(CREATE, id, [
      Date.now(),
      id,
      via,
      JSON.stringify(message),
      kind,
      total,
      filter,
      this.keepFinishedMs,
    ])) as [number, unknown];
    return { created: created === 1, status: snapshotOf(snapshot)! };
  }

  /** Stores page `page` of a list audience (once); returns the pages stored so far. */
  async storeSource(id: string, page: number, receivers: readonly string[]): Promise<number> {
    return Number(await this.run(STORE_SOURCE, id, [page, ...receivers]));
  }

  /** Marks that the first plan job was added; true the first time. */
  async markPlanning(id: string): Promise<boolean> {
    return Number(await this.run(MARK_PLANNING, id, [])) === 1;
  }

  /** Whether a plan job goes on ('plan'), was parked by a pause, or stops. */
  async planCheck(id: string, planJson: string): Promise<'plan' | 'parked' | 'stopped' | 'gone'> {
    return (await this.run(PLAN_CHECK, id, [Date.now(), planJson])) as
      'plan' | 'parked' | 'stopped' | 'gone';
  }

  /** Records a planned page (once). */
  async planPage(
    id: string,
    page: number,
    count: number,
    skipped: number,
    last: boolean,
    addToTotal: boolean,
  ): Promise<{ recorded: boolean; status?: ViberBroadcastStatus }> {
    const [recorded, snapshot] = (await this.run(PLAN_PAGE, id, [
      Date.now(),
      this.keepFinishedMs,
      page,
      count,
      skipped,
      last ? 1 : 0,
      addToTotal ? 1 : 0,
    ])) as [number, unknown];
    return { recorded: recorded === 1, status: snapshotOf(snapshot) };
  }

  /** Records why planning failed. */
  async planFailed(id: string, message: string): Promise<ViberBroadcastStatus | undefined> {
    return snapshotOf(await this.run(PLAN_FAILED, id, [Date.now(), message]));
  }

  /** Decides whether a chunk is sent now (see `BEGIN_CHUNK`). */
  async begin(
    id: string,
    chunk: string,
    jobId: string,
    receivers: readonly string[],
    origin: ChunkOrigin,
    parent: string,
  ): Promise<{ code: BeginCode; status?: ViberBroadcastStatus }> {
    const [code, snapshot] = (await this.run(BEGIN_CHUNK, id, [
      Date.now(),
      this.keepFinishedMs,
      chunk,
      jobId,
      receivers.length,
      JSON.stringify(receivers),
      origin,
      parent,
    ])) as [BeginCode, unknown];
    return { code, status: snapshotOf(snapshot) };
  }

  /** Records Viber's answer for a chunk (once). */
  async done(
    id: string,
    chunk: string,
    jobId: string,
    count: number,
    sent: number,
    failures: readonly ViberFailedReceiver[],
    fatal?: { status: number; message: string },
  ): Promise<{ recorded: boolean; status?: ViberBroadcastStatus }> {
    const [recorded, snapshot] = (await this.run(CHUNK_DONE, id, [
      Date.now(),
      this.keepFinishedMs,
      chunk,
      jobId,
      count,
      sent,
      0,
      fatal ? fatal.status : '',
      fatal ? fatal.message : '',
      ...failures.map((failure) =>
        JSON.stringify({
          receiver: failure.receiver,
          status: failure.status,
          status_message: failure.status_message ?? '',
        }),
      ),
    ])) as [number, unknown];
    return { recorded: recorded === 1, status: snapshotOf(snapshot) };
  }

  /** Records a chunk whose request left without an answer as uncertain. */
  async uncertain(
    id: string,
    chunk: string,
    jobId: string,
    receivers: readonly string[],
  ): Promise<{ recorded: boolean; status?: ViberBroadcastStatus }> {
    const [recorded, snapshot] = (await this.run(CHUNK_UNCERTAIN, id, [
      Date.now(),
      this.keepFinishedMs,
      chunk,
      jobId,
      receivers.length,
      JSON.stringify(receivers),
    ])) as [number, unknown];
    return { recorded: recorded === 1, status: snapshotOf(snapshot) };
  }

  /** Puts a chunk whose request provably did not reach Viber back to pending. */
  async release(id: string, chunk: string, jobId: string): Promise<void> {
    await this.run(CHUNK_RELEASE, id, [chunk, jobId]);
  }

  /** A chunk job BullMQ gave up on: uncertain if it was in flight, else failed with `status`. */
  async abandon(
    id: string,
    chunk: string,
    receivers: readonly string[],
    status: number,
    message: string,
  ): Promise<ViberBroadcastStatus | undefined> {
    return snapshotOf(
      await this.run(CHUNK_ABANDON, id, [
        Date.now(),
        this.keepFinishedMs,
        chunk,
        receivers.length,
        JSON.stringify(receivers),
        status,
        message,
      ]),
    );
  }

  /** pause | resume | cancel | reopen. */
  async control(
    id: string,
    action: 'pause' | 'resume' | 'cancel' | 'reopen',
  ): Promise<{
    changed: boolean;
    generation: number;
    parkedPlan?: string;
    status?: ViberBroadcastStatus;
  }> {
    const [changed, generation, parkedPlan, snapshot] = (await this.run(CONTROL, id, [
      Date.now(),
      this.keepFinishedMs,
      action,
    ])) as [number, number, string, unknown];
    return {
      changed: changed === 1,
      generation: Number(generation),
      parkedPlan: parkedPlan || undefined,
      status: snapshotOf(snapshot),
    };
  }

  /** Forgets the parked plan job once it was re-added. */
  async clearParkedPlan(id: string, planJson: string): Promise<void> {
    await this.run(CLEAR_PARKED_PLAN, id, [planJson]);
  }

  /** One page of parked or uncertain chunks: `[chunk, receivers]` entries. */
  async scan(
    id: string,
    which: 'parked' | 'uncertain',
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; entries: Array<[string, string[]]> }> {
    const [next, flat] = (await this.run(SCAN_CHUNKS, id, [which, cursor, count])) as [
      string,
      string[],
    ];
    const entries: Array<[string, string[]]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      entries.push([flat[i]!, JSON.parse(flat[i + 1]!) as string[]]);
    }
    return { cursor: String(next), entries };
  }

  /** Receivers `start..stop` (inclusive) of a list audience. */
  async readSource(id: string, start: number, stop: number): Promise<string[]> {
    return (await this.run(READ_SOURCE, id, [start, stop])) as string[];
  }

  /** Failures `start..stop` (inclusive). */
  async readFailures(id: string, start: number, stop: number): Promise<ViberFailedReceiver[]> {
    const items = (await this.run(READ_FAILURES, id, [start, stop])) as string[];
    return items.map((item) => {
      const parsed = JSON.parse(item) as ViberFailedReceiver;
      return parsed.status_message ? parsed : { receiver: parsed.receiver, status: parsed.status };
    });
  }

  /** The broadcast's progress and definition; undefined when there is none (or it expired). */
  async read(id: string): Promise<StoredBroadcast | undefined> {
    const answer = (await this.run(READ, id, [])) as [unknown[], Array<string | null>] | null;
    if (!answer) return undefined;
    const [snapshot, [message, kind, filter, stored, planStarted]] = answer;
    const status = statusFromSnapshot(snapshot);
    if (!status || !message) return undefined;
    return {
      status,
      message: JSON.parse(message) as ViberOutgoingMessage,
      kind: kind === 'filter' ? 'filter' : 'list',
      filter: filter ? (JSON.parse(filter) as StoredBroadcast['filter']) : undefined,
      stored: Number(stored ?? 0),
      planStarted: planStarted === '1',
    };
  }
}
