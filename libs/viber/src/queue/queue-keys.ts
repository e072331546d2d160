// Names of a bot's queues, Redis keys and job ids: pure functions, one place. BullMQ's keys are
// `<prefix>:<queue>:<…>`; the library's own keys are `<prefix>:viber-<bot>:…`. The prefix carries
// a hash tag (`{nestjs-viber}`), so every key of a bot's queues lands in one Redis Cluster slot,
// as BullMQ's multi-key scripts and the broadcast scripts need.
import { VIBER_DEFAULT_BOT_NAME, VIBER_DEFAULT_QUEUE_PARTITIONS } from '../viber.defaults';

/** Ids of broadcasts: letters, digits, `_`, `-`, `.` (BullMQ job ids cannot contain `:`). */
export const BROADCAST_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** The outgoing queue of a bot (broadcast chunks, queued sends, planning). */
export function outgoingQueueName(bot: string): string {
  return `viber-${bot}-out`;
}

/** The webhook queue of one partition of a bot's users. */
export function webhookQueueName(bot: string, partition: number): string {
  return `viber-${bot}-webhook-${partition}`;
}

/**
 * The BullMQ queue names of a bot: `outgoing` (broadcast chunks, queued sends, planning) and one
 * `webhook` queue per partition. Give them, with the same `prefix`, to `@nestjs/bullmq`'s
 * `BullModule.registerQueue` to inject the queues with `@InjectQueue`, or to a dashboard.
 */
export function getViberQueueNames(
  bot: string = VIBER_DEFAULT_BOT_NAME,
  partitions: number = VIBER_DEFAULT_QUEUE_PARTITIONS,
): { outgoing: string; webhook: string[] } {
  return {
    outgoing: outgoingQueueName(bot),
    webhook: Array.from({ length: partitions }, (_, i) => webhookQueueName(bot, i)),
  };
}

/** The seven keys of one broadcast, in the order every broadcast script takes them. */
export function broadcastKeys(prefix: string, bot: string, id: string): string[] {
  const base = `${prefix}:viber-${bot}:b:${id}`;
  return [
    base, // record (hash)
    `${base}:chunks`, // chunk states (hash)
    `${base}:failed`, // failures (list of JSON)
    `${base}:uncertain`, // receivers of uncertain chunks (hash chunk → JSON)
    `${base}:parked`, // receivers of chunks parked by a pause (hash chunk → JSON)
    `${base}:source`, // a list audience's receivers (list), until planned
    `${base}:pages`, // planned pages (hash page → count)
  ];
}

/** The key of the `set_webhook` claim for one registration (url and options). */
export function setWebhookLockKey(prefix: string, bot: string, registration: string): string {
  return `${prefix}:viber-${bot}:set-webhook:${registration}`;
}

/** A chunk: page `page`, `index`-th of its page. */
export function chunkKey(page: number, index: number): string {
  return `${page}-${index}`;
}

/** The chunk a per-receiver retry of `chunk` sends (`2-7` → `2-7r1` → `2-7r2`). */
export function retryChunkKey(chunk: string): { key: string; attempt: number } {
  const match = /^(.*?)(?:r(\d+))?$/.exec(chunk)!;
  const attempt = Number(match[2] ?? 0) + 1;
  return { key: `${match[1]}r${attempt}`, attempt };
}

/**
 * The job id of a chunk: `b.<broadcast>.<chunk>`, plus `g<n>` for the jobs resume() and
 * retryUncertain() add again. Adding the same chunk twice adds one job.
 */
export function chunkJobId(id: string, chunk: string, generation = 0): string {
  return `b.${id}.${chunk}${generation > 0 ? `g${generation}` : ''}`;
}

/** The job id of the plan job of one page: `p.<broadcast>.<page>` (+ `g<n>` after a resume). */
export function planJobId(id: string, page: number, generation = 0): string {
  return `p.${id}.${page}${generation > 0 ? `g${generation}` : ''}`;
}

/**
 * The job id (and deduplication id) of a callback: its event and `message_token`, so Viber's
 * re-sends, to any replica, are stored once.
 */
export function callbackJobId(event: string, messageToken: string): string {
  return `${event}.${messageToken}`;
}

/**
 * The partition of a user (32-bit FNV-1a of the id, modulo the partitions): a user's callbacks
 * always go to the same queue, which runs one at a time.
 */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
