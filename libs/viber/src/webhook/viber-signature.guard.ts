import {
  ForbiddenException,
  HttpStatus,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  PayloadTooLargeException,
  RequestTimeoutException,
  ServiceUnavailableException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ViberBot } from '../bot/viber-bot';
import { VIBER_MODULE_BOT } from '../viber.constants';
import { ViberRawBodyUnavailableError } from '../errors/viber-raw-body-unavailable.error';
import { readRawBody, type ViberWebhookRequest } from './raw-body';
import { isViberSignatureFormat, verifyViberSignature } from './viber-signature';

/** Header Viber signs callbacks with. */
export const VIBER_SIGNATURE_HEADER = 'x-viber-content-signature';

/**
 * Lets a webhook request through only when it is signed by the bot's token: HMAC-SHA256 (hex)
 * of the exact raw body, from the `X-Viber-Content-Signature` header or, when the header is
 * absent, the `sig` query parameter; compared in constant time. In this order, and without
 * parsing anything: 503 while shutting down; 413 for a declared length over the limit; 403 for
 * a missing or malformed signature (the body is not even read); then the body is read (413 past
 * the limit, 408 when it stalls) and 403 for a wrong signature. The body is never echoed; each
 * refusal is logged, rate-limited, without body or token.
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
    if (this.bot.closing) {
      this.bot.instrumentation.callbackRefused('shutting down');
      throw new ServiceUnavailableException('The bot is shutting down');
    }
    const http = context.switchToHttp();
    const request = http.getRequest<ViberWebhookRequest>();
    const { maxBodyBytes: limit, bodyTimeoutMs } = this.bot.options.webhook;
    const lengthHeader = request.headers['content-length'];
    if (typeof lengthHeader === 'string' && Number(lengthHeader) > limit) {
      this.closeAfterAnswer(http.getResponse());
      this.bot.refusals.refused('body too large', HttpStatus.PAYLOAD_TOO_LARGE);
      throw new PayloadTooLargeException(`Body is larger than ${limit} bytes`);
    }
    const header = request.headers[VIBER_SIGNATURE_HEADER];
    const signature = header !== undefined ? header : request.query?.sig;
    if (!isViberSignatureFormat(signature)) {
      // Not Viber: its body is not worth reading, nor its connection worth keeping.
      this.closeAfterAnswer(http.getResponse());
      const missing = signature === undefined;
      this.bot.refusals.refused(
        missing ? 'missing signature' : 'malformed signature',
        HttpStatus.FORBIDDEN,
      );
      throw new ForbiddenException(missing ? 'Missing Viber signature' : 'Invalid Viber signature');
    }
    let raw: Buffer;
    try {
      raw = await readRawBody(request, limit, bodyTimeoutMs);
    } catch (error) {
      if (error instanceof ViberRawBodyUnavailableError) {
        if (!this.rawBodyProblemLogged) {
          this.rawBodyProblemLogged = true;
          this.logger.error(error.message);
        }
        throw new InternalServerErrorException(error.message);
      }
      if (error instanceof PayloadTooLargeException || error instanceof RequestTimeoutException) {
        this.closeAfterAnswer(http.getResponse());
        this.bot.refusals.refused(
          error instanceof PayloadTooLargeException ? 'body too large' : 'body too slow',
          error.getStatus(),
        );
      }
      throw error;
    }
    if (raw.length > limit) {
      this.closeAfterAnswer(http.getResponse());
      this.bot.refusals.refused('body too large', HttpStatus.PAYLOAD_TOO_LARGE);
      throw new PayloadTooLargeException(`Body is larger than ${limit} bytes`);
    }
    if (!verifyViberSignature(raw, signature, this.bot.options.token)) {
      this.bot.refusals.refused(
        'wrong signature',
        HttpStatus.FORBIDDEN,
        'is the token the one of the bot Viber calls?',
      );
      throw new ForbiddenException('Invalid Viber signature');
    }
    return true;
  }

  /** The rest of a refused upload is not worth reading: close the connection after the answer. */
  private closeAfterAnswer(response: unknown): void {
    this.adapterHost.httpAdapter?.setHeader(response, 'Connection', 'close');
  }
}
