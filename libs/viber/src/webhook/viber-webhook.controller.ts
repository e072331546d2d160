import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpStatus,
  Inject,
  Patch,
  Post,
  Put,
  Req,
  Res,
  UseGuards,
  VERSION_NEUTRAL,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ViberBot } from '../bot/viber-bot';
import { VIBER_MODULE_BOT } from '../viber.constants';
import { VIBER_RAW_BODY, type ViberWebhookRequest } from './raw-body';
import { ViberCallbackParseError } from '../errors/viber-callback-parse.error';
import { ViberSignatureGuard } from './viber-signature.guard';

/**
 * A webhook controller class made for one bot.
 * @internal
 */
export type ViberWebhookControllerClass = Type<unknown>;

/**
 * Creates the webhook controller of one bot: `POST {webhook.path}` behind
 * {@link ViberSignatureGuard}; other methods on the path are answered 405. The answer is written
 * directly (no interceptor can reshape the welcome message Viber reads). Without `path` (options
 * from `forRootAsync`), the path is set once the options are resolved, before routes exist.
 * @internal
 */
export function createViberWebhookController(path?: string): ViberWebhookControllerClass {
  @Controller({ path, version: VERSION_NEUTRAL })
  class ViberWebhookController {
    constructor(
      @Inject(VIBER_MODULE_BOT) private readonly bot: ViberBot,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    /** Receives a signed callback. */
    @Post()
    @UseGuards(ViberSignatureGuard)
    async receive(@Req() request: ViberWebhookRequest, @Res() response: unknown): Promise<void> {
      const raw = request[VIBER_RAW_BODY] as Buffer;
      let answer;
      try {
        answer = await this.bot.receive(raw);
      } catch (error) {
        if (error instanceof ViberCallbackParseError) {
          this.bot.refusals.refused('invalid callback', 400, error.reason);
          throw new BadRequestException(error.reason);
        }
        throw error;
      }
      const adapter = this.adapterHost.httpAdapter;
      if (answer.body !== undefined) {
        adapter.reply(response, answer.body, answer.status);
      } else {
        adapter.setHeader(response, 'Content-Type', 'text/plain; charset=utf-8');
        adapter.reply(response, '', answer.status);
      }
    }

    /** GET on the webhook path: 405. */
    @Get()
    get(@Res() response: unknown): void {
      this.notAllowed(response);
    }

    /** PUT on the webhook path: 405. */
    @Put()
    put(@Res() response: unknown): void {
      this.notAllowed(response);
    }

    /** PATCH on the webhook path: 405. */
    @Patch()
    patch(@Res() response: unknown): void {
      this.notAllowed(response);
    }

    /** DELETE on the webhook path: 405. */
    @Delete()
    delete(@Res() response: unknown): void {
      this.notAllowed(response);
    }

    private notAllowed(response: unknown): void {
      const adapter = this.adapterHost.httpAdapter;
      adapter.setHeader(response, 'Allow', 'POST');
      adapter.reply(
        response,
        {
          statusCode: HttpStatus.METHOD_NOT_ALLOWED,
          message: 'The Viber webhook accepts POST only',
        },
        HttpStatus.METHOD_NOT_ALLOWED,
      );
    }
  }
  return ViberWebhookController;
}
