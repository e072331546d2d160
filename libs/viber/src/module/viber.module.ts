import { HttpService } from '@nestjs/axios';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import axios from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ViberBot } from '../bot/viber-bot';
import { ViberClient } from '../client/viber-client';
import { InMemoryDedupeStore } from '../dedupe/in-memory-dedupe.store';
import { ViberExplorer } from '../routing/viber.explorer';
import { InMemorySubscriberStore } from '../subscribers/in-memory-subscriber.store';
import { ViberSubscribers } from '../subscribers/viber-subscribers.service';
import {
  VIBER_DEFAULT_BOT_NAME,
  getViberBotToken,
  getViberClientToken,
  getViberOptionsToken,
  getViberSubscribersToken,
  getViberWebhookServiceToken,
} from '../viber.constants';
import { createViberWebhookController } from '../webhook/viber-webhook.controller';
import { ViberWebhookService } from '../webhook/viber-webhook.service';
import { resolveViberOptions, type ResolvedViberOptions } from './resolve-viber-options';
import {
  VIBER_RAW_OPTIONS,
  ViberConfigurableModule,
  type ViberForRootAsyncOptions,
  type ViberForRootOptions,
} from './viber.module-definition';
import type { ViberModuleExtras, ViberModuleOptions } from './viber-module.options';
import { VIBER_BOT_INSTANCE, VIBER_WEBHOOK_SERVICE_INSTANCE } from './viber-module.tokens';

/** Creates a bot's runtime: its client (own keep-alive agents), dedupe store and route table. */
function createBot(options: ResolvedViberOptions): ViberBot {
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true });
  const http = new HttpService(axios.create({ httpAgent, httpsAgent }));
  const client = new ViberClient(http, {
    token: options.token,
    apiUrl: options.apiUrl,
    sender: options.sender,
    timeout: options.timeout,
    validate: options.validateMessages,
    retry: options.retry,
    rateLimits: options.rateLimits,
    onReceiverNotSubscribed: (receiver) => void subscribers.markNotSubscribed(receiver),
  });
  const subscribers = new ViberSubscribers(
    options.subscribers.store ?? new InMemorySubscriberStore(),
    client,
    options.subscribers.record,
    options.name,
  );
  const dedupe = options.handling.dedupeStore ?? new InMemoryDedupeStore();
  return new ViberBot(options, client, dedupe, subscribers, () => {
    httpAgent.destroy();
    httpsAgent.destroy();
  });
}

/** Adds one bot's providers, controller and exports to the module built from its options. */
function defineBot(definition: DynamicModule, extras: ViberModuleExtras): DynamicModule {
  const name = extras.name ?? VIBER_DEFAULT_BOT_NAME;
  const controller = createViberWebhookController();
  const providers: Provider[] = [
    {
      provide: getViberOptionsToken(name),
      useFactory: (raw: ViberModuleOptions) => {
        const resolved = resolveViberOptions(raw, name);
        controller.setPath(resolved.webhook.path);
        return resolved;
      },
      inject: [VIBER_RAW_OPTIONS],
    },
    { provide: VIBER_BOT_INSTANCE, useFactory: createBot, inject: [getViberOptionsToken(name)] },
    { provide: getViberBotToken(name), useExisting: VIBER_BOT_INSTANCE },
    {
      provide: getViberClientToken(name),
      useFactory: (bot: ViberBot) => bot.client,
      inject: [VIBER_BOT_INSTANCE],
    },
    {
      provide: getViberSubscribersToken(name),
      useFactory: (bot: ViberBot) => bot.subscribers,
      inject: [VIBER_BOT_INSTANCE],
    },
    { provide: VIBER_WEBHOOK_SERVICE_INSTANCE, useClass: ViberWebhookService },
    { provide: getViberWebhookServiceToken(name), useExisting: VIBER_WEBHOOK_SERVICE_INSTANCE },
    ViberExplorer,
  ];
  const exports: Array<
    string | typeof ViberClient | typeof ViberWebhookService | typeof ViberSubscribers
  > = [
    getViberOptionsToken(name),
    getViberBotToken(name),
    getViberClientToken(name),
    getViberWebhookServiceToken(name),
    getViberSubscribersToken(name),
  ];
  if (name === VIBER_DEFAULT_BOT_NAME) {
    providers.push(
      { provide: ViberClient, useExisting: getViberClientToken(name) },
      { provide: ViberWebhookService, useExisting: VIBER_WEBHOOK_SERVICE_INSTANCE },
      { provide: ViberSubscribers, useExisting: getViberSubscribersToken(name) },
    );
    exports.push(ViberClient, ViberWebhookService, ViberSubscribers);
  }
  return {
    ...definition,
    global: extras.isGlobal ?? true,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    controllers: [...(definition.controllers ?? []), controller],
    providers: [...(definition.providers ?? []), ...providers],
    exports: [...(definition.exports ?? []), ...exports],
  };
}

/**
 * The Viber bot module. `ViberModule.forRoot({ token, … })` or `forRootAsync({ inject,
 * useFactory })` adds one bot: its `ViberClient`, its webhook controller at `webhook.path`
 * and the routing of its handlers. Import it once per bot, each with its own `name`.
 */
@Module({})
export class ViberModule extends ViberConfigurableModule {
  /** Adds a bot configured with static options. */
  static override forRoot(options: ViberForRootOptions): DynamicModule {
    const { name, isGlobal } = options;
    return defineBot(super.forRoot(options), { name, isGlobal });
  }

  /** Adds a bot whose options come from a factory, a class or an existing provider. */
  static override forRootAsync(options: ViberForRootAsyncOptions): DynamicModule {
    const { name, isGlobal } = options;
    return defineBot(super.forRootAsync(options), { name, isGlobal });
  }
}
