import {
  ForbiddenException,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  PayloadTooLargeException,
  ServiceUnavailableException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { ViberBot } from '../bot/viber-bot';
import { VIBER_BOT_INSTANCE } from '../module/viber-module.tokens';
import { readRawBody, ViberRawBodyUnavailableError, type ViberWebhookRequest } from './raw-body';
import { verifyViberSignature } from './viber-signature';

/** Header Viber signs callbacks with. */
export const VIBER_SIGNATURE_HEADER = 'x-viber-content-signature';

/**
 * Lets a webhook request through only when it is signed by the bot's token: HMAC-SHA256 (hex)
 * of the exact raw body, from the `X-Viber-Content-Signature` header or, when the header is
 * absent, the `sig` query parameter; compared in constant time. Answers 403 (never echoing the
 * body) for a missing, malformed or wrong signature and 413 for a body over the size limit.
 */
@Injectable()
export class ViberSignatureGuard implements CanActivate {
  private readonly logger = new Logger(ViberSignatureGuard.name);
  private rawBodyProblemLogged = false;

  constructor(@Inject(VIBER_BOT_INSTANCE) private readonly bot: ViberBot) {}

  /** Checks the signature; leaves the raw body on the request for the controller. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.bot.closing) throw new ServiceUnavailableException('The bot is shutting down');
    const request = context.switchToHttp().getRequest<ViberWebhookRequest>();
    const limit = this.bot.options.webhook.maxBodyBytes;
    const lengthHeader = request.headers['content-length'];
    if (typeof lengthHeader === 'string' && Number(lengthHeader) > limit) {
      throw new PayloadTooLargeException(`Body is larger than ${limit} bytes`);
    }
    let raw: Buffer;
    try {
      raw = await readRawBody(request, limit);
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
    if (raw.length > limit)
      throw new PayloadTooLargeException(`Body is larger than ${limit} bytes`);
    const header = request.headers[VIBER_SIGNATURE_HEADER];
    const signature = header !== undefined ? header : request.query?.sig;
    if (!verifyViberSignature(raw, signature, this.bot.options.token)) {
      throw new ForbiddenException(
        signature === undefined ? 'Missing Viber signature' : 'Invalid Viber signature',
      );
    }
    return true;
  }
}
