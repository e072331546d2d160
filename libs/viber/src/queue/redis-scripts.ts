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

/** Runs the library's Lua scripts on a queue's Redis client (each defined once per client). */
export class RedisScripts {
  private readonly defined = new Set<string>();

  private constructor(private readonly client: ScriptClient) {}

  /** The scripts runner of a queue (BullMQ 5 or 6). */
  static async of(queue: BullQueue): Promise<RedisScripts> {
    const client = (await (queue.getBackend ? queue.getBackend().client : queue.client)) as
      ScriptClient | undefined;
    if (!client || typeof client.defineCommand !== 'function') {
      throw new TypeError('nestjs-viber: the BullMQ queue has no Redis client that runs scripts');
    }
    return new RedisScripts(client);
  }

  /** Runs a script with its keys and arguments. */
  async run(
    script: BroadcastScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    if (!this.defined.has(script.name)) {
      this.client.defineCommand(script.name, { numberOfKeys: keys.length, lua: script.lua });
      this.defined.add(script.name);
    }
    const all = [...keys, ...args];
    if (typeof this.client.runCommand === 'function')
      return this.client.runCommand(script.name, all);
    const command = this.client[script.name] as (
      ...values: Array<string | number>
    ) => Promise<unknown>;
    return command.apply(this.client, all);
  }
}
