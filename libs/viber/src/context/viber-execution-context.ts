import type { ContextType, ExecutionContext, Type } from '@nestjs/common';
import { ViberUsageError } from '../errors/viber-usage.error';
import { VIBER_CONTEXT_TYPE } from '../viber.constants';
import type { ViberContext } from './viber-context';

// Nest's argument-host views, taken from the root entry point: `@nestjs/common/interfaces` is a
// folder, which Nest 12's `exports` map ("./*": "./*.js") does not resolve.
type RpcArgumentsHost = ReturnType<ExecutionContext['switchToRpc']>;
type HttpArgumentsHost = ReturnType<ExecutionContext['switchToHttp']>;
type WsArgumentsHost = ReturnType<ExecutionContext['switchToWs']>;

/**
 * The execution context of a Viber handler, for guards and interceptors, with the
 * {@link ViberContext} one call away (as `TelegrafExecutionContext` and `NecordExecutionContext`
 * do for their platforms):
 *
 * ```ts
 * canActivate(context: ExecutionContext): boolean {
 *   if (!isViberContext(context)) return true;
 *   const ctx = ViberExecutionContext.create(context).getContext();
 *   return ctx.userId !== 'blocked-user';
 * }
 * ```
 *
 * It wraps Nest's context (every method delegates to it) rather than extending its internals.
 */
export class ViberExecutionContext implements ExecutionContext {
  private constructor(private readonly context: ExecutionContext) {}

  /** Wraps a guard's or interceptor's execution context. */
  static create(context: ExecutionContext): ViberExecutionContext {
    return context instanceof ViberExecutionContext ? context : new ViberExecutionContext(context);
  }

  /** The {@link ViberContext} of the callback being handled. Throws outside a Viber handler. */
  getContext(): ViberContext {
    if (this.context.getType<string>() !== VIBER_CONTEXT_TYPE) {
      throw new ViberUsageError(
        `ViberExecutionContext.getContext() runs in a "${this.context.getType()}" context, not a Viber handler: check isViberContext(context) first`,
      );
    }
    return this.context.getArgByIndex<ViberContext>(0);
  }

  /** `'viber'` for Viber handlers. */
  getType<T extends string = ContextType>(): T {
    return this.context.getType<T>();
  }

  /** The class of the handler. */
  getClass<T = unknown>(): Type<T> {
    return this.context.getClass<T>();
  }

  /** The handler method. */
  getHandler(): (...args: unknown[]) => unknown {
    return this.context.getHandler() as (...args: unknown[]) => unknown;
  }

  /** The handler's arguments (`[ViberContext]`). */
  getArgs<T extends unknown[] = unknown[]>(): T {
    return this.context.getArgs<T>();
  }

  /** One argument of the handler. */
  getArgByIndex<T = unknown>(index: number): T {
    return this.context.getArgByIndex<T>(index);
  }

  /** Nest's RPC view (not meaningful for Viber handlers). */
  switchToRpc(): RpcArgumentsHost {
    return this.context.switchToRpc();
  }

  /** Nest's HTTP view (not meaningful for Viber handlers). */
  switchToHttp(): HttpArgumentsHost {
    return this.context.switchToHttp();
  }

  /** Nest's WebSocket view (not meaningful for Viber handlers). */
  switchToWs(): WsArgumentsHost {
    return this.context.switchToWs();
  }
}
