import { ForbiddenException } from '@nestjs/common';
import { FORBIDDEN_MESSAGE } from '@nestjs/core/guards/constants';

/** True when the error is a guard's denial (a handler throwing ForbiddenException differs in message). */
export function isGuardDenial(error: unknown): boolean {
  return error instanceof ForbiddenException && error.message === FORBIDDEN_MESSAGE;
}
