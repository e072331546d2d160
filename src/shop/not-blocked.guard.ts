import {
  Inject,
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ViberExecutionContext, isViberContext } from 'nestjs-viber';

/** Injection token of the blocked user ids. */
export const BLOCKED_USERS = 'BLOCKED_USERS';

/** A Nest guard on Viber handlers: users on the block list are ignored. */
@Injectable()
export class NotBlockedGuard implements CanActivate {
  private readonly logger = new Logger(NotBlockedGuard.name);

  constructor(@Inject(BLOCKED_USERS) private readonly blocked: ReadonlySet<string>) {}

  /** Lets every user through but the blocked ones. */
  canActivate(context: ExecutionContext): boolean {
    if (!isViberContext(context)) return true;
    const ctx = ViberExecutionContext.create(context).getContext();
    const allowed = !ctx.userId || !this.blocked.has(ctx.userId);
    if (!allowed) this.logger.log(`Ignoring blocked user ${ctx.userId}`);
    return allowed;
  }
}
