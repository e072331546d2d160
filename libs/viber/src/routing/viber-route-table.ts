import type { ViberContext } from '../context/viber-context';
import type { ViberEventName } from '../types/callback.types';
import type { ViberCallbackMatcher } from './viber-listener.metadata';

/**
 * Which scene a route belongs to, for bots with `conversations`: `{ scene: undefined }` runs only
 * while the user is in no scene; `{ scene, step? }` only in that scene (and wizard step). A route
 * without a scope runs whatever the scene (handlers of other events, `@InEveryScene`).
 */
export interface ViberRouteScope {
  /** The scene id; undefined: outside scenes. */
  readonly scene: string | undefined;
  /** The wizard step. */
  readonly step?: number;
}

/** One handler method, ready to run: built once at startup. */
export interface ViberRoute {
  /** Event it handles (`'unhandled'`: the fallback of unmatched messages). */
  readonly event: ViberEventName | 'unhandled';
  /** Extra condition; absent means every callback of the event. */
  readonly matcher?: ViberCallbackMatcher;
  /** `Class.method`, for logs. */
  readonly name: string;
  /** The filter, for logs. */
  readonly description: string;
  /** The scene the route runs in (bots with `conversations` only). */
  readonly scope?: ViberRouteScope;
  /** Runs before the routes without it (`@InEveryScene`): a "cancel" comes before the scene's own. */
  readonly first?: boolean;
  /** Runs the handler through Nest's pipeline (guards, interceptors, pipes, filters). */
  invoke(ctx: ViberContext): Promise<unknown>;
}

const NONE: readonly ViberRoute[] = Object.freeze([]);

/** The routes of one bot, by event, in discovery order. Built once; read on every callback. */
export class ViberRouteTable {
  private readonly byEvent = new Map<string, ViberRoute[]>();

  /** Adds a route at the end of its event's list (`first` routes: after the other `first` ones). */
  add(route: ViberRoute): void {
    const list = this.byEvent.get(route.event);
    if (!list) this.byEvent.set(route.event, [route]);
    else if (!route.first) list.push(route);
    else {
      const at = list.findIndex((other) => !other.first);
      list.splice(at < 0 ? list.length : at, 0, route);
    }
  }

  /** The routes of an event, in order. */
  get(event: string): readonly ViberRoute[] {
    return this.byEvent.get(event) ?? NONE;
  }

  /** Every route, by event (for diagnostics). */
  entries(): Array<[string, readonly ViberRoute[]]> {
    return [...this.byEvent.entries()];
  }

  /** Number of routes. */
  get size(): number {
    let size = 0;
    for (const list of this.byEvent.values()) size += list.length;
    return size;
  }
}
