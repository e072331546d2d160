import type { ViberBot } from '../bot/viber-bot';
import { ViberHandlerError } from '../errors/viber-queue.error';
import { parseViberCallback } from '../webhook/viber-callback.parser';
import type { BullJob } from './bullmq.types';

/** Data of a callback job: the exact body Viber sent (parsed again, losslessly, by the worker). */
export interface CallbackJobData {
  /** The raw body, UTF-8. */
  raw: string;
  /** When the webhook stored it (epoch ms). */
  at: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a queued callback's handlers, in its partition (one callback at a time across replicas).
 * A failed run is retried here, in place, with exponential backoff, so the callbacks behind it
 * in the partition wait and each user's callbacks stay in arrival order; after `attempts` runs
 * the job fails into the queue's failed set with the callback and the error.
 * @internal
 */
export async function processCallbackJob(
  bot: ViberBot,
  job: BullJob<CallbackJobData>,
  attempts: number,
  backoffMs: number,
): Promise<string> {
  const parsed = parseViberCallback(Buffer.from(job.data.raw, 'utf8'));
  if (!parsed.known) return 'ignored';
  const { callback } = parsed;
  let errors: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const outcome = await bot.handleQueued(callback);
    if (!outcome.failed) return 'handled';
    errors = outcome.errors;
    if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
  }
  throw new ViberHandlerError(callback.event, callback.message_token, errors, attempts);
}
