import type { ArgumentsHost } from '@nestjs/common';
import { VIBER_CONTEXT_TYPE } from '../viber.constants';

/**
 * True when a guard, interceptor or filter runs for a Viber handler. Use it to let HTTP-only
 * global enhancers (throttler, JWT guard) skip Viber handlers:
 * `if (isViberContext(context)) return true;`.
 */
export function isViberContext(host: ArgumentsHost): boolean {
  return host.getType<string>() === VIBER_CONTEXT_TYPE;
}
