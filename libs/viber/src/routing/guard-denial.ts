import { ForbiddenException } from '@nestjs/common';

/** The message ExternalContextCreator throws when a guard denies. */
const GUARD_DENIED_MESSAGE = 'Forbidden resource';

/** True when the error is a guard's denial (a handler throwing ForbiddenException differs in message). */
export function isGuardDenial(error: unknown): boolean {
  return error instanceof ForbiddenException && error.message === GUARD_DENIED_MESSAGE;
}
