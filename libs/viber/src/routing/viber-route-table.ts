import type { ViberContext } from '../context/viber-context';
import type { ViberEventName } from '../types/callback.types';
import type { ViberCallbackMatcher } from './viber-listener.metadata';

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
  /** Runs the handler through Nest's pipeline (guards, interceptors, pipes, filters). */
  invoke(ctx: ViberContext): Promise<unknown>;
}

const NONE: readonly ViberRoute[] = Object.freeze([]);

/** The routes of one bot, by event, in discovery order. Built once; read on every callback. */
export class ViberRouteTable {
  private readonly byEvent = new Map<string, ViberRoute[]>();

  /** Adds a route at the end of its event's list. */
  add(route: ViberRoute): void {
    const list = this.byEvent.get(route.event);
    if (list) list.push(route);
    else this.byEvent.set(route.event, [route]);
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
