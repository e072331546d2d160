import type { EventEmitter } from 'node:events';
import type { EmulatorLifecycle } from '../lifecycle/emulator.lifecycle';
import type { ViberEmulatorEvents } from '../viber-emulator.events';
import type { EmulatorBotMessage } from '../viber-emulator.types';

/** Waits for the emulator's events: `ViberEmulator.waitFor` and `waitForBotMessages`. */
export class EventWaiters {
  /**
   * @param events The emulator, whose events are awaited.
   * @param botMessages The log of every bot message accepted.
   */
  constructor(
    private readonly events: EventEmitter<ViberEmulatorEvents>,
    private readonly lifecycle: EmulatorLifecycle,
    private readonly botMessages: readonly EmulatorBotMessage[],
  ) {}

  /**
   * Resolves with the first event of this kind (matching `predicate`) emitted from now on;
   * rejects after `timeoutMs` or when the emulator closes.
   */
  waitFor<K extends keyof ViberEmulatorEvents>(
    event: K,
    predicate: (...args: ViberEmulatorEvents[K]) => boolean,
    timeoutMs: number,
  ): Promise<ViberEmulatorEvents[K][0]> {
    return this.lifecycle.wait<ViberEmulatorEvents[K][0]>(
      timeoutMs,
      `a "${String(event)}" event`,
      (done) => {
        const listener = (...args: ViberEmulatorEvents[K]): void => {
          if (predicate(...args)) done(args[0]);
        };
        const emitter = this.events as unknown as EventEmitter;
        emitter.on(event, listener as (...args: unknown[]) => void);
        return () => emitter.off(event, listener as (...args: unknown[]) => void);
      },
    );
  }

  /**
   * Waits until at least `count` bot messages (to `receiver`, when given) were accepted in total
   * and resolves to them; rejects after `timeoutMs`.
   */
  waitForBotMessages(
    count: number,
    options: { receiver?: string; timeoutMs: number },
  ): Promise<EmulatorBotMessage[]> {
    const matching = (): EmulatorBotMessage[] =>
      this.botMessages.filter(
        (message) => options.receiver === undefined || message.receiver === options.receiver,
      );
    return this.lifecycle.wait(options.timeoutMs, `${count} bot messages`, (done) => {
      const check = (): void => {
        const found = matching();
        if (found.length >= count) done(found);
      };
      this.events.on('botMessage', check);
      check();
      return () => this.events.off('botMessage', check);
    });
  }
}
