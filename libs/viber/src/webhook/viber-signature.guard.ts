import {
  HttpException,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ViberBot } from '../bot/viber-bot';
import { ViberRawBodyUnavailableError } from '../errors/viber-raw-body-unavailable.error';
import { VIBER_MODULE_BOT } from '../viber.constants';
import type { ViberWebhookRequest } from './raw-body';
import { settleRefusedConnection } from './refused-upload';
import { admitWebhookRequest, refusalBody } from './webhook-admission';

/**
 * Lets a webhook request through only when it is signed by the bot's token: HMAC-SHA256 (hex)
 * of the exact raw body, from the `X-Viber-Content-Signature` header or, when the header is
 * absent, the `sig` query parameter; compared in constant time. The checks (see
 * `admitWebhookRequest`) run without parsing anything: 503 while shutting down, 413 for a body
 * over the limit, 403 for a missing or malformed signature before the body is read, 408 for a
 * body that stalls, 403 for a wrong signature. The body is never echoed; each refusal is logged,
 * rate-limited, without body or token.
 * @internal
 */
@Injectable()
export class ViberSignatureGuard implements CanActivate {
  private readonly logger = new Logger(ViberSignatureGuard.name);
  private rawBodyProblemLogged = false;

  constructor(
    @Inject(VIBER_MODULE_BOT) private readonly bot: ViberBot,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Checks the signature; leaves the raw body on the request for the controller. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<ViberWebhookRequest>();
    let admission;
    try {
      admission = await admitWebhookRequest(this.bot, request);
    } catch (error) {
      if (error instanceof ViberRawBodyUnavailableError) {
        if (!this.rawBodyProblemLogged) {
          this.rawBodyProblemLogged = true;
          this.logger.error(error.message);
        }
        throw new InternalServerErrorException(error.message);
      }
      throw error;
    }
    const { refusal } = admission;
    if (refusal === undefined) return true;
    const response: unknown = http.getResponse();
    if (settleRefusedConnection(refusal.connection, request, response, this.bot.options.webhook)) {
      this.adapterHost.httpAdapter?.setHeader(response, 'Connection', 'close');
    }
    throw new HttpException(refusalBody(refusal), refusal.status);
  }
}
