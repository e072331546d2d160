/**
 * The memory of the default in-memory stores, in isolation:
 * `node --expose-gc … bench/store-footprint.ts`. IPC `measure` fills an `InMemoryDedupeStore` with
 * its default capacity of keys in the format the bot uses (`<bot>:<event>:<message_token>`), and
 * an `InMemorySubscriberStore` with `users` users (as a text message records them), and reports
 * the heap each takes after a forced GC.
 */
import { InMemoryDedupeStore, InMemorySubscriberStore } from 'nestjs-viber';
import { VIBER_DEFAULT_DEDUPE_CAPACITY } from 'nestjs-viber/internal';
import { createTokenSequence } from './callbacks';
import { serveIpc, signalReady } from './child-process';

function heapUsed(): number {
  for (let i = 0; i < 3; i++) global.gc?.();
  return process.memoryUsage().heapUsed;
}

serveIpc({
  measure: async (message) => {
    if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
    const nextToken = createTokenSequence(7n);
    let before = heapUsed();
    const dedupe = new InMemoryDedupeStore();
    // Built as the bot builds them, from values known only at run time.
    const bot = String(message.bot);
    const event = String(message.event);
    for (let i = 0; i < VIBER_DEFAULT_DEDUPE_CAPACITY; i++) {
      dedupe.claim(`${bot}:${event}:${nextToken()}`, 3_600_000);
    }
    const dedupeBytes = heapUsed() - before;
    const users = Number(message.users);
    before = heapUsed();
    const subscribers = new InMemorySubscriberStore();
    for (let i = 0; i < users; i++) {
      await subscribers.observe({
        id: `01234567890A${String(i).padStart(10, '0')}=`,
        at: 1_700_000_000_000 + i,
        subscribed: true,
        message: true,
        profile: {
          name: 'Bench User',
          avatar: 'https://example.com/avatar.jpg',
          country: 'GB',
          language: 'en',
          api_version: 10,
        },
      });
    }
    const subscriberBytes = heapUsed() - before;
    return {
      dedupeKeys: dedupe.size,
      dedupeBytes,
      users,
      subscriberBytes,
      keep: [dedupe.size, (await subscribers.count()) > 0],
    };
  },
});
signalReady();
