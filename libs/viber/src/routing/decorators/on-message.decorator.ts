import type {
  ViberCallback,
  ViberIncomingMessageType,
  ViberMessageCallback,
} from '../../types/callback.types';
import {
  ALWAYS,
  createListenerDecorator,
  statelessRegExp,
  toBots,
  type ViberBotScope,
  type ViberCallbackMatcher,
  type ViberMessageTypeFilter,
  type ViberRouteMatch,
} from '../viber-listener.metadata';

/** A filter for `@OnMessage`: every given condition must hold. */
export interface ViberMessageFilter extends ViberBotScope {
  /** Message type(s). */
  type?: ViberMessageTypeFilter;
  /** Exact text, or a RegExp tested on the text. */
  text?: string | RegExp;
  /** Exact tracking data (conversation state), or a RegExp tested on it. */
  trackingData?: string | RegExp;
  /** Any other condition, on the whole callback. Keep it fast and free of side effects. */
  where?: (callback: ViberMessageCallback) => boolean;
}

function matchString(
  pattern: string | RegExp,
  value: string | undefined,
): RegExpExecArray | null | boolean {
  if (value === undefined) return false;
  if (typeof pattern === 'string') return value === pattern;
  return pattern.exec(value);
}

/** Builds the matcher of a message filter. Exported for the other message decorators. */
export function compileMessageFilter(filter: ViberMessageFilter): ViberCallbackMatcher {
  const types =
    filter.type === undefined
      ? undefined
      : new Set<string>(typeof filter.type === 'string' ? [filter.type] : filter.type);
  const text = filter.text instanceof RegExp ? statelessRegExp(filter.text) : filter.text;
  const tracking =
    filter.trackingData instanceof RegExp
      ? statelessRegExp(filter.trackingData)
      : filter.trackingData;
  const where = filter.where;
  return (callback: ViberCallback): ViberRouteMatch | null => {
    if (callback.event !== 'message') return null;
    const message = callback.message;
    if (types && !types.has(message.type)) return null;
    let match: RegExpExecArray | null = null;
    if (text !== undefined) {
      const result = matchString(text, message.text);
      if (!result) return null;
      if (result !== true) match = result;
    }
    if (tracking !== undefined && !matchString(tracking, message.tracking_data)) return null;
    if (where && !where(callback)) return null;
    return match ? { match, params: ALWAYS.params } : ALWAYS;
  };
}

function describe(filter: ViberMessageFilter): string {
  const parts: string[] = [];
  if (filter.type !== undefined) parts.push(`type=${String(filter.type)}`);
  if (filter.text !== undefined) parts.push(`text=${String(filter.text)}`);
  if (filter.trackingData !== undefined) parts.push(`trackingData=${String(filter.trackingData)}`);
  if (filter.where) parts.push('where=fn');
  return `message(${parts.join(', ')})`;
}

/**
 * Handles `message` callbacks: all of them, those of one or several types
 * (`@OnMessage('picture')`, `@OnMessage(['picture', 'video'])`), or those passing a filter
 * (`@OnMessage({ type: 'text', trackingData: 'ask_name' })`). A returned string, message or
 * array is sent to the sender.
 */
export function OnMessage(
  filter?: ViberIncomingMessageType | readonly ViberIncomingMessageType[] | ViberMessageFilter,
): MethodDecorator {
  const normalized: ViberMessageFilter =
    filter === undefined
      ? {}
      : typeof filter === 'string' || Array.isArray(filter)
        ? { type: filter as ViberMessageTypeFilter }
        : (filter as ViberMessageFilter);
  const isEmpty =
    normalized.type === undefined &&
    normalized.text === undefined &&
    normalized.trackingData === undefined &&
    !normalized.where;
  return createListenerDecorator({
    event: 'message',
    bots: toBots(normalized),
    matcher: isEmpty ? undefined : compileMessageFilter(normalized),
    description: describe(normalized),
  });
}
