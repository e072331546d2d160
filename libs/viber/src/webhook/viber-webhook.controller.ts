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
import { VIBER_BOT_INSTANCE } from '../module/viber-module.tokens';
import { VIBER_RAW_BODY, type ViberWebhookRequest } from './raw-body';
import { ViberCallbackParseError } from './viber-callback.parser';
import { ViberSignatureGuard } from './viber-signature.guard';

/** Nest's metadata key of a controller's path. */
const PATH_METADATA = 'path';

/** A webhook controller class made for one bot. */
export type ViberWebhookControllerClass = Type<unknown> & {
  /** Sets the route the controller serves (done once the bot's options are resolved). */
  setPath(path: string): void;
};

/**
 * Creates the webhook controller of one bot: `POST {webhook.path}` behind
 * {@link ViberSignatureGuard}; other methods on the path are answered 405. The answer is written
 * directly (no interceptor can reshape the welcome message Viber reads).
 */
export function createViberWebhookController(): ViberWebhookControllerClass {
  @Controller({ version: VERSION_NEUTRAL })
  class ViberWebhookController {
    constructor(
      @Inject(VIBER_BOT_INSTANCE) private readonly bot: ViberBot,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    static setPath(path: string): void {
      Reflect.defineMetadata(PATH_METADATA, path, ViberWebhookController);
    }

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
