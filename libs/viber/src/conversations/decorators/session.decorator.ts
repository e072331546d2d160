import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ViberContext } from '../../context/viber-context';
import type { ViberPipeArg } from '../../routing/decorators/params.decorator';

/**
 * `@Session(...pipes)`: the user's session (`ctx.session`), per user and bot, kept by the
 * `conversations` store. Mutate it in place; it is saved after the handlers ran, when it changed.
 * Needs `conversations` in `ViberModule.forRoot`. (Not Nest's HTTP `@Session()`: import it from
 * `nestjs-viber`.)
 */
export const Session: (...pipes: ViberPipeArg[]) => ParameterDecorator = createParamDecorator(
  (_data: unknown, host: ExecutionContext) => host.getArgByIndex<ViberContext>(0).session,
);
