import { createListenerDecorator, toBots, type ViberBotScope } from '../viber-listener.metadata';
import { compileMessageFilter } from './on-message.decorator';

/**
 * Handles text messages whose text equals `pattern`, or matches it when it is a RegExp
 * (`@OnText(/^price (\w+)$/i)`; the match is `ctx.match`). Keyboard `reply` taps are text
 * messages too; prefer `@OnAction` for them.
 */
export function OnText(pattern: string | RegExp, options?: ViberBotScope): MethodDecorator {
  return createListenerDecorator({
    event: 'message',
    bots: toBots(options),
    matcher: compileMessageFilter({ type: 'text', text: pattern }),
    description: `message(text=${String(pattern)})`,
  });
}
