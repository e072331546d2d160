import { Injectable } from '@nestjs/common';
import type { ViberBot } from '../bot/viber-bot';
import { ViberOptionsError } from '../errors/viber-options.error';
import { VIBER_DEFAULT_BOT_NAME } from '../viber.defaults';

/**
 * Every bot of the app, by name: each `ViberModule.forRoot` adds its bot when it is created, so
 * the one explorer can route the handlers of all of them in one scan.
 * @internal
 */
@Injectable()
export class ViberBotRegistry {
  private readonly bots = new Map<string, ViberBot>();

  /** Adds a bot; a second bot of the same name is refused with a message that says what to do. */
  add(bot: ViberBot): void {
    if (this.bots.has(bot.name)) {
      const fix =
        bot.name === VIBER_DEFAULT_BOT_NAME
          ? 'two ViberModule.forRoot() without a name: give each bot its own `name` (and inject the others with @InjectViber(name))'
          : `two ViberModule.forRoot() named "${bot.name}": bot names must be unique`;
      throw ViberOptionsError.forBot(bot.name, 'name', `is used twice: ${fix}`);
    }
    this.bots.set(bot.name, bot);
  }

  /** The bots, in the order they were created. */
  all(): ViberBot[] {
    return [...this.bots.values()];
  }

  /** One bot by name. */
  get(name: string): ViberBot | undefined {
    return this.bots.get(name);
  }
}
