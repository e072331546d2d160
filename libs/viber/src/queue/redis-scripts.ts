import type { BroadcastScript } from './broadcast.scripts';
import type { BullQueue } from './bullmq.types';

/**
 * The Redis client a BullMQ queue uses: BullMQ 6 wraps every driver in a client with
 * `defineCommand` + `runCommand`; BullMQ 5 hands out the ioredis client itself, whose defined
 * commands are methods. Only Lua scripts run through it, so any driver BullMQ supports works.
 * @internal
 */
interface ScriptClient {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  runCommand?(name: string, args: Array<string | number>): Promise<unknown>;
  [command: string]: unknown;
}

/**
 * Runs the library's Lua scripts on a queue's Redis client (each defined once per client). The
 * client is asked for on the first script, not before: an app starts while Redis is down.
 */
export class RedisScripts {
  private readonly defined = new Set<string>();
  private client?: Promise<ScriptClient>;

  constructor(private readonly queue: BullQueue) {}

  /** The queue's Redis client (BullMQ 5 or 6). */
  private clientOf(): Promise<ScriptClient> {
    this.client ??= (async () => {
      const queue = this.queue;
      const client = (await (queue.getBackend ? queue.getBackend().client : queue.client)) as
        ScriptClient | undefined;
      if (!client || typeof client.defineCommand !== 'function') {
        throw new TypeError('nestjs-viber: the BullMQ queue has no Redis client that runs scripts');
      }
      return client;
    })();
    this.client.catch(() => {
      this.client = undefined;
    });
    return this.client;
  }

  /** Runs a script with its keys and arguments. */
  async run(
    script: BroadcastScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    const client = await this.clientOf();
    if (!this.defined.has(script.name)) {
      client.defineCommand(script.name, { numberOfKeys: keys.length, lua: script.lua });
      this.defined.add(script.name);
    }
    const all = [...keys, ...args];
    if (typeof client.runCommand === 'function') return client.runCommand(script.name, all);
    const command = client[script.name] as (...values: Array<string | number>) => Promise<unknown>;
    return command.apply(client, all);
  }
}
