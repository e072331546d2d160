import type { ViberCallback } from '../../types/callback.types';
import { compileActionPattern } from '../viber-action-pattern';
import {
  createListenerDecorator,
  statelessRegExp,
  toBots,
  type ViberBotScope,
  type ViberRouteMatch,
} from '../viber-listener.metadata';

/**
 * Handles keyboard button taps: the `ActionBody` of a `reply` button arrives as a text message.
 * `pattern` is path-style: `'buy/:sku'` (read with `@ActionParam('sku')` or `ctx.params.sku`),
 * `'menu:*'` (anything after `menu:`), or a RegExp.
 */
export function OnAction(pattern: string | RegExp, options?: ViberBotScope): MethodDecorator {
  const compiled =
    pattern instanceof RegExp
      ? { regexp: statelessRegExp(pattern), names: [] as string[] }
      : compileActionPattern(pattern);
  const matcher = (callback: ViberCallback): ViberRouteMatch | null => {
    if (callback.event !== 'message' || callback.message.type !== 'text') return null;
    const text = callback.message.text;
    if (typeof text !== 'string') return null;
    const match = compiled.regexp.exec(text);
    if (!match) return null;
    const params: Record<string, string> = {};
    compiled.names.forEach((name, index) => {
      params[name] = match[index + 1] ?? '';
    });
    if (match.groups) Object.assign(params, match.groups);
    return { match, params };
  };
  return createListenerDecorator({
    event: 'message',
    bots: toBots(options),
    matcher,
    description: `action(${String(pattern)})`,
  });
}
