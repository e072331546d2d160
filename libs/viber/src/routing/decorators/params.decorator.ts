import {
  createParamDecorator,
  type ExecutionContext,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import type { ViberContext } from '../../context/viber-context';

/** A pipe given to a Viber parameter decorator: a class or an instance. */
export type ViberPipeArg = Type<PipeTransform> | PipeTransform;

/** The ViberContext of a handler call (the first argument of the Viber execution context). */
export function viberContextOf(host: ExecutionContext): ViberContext {
  return host.getArgByIndex<ViberContext>(0);
}

function pick(value: unknown, property: string | undefined): unknown {
  if (property === undefined || value === undefined || value === null) return value;
  if (typeof value !== 'object') return property === 'id' ? value : undefined;
  return (value as Record<string, unknown>)[property];
}

/** `@Ctx()`: the {@link ViberContext}. */
export const Ctx: (...pipes: ViberPipeArg[]) => ParameterDecorator = createParamDecorator(
  (_data: unknown, host: ExecutionContext) => viberContextOf(host),
);

/** `@Event()`: the whole validated callback. */
export const Event: (...pipes: ViberPipeArg[]) => ParameterDecorator = createParamDecorator(
  (_data: unknown, host: ExecutionContext) => viberContextOf(host).callback,
);

/**
 * `@Sender(prop?, ...pipes)`: the user object (`sender`/`user`); for events that only carry
 * `user_id` (unsubscribed, delivered, seen, failed) the user id string. `@Sender('id')` gives
 * the id for every event.
 */
export const Sender: (
  property?: string | ViberPipeArg,
  ...pipes: ViberPipeArg[]
) => ParameterDecorator = createParamDecorator(
  (property: string | undefined, host: ExecutionContext) => {
    const ctx = viberContextOf(host);
    const record = ctx.callback as unknown as Record<string, unknown>;
    const user = record.sender ?? record.user ?? record.user_id;
    return pick(user, property);
  },
);

/** `@Message(prop?, ...pipes)`: the user's message (or one of its properties). */
export const Message: (
  property?: string | ViberPipeArg,
  ...pipes: ViberPipeArg[]
) => ParameterDecorator = createParamDecorator(
  (property: string | undefined, host: ExecutionContext) =>
    pick(viberContextOf(host).message, property),
);

/** `@Text(...pipes)`: the text of the message. */
export const Text: (...pipes: ViberPipeArg[]) => ParameterDecorator = createParamDecorator(
  (_data: unknown, host: ExecutionContext) => viberContextOf(host).text,
);

/** `@TrackingData(...pipes)`: the tracking data echoed back with the message. */
export const TrackingData: (...pipes: ViberPipeArg[]) => ParameterDecorator = createParamDecorator(
  (_data: unknown, host: ExecutionContext) => viberContextOf(host).trackingData,
);

/** `@ActionParam(name?)`: a parameter of the handler's `@OnAction` pattern (all of them without a name). */
export const ActionParam: (
  name?: string | ViberPipeArg,
  ...pipes: ViberPipeArg[]
) => ParameterDecorator = createParamDecorator(
  (name: string | undefined, host: ExecutionContext) => {
    const params = viberContextOf(host).params;
    return name === undefined ? params : params[name];
  },
);
