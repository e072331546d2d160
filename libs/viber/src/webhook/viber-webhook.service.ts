import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import type { ViberBot } from '../bot/viber-bot';
import { ViberApiError } from '../errors/viber-api.error';
import { ViberOptionsError } from '../errors/viber-options.error';
import { VIBER_MODULE_BOT } from '../viber.constants';
import type { ViberSetWebhookResponse } from '../types/api.types';
import { VIBER_DEFAULT_SET_WEBHOOK_LOCK_MS } from '../viber.defaults';
import { installWebhookIntake, webhookRouteCandidates } from './webhook-body.intake';
import { createFastPathServer } from './webhook-fast-path';

/**
 * Registers a bot's webhook with Viber. With `webhook.url` set (and `autoSet` not false) it
 * calls `set_webhook` once the HTTP server listens, since Viber calls the webhook back during
 * that request. Also callable on demand (`register()`), e.g. from a deploy script.
 */
@Injectable()
export class ViberWebhookService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger: Logger;
  private onListening?: () => void;
  private server?: Server;

  constructor(
    @Inject(VIBER_MODULE_BOT) private readonly bot: ViberBot,
    private readonly adapterHost: HttpAdapterHost,
    private readonly appConfig: ApplicationConfig,
  ) {
    this.logger = new Logger(`ViberWebhook:${bot.name}`);
  }

  /**
   * Once the routes exist: keeps the platform's body parsers off the webhook route, so the
   * signature is checked on the raw bytes before anything parses them.
   */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // no HTTP server (an application context, the testing harness)
    const result = installWebhookIntake(
      { type: adapter.getType(), instance: adapter.getInstance() },
      webhookRouteCandidates(this.bot.options.webhook.path, this.appConfig.getGlobalPrefix()),
      this.bot.options.webhook.fastPath ? createFastPathServer(this.bot, this.logger) : undefined,
    );
    if (!result.installed && this.bot.options.webhook.fastPath) {
      this.logger.warn(
        `webhook.fastPath is on but the fast path could not be installed (${result.reason}): the webhook is served by its Nest controller`,
      );
    }
    if (!result.installed) {
      this.logger.warn(
        `The webhook body goes through the platform's body parser (${result.reason}): create the app with { rawBody: true } so its signature can be checked`,
      );
    }
  }

  /** Schedules `set_webhook` for when the server listens (when configured). */
  onApplicationBootstrap(): void {
    const { webhook } = this.bot.options;
    if (!webhook.url || !webhook.autoSet) return;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server || typeof server.once !== 'function') {
      this.logger.warn(
        'No HTTP server: set_webhook was not called (call ViberWebhookService.register())',
      );
      return;
    }
    const run = (): void => {
      void this.registerAtStartup();
    };
    if (server.listening) {
      run();
      return;
    }
    this.server = server;
    this.onListening = run;
    server.once('listening', run);
  }

  /** Stops waiting for the server (app closed before it listened). */
  onApplicationShutdown(): void {
    if (this.server && this.onListening) this.server.off('listening', this.onListening);
  }

  /** Calls `set_webhook` with the configured URL and events. */
  async register(
    url: string | undefined = this.bot.options.webhook.url,
  ): Promise<ViberSetWebhookResponse> {
    if (!url)
      throw ViberOptionsError.forBot(
        this.bot.name,
        'webhook.url',
        'is not set: there is no URL to register',
      );
    const { eventTypes, sendName, sendPhoto } = this.bot.options.webhook;
    return this.bot.client.setWebhook(url, { eventTypes, sendName, sendPhoto });
  }

  /** Removes the webhook (`set_webhook` with an empty URL). */
  async remove(): Promise<ViberSetWebhookResponse> {
    return this.bot.client.removeWebhook();
  }

  private async registerAtStartup(): Promise<void> {
    const queue = this.bot.queued;
    const { url, eventTypes, sendName, sendPhoto } = this.bot.options.webhook;
    const registration = { url, eventTypes, sendName, sendPhoto };
    if (queue) {
      // One set_webhook per deploy: the first replica to claim this registration calls it.
      let claimed: boolean;
      try {
        claimed = await queue.claimSetWebhook(registration, VIBER_DEFAULT_SET_WEBHOOK_LOCK_MS);
      } catch (error) {
        this.logger.error(
          `set_webhook not called: the claim in Redis failed (${error instanceof Error ? error.message : String(error)})`,
        );
        if (this.bot.options.webhook.onSetWebhookError === 'throw') throw error;
        return;
      }
      if (!claimed) {
        this.logger.log(
          'Webhook registration claimed by another replica: set_webhook not called here',
        );
        return;
      }
    }
    try {
      const answer = await this.register();
      this.logger.log(
        `Webhook registered (events: ${(answer.event_types ?? []).join(', ') || 'all'})`,
      );
    } catch (error) {
      const detail =
        error instanceof ViberApiError
          ? `Viber status ${error.status} (${error.statusName})${error.statusMessage ? `: ${error.statusMessage}` : ''}`
          : error instanceof Error
            ? error.message
            : String(error);
      this.logger.error(`set_webhook failed: ${detail}${this.pathMismatch() ?? ''}`);
      // Let another replica (or the next start) try again.
      if (queue) await queue.releaseSetWebhook(registration).catch(() => undefined);
      if (this.bot.options.webhook.onSetWebhookError === 'throw') throw error;
    }
  }

  /**
   * When `webhook.url` does not point at the route this bot serves, the webhook check Viber makes
   * during `set_webhook` lands elsewhere (a 404 of this very app): say so, with both paths.
   */
  private pathMismatch(): string | undefined {
    const { url, path } = this.bot.options.webhook;
    if (!url) return undefined;
    const prefix = this.appConfig.getGlobalPrefix();
    const [served] = webhookRouteCandidates(path, prefix);
    const urlPath = new URL(url).pathname.replace(/\/+$/, '') || '/';
    if (urlPath === served) return undefined;
    return `. The path of webhook.url ("${urlPath}") is not the route this bot serves ("${served}": webhook.path "${path}"${prefix ? ` under the global prefix "${prefix}"` : ''}), so Viber's check reached no webhook (404). Make them the same, or let your proxy map one onto the other.`;
  }
}
