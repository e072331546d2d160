import type { EventEmitter } from 'node:events';
import type { EmulatorLifecycle } from '../lifecycle/emulator.lifecycle';
import type { SimulatedUser } from '../simulated-user.model';
import { ViberEmulatorError } from '../viber-emulator.error';
import type { ViberEmulatorEvents } from '../viber-emulator.events';
import type { EmulatorBotMessage, ReplyWaitOptions } from '../viber-emulator.types';

/**
 * Waits for the bot's replies to a simulated user's action (`user.send(…)` resolves to them):
 * until the bot went quiet, or until a given number of replies arrived.
 */
export class ReplyWaiters {
  /**
   * @param events The emulator, whose `botMessage` events are followed.
   * @param defaults The emulator's `replyDefaults`.
   */
  constructor(
    private readonly events: EventEmitter<ViberEmulatorEvents>,
    private readonly lifecycle: EmulatorLifecycle,
    private readonly defaults: ReplyWaitOptions,
  ) {}

  /** Waits for the bot's replies to a user action (see {@link ReplyWaitOptions}). */
  collectReplies(
    user: SimulatedUser,
    start: number,
    options: ReplyWaitOptions,
  ): Promise<EmulatorBotMessage[]> {
    const quietMs = options.quietMs ?? this.defaults.quietMs ?? 150;
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs ?? 3000;
    const count = options.count ?? this.defaults.count;
    const replies = (): EmulatorBotMessage[] => user.botMessages.slice(start);
    if (count !== undefined) {
      return this.waitForUserMessages(user, start, count, timeoutMs).then((found) =>
        found.slice(0, count),
      );
    }
    const lifecycle = this.lifecycle;
    return new Promise<EmulatorBotMessage[]>((resolve, reject) => {
      let quiet: NodeJS.Timeout | undefined;
      const finish = (): void => {
        cleanup();
        resolve(replies());
      };
      const armQuiet = (): void => {
        if (quiet !== undefined) lifecycle.clearTimer(quiet);
        quiet = lifecycle.setTimer(finish, quietMs);
      };
      const onMessage = (message: EmulatorBotMessage): void => {
        if (message.receiver === user.id) armQuiet();
      };
      const onClose = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const overall = lifecycle.setTimer(finish, timeoutMs);
      const cleanup = (): void => {
        if (quiet !== undefined) lifecycle.clearTimer(quiet);
        lifecycle.clearTimer(overall);
        this.events.off('botMessage', onMessage);
        lifecycle.removeCloseHook(onClose);
      };
      if (lifecycle.closed) {
        onClose(new ViberEmulatorError('The Viber emulator was closed'));
        return;
      }
      lifecycle.addCloseHook(onClose);
      this.events.on('botMessage', onMessage);
      armQuiet();
    });
  }

  /** Waits until `user` received at least `count` bot messages after `start`. */
  waitForUserMessages(
    user: SimulatedUser,
    start: number,
    count: number,
    timeoutMs: number,
  ): Promise<EmulatorBotMessage[]> {
    return this.lifecycle
      .wait<EmulatorBotMessage[]>(timeoutMs, `${count} bot messages to ${user.id}`, (done) => {
        const check = (): void => {
          const found = user.botMessages.slice(start);
          if (found.length >= count) done(found);
        };
        this.events.on('botMessage', check);
        check();
        return () => this.events.off('botMessage', check);
      })
      .catch((error: unknown) => {
        if (error instanceof ViberEmulatorError && error.message.startsWith('Timed out')) {
          const got = user.botMessages.slice(start);
          throw new ViberEmulatorError(
            `Expected ${count} bot messages to ${user.id} within ${timeoutMs} ms, got ${got.length}: ${JSON.stringify(got.map((message) => message.message))}`,
          );
        }
        throw error;
      });
  }
}
