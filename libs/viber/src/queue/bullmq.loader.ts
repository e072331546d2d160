import { ViberOptionsError } from '../errors/viber-options.error';
import type { BullMqModule } from './bullmq.types';

/**
 * Loads the optional peer `bullmq`, only when a bot has the `queue` option. An app without the
 * option never reaches this, so it runs without BullMQ installed.
 * @internal
 */
export async function loadBullMq(botName: string): Promise<BullMqModule> {
  try {
    return (await import('bullmq')) as unknown as BullMqModule;
  } catch (error) {
    throw ViberOptionsError.forBot(
      botName,
      'queue',
      `needs the optional peer dependency bullmq: npm i bullmq ioredis (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
