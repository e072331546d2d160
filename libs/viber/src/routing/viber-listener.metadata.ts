import { ViberUsageError } from '../errors/viber-usage.error';
import { VIBER_LISTENERS_METADATA } from '../viber.constants';
import type {
  ViberCallback,
  ViberEventName,
  ViberIncomingMessageType,
} from '../types/callback.types';

/** Which bots a handler belongs to: a name or several. Omitted: every bot that sees the handler. */
export interface ViberBotScope {
  /** Bot name(s). */
  bot?: string | readonly string[];
}

/** The result of a successful match: regex match and named parameters. */
export interface ViberRouteMatch {
  /** The regex match (`@OnText(RegExp)`, `@OnAction`). */
  readonly match: RegExpExecArray | null;
  /** Named parameters (`@OnAction('buy/:sku')`). */
  readonly params: Readonly<Record<string, string>>;
}

/** Matches a callback; `null` when the handler must not run. Built once, at decoration time. */
export type ViberCallbackMatcher = (callback: ViberCallback) => ViberRouteMatch | null;

/** One routing rule on a handler method. A method may carry several (decorators stack). */
export interface ViberListenerMetadata {
  /** The event handled, or `'unhandled'` for the fallback of unmatched messages. */
  readonly event: ViberEventName | 'unhandled';
  /** Bots the handler belongs to (undefined: all). */
  readonly bots?: readonly string[];
  /** Extra condition (message type, text, action pattern…). */
  readonly matcher?: ViberCallbackMatcher;
  /** A short description for logs: `message(text=/^price/)`. */
  readonly description: string;
}

/** The always-match result, shared. */
export const ALWAYS: ViberRouteMatch = Object.freeze({ match: null, params: Object.freeze({}) });

/** Creates a method decorator that adds a listener to the method's metadata. */
export function createListenerDecorator(listener: ViberListenerMetadata): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object | undefined;
    if (typeof method !== 'function') {
      throw new ViberUsageError(`@On… decorators apply to methods (${listener.description})`);
    }
    const existing =
      (Reflect.getMetadata(VIBER_LISTENERS_METADATA, method) as
        ViberListenerMetadata[] | undefined) ?? [];
    Reflect.defineMetadata(VIBER_LISTENERS_METADATA, [...existing, listener], method);
    return descriptor;
  };
}

/** Reads the listeners of a method (startup only). */
export function getListeners(method: unknown): readonly ViberListenerMetadata[] {
  if (typeof method !== 'function') return [];
  return (
    (Reflect.getMetadata(VIBER_LISTENERS_METADATA, method) as
      ViberListenerMetadata[] | undefined) ?? []
  );
}

/** Normalizes a bot scope. */
export function toBots(scope: ViberBotScope | undefined): readonly string[] | undefined {
  if (scope?.bot === undefined) return undefined;
  return typeof scope.bot === 'string' ? [scope.bot] : [...scope.bot];
}

/** Copies a RegExp without the `g`/`y` flags, so `exec` keeps no state between callbacks. */
export function statelessRegExp(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}

/** Message types, for type filters. */
export type ViberMessageTypeFilter = ViberIncomingMessageType | readonly ViberIncomingMessageType[];
