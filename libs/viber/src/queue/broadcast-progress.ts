import type { ViberBroadcastState, ViberBroadcastStatus } from '../types/broadcast.types';
import { BROADCAST_SNAPSHOT_FIELDS } from './broadcast.scripts';

const STATES: ReadonlySet<string> = new Set([
  'queued',
  'running',
  'paused',
  'completed',
  'cancelled',
]);

function count(value: unknown): number {
  const parsed = Number(value ?? 0);
  return Number.isFinite(parsed) ? parsed : 0;
}

/**
 * A broadcast's progress from the record's fields (the scripts' snapshot, in
 * `BROADCAST_SNAPSHOT_FIELDS` order). `pending` is what is neither sent, failed nor uncertain
 * (never below 0); undefined when there is no record.
 * @internal
 */
export function statusFromSnapshot(values: readonly unknown[]): ViberBroadcastStatus | undefined {
  const field = (name: (typeof BROADCAST_SNAPSHOT_FIELDS)[number]): unknown =>
    values[BROADCAST_SNAPSHOT_FIELDS.indexOf(name)];
  const id = field('id');
  if (typeof id !== 'string' || id.length === 0) return undefined;
  const state = String(field('state'));
  const total = count(field('total'));
  const sent = count(field('sent'));
  const failed = count(field('failed'));
  const uncertain = count(field('uncertain'));
  const status: ViberBroadcastStatus = {
    id,
    state: (STATES.has(state) ? state : 'queued') as ViberBroadcastState,
    total,
    sent,
    failed,
    pending: Math.max(0, total - sent - failed - uncertain),
    uncertain,
    skipped: count(field('skipped')),
    planned: field('planned') === '1',
    via: field('via') === 'send_message' ? 'send_message' : 'broadcast_message',
    createdAt: count(field('createdAt')),
    updatedAt: count(field('updatedAt')),
  };
  const error = field('error');
  if (typeof error === 'string' && error.length > 0) status.error = error;
  return status;
}
