import { HttpService } from '@nestjs/axios';
import { Logger, type DynamicModule, type FactoryProvider, type Provider } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import axios from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createNodeTransport, proxyConfigured } from './client/viber-node.transport';
import { ViberBot } from './bot/viber-bot';
import { ViberClient } from './client/viber-client';
import { ViberBotRegistry } from './core/viber-bot.registry';
import { ViberCoreModule } from './core/viber-core.module';
import { ViberConversations } from './conversations/viber-conversations';
import { InMemoryDedupeStore } from './dedupe/in-memory-dedupe.store';
import type { ViberInstrumentation } from './observability/viber-instrumentation';
import { createViberInstrumentation } from './observability/viber-instrumentation.factory';
import { attachViberQueueStats } from './observability/viber-queue-stats';
import { ViberBroadcasts } from './queue/viber-broadcasts.service';
import { ViberQueueRuntime } from './queue/viber-queue.runtime';
import { InMemorySubscriberStore } from './subscribers/in-memory-subscriber.store';
import { ViberSubscribers } from './subscribers/viber-subscribers.service';
import {
  VIBER_MODULE_BOT,
  VIBER_MODULE_OPTIONS,
  getViberBotToken,
  getViberBroadcastsToken,
  getViberClientToken,
  getViberInstrumentationToken,
  getViberQueueToken,
  getViberOptionsToken,
  getViberSubscribersToken,
  getViberWebhookServiceToken,
} from './viber.constants';
import { VIBER_DEFAULT_BOT_NAME, VIBER_DEFAULT_WEBHOOK_PATH } from './viber.defaults';
import type { ViberModuleExtras, ViberModuleOptions } from './viber-module.options';
import {
  normalizeWebhookPath,
  resolveViberOptions,
  type ResolvedViberOptions,
} from './viber-options.resolver';
import {
  createViberWebhookController,
  type ViberWebhookControllerClass,
} from './webhook/viber-webhook.controller';
import { ViberWebhookService } from './webhook/viber-webhook.service';

/** Puts `webhook.routeMetadata` on the webhook controller class and each of its route methods. */
function applyRouteMetadata(
  controller: ViberWebhookControllerClass,
  metadata: ResolvedViberOptions['webhook']['routeMetadata'],
): void {
  if (metadata.length === 0) return;
  const prototype = controller.prototype as Record<string, unknown>;
  const methods = Object.getOwnPropertyNames(prototype)
    .filter((name) => name !== 'constructor' && typeof prototype[name] === 'function')
    .map((name) => prototype[name] as object);
  for (const [key, value] of metadata) {
    Reflect.defineMetadata(key, value, controller);
    for (const method of methods) Reflect.defineMetadata(key, value, method);
  }
}

/** A bot's client, with keep-alive agents of its own (released when the client closes). */
export function createViberClient(
  options: ResolvedViberOptions,
  instrumentation?: ViberInstrumentation,
): ViberClient {
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true });
  return new ViberClient(new HttpService(axios.create({ httpAgent, httpsAgent })), {
    token: options.token,
    apiUrl: options.apiUrl,
    sender: options.sender,
    timeout: options.timeout,
    validate: options.validateMessages,
    retry: options.retry,
    rateLimits: options.rateLimits,
    ownedAgents: [httpAgent, httpsAgent],
    instrumentation,
    // The module's axios instance has nothing of the app's: send without it (a quarter of a
    // send's CPU), unless a proxy is configured in the environment (axios honours it).
    transport: proxyConfigured()
      ? undefined
      : createNodeTransport({ http: httpAgent, https: httpsAgent }),
  });
}

/** A bot's subscriber registry; users Viber reports as not subscribed (status 6) are marked gone. */
export function createViberSubscribers(
  options: ResolvedViberOptions,
  client: ViberClient,
): ViberSubscribers {
  const subscribers = new ViberSubscribers(
    options.subscribers.store ?? new InMemorySubscriberStore(),
    client,
    options.subscribers.record,
    options.name,
    options.subscribers.profileFields,
  );
  client.addReceiverNotSubscribedListener(
    (receiver) => void subscribers.markNotSubscribed(receiver),
  );
  return subscribers;
}

/** A bot's runtime, added to the registry the explorer routes from. */
export function createViberBot(
  options: ResolvedViberOptions,
  client: ViberClient,
  subscribers: ViberSubscribers,
  registry: ViberBotRegistry,
  instrumentation?: ViberInstrumentation,
): ViberBot {
  const conversations = options.conversations
    ? new ViberConversations(
        options.conversations,
        options.name,
        new Logger(`Viber:${options.name}:conversations`),
      )
    : undefined;
  const bot = new ViberBot(
    options,
    client,
    options.handling.dedupeStore ?? new InMemoryDedupeStore(),
    subscribers,
    conversations,
    instrumentation,
  );
  registry.add(bot);
  instrumentation?.attachBot(bot);
  return bot;
}

/**
 * A bot's queues (the `queue` option): BullMQ is loaded here, and only here; null without it.
 * The workers start once the app is bootstrapped (every handler routed).
 */
export async function createViberQueue(
  options: ResolvedViberOptions,
  bot: ViberBot,
  subscribers: ViberSubscribers,
): Promise<ViberQueueRuntime | null> {
  if (!options.queue) return null;
  const runtime = await ViberQueueRuntime.create(options, bot, subscribers);
  bot.attachQueue(runtime);
  // Its figures for the health indicator and the viber_queue_* gauges (detached at close).
  attachViberQueueStats(bot, runtime);
  return runtime;
}

/**
 * The providers of one bot, one forward chain: raw options → resolved options → client →
 * subscribers → bot, plus its webhook service. The bot's name is in every token, so several
 * bots live side by side; the default bot is also injectable by class (`ViberClient`, …).
 */
export function createViberBotProviders(
  name: string,
  controller: ViberWebhookControllerClass,
  staticPath: boolean,
): Provider[] {
  const options: FactoryProvider<ResolvedViberOptions> = {
    provide: getViberOptionsToken(name),
    useFactory: (raw: ViberModuleOptions) => {
      const resolved = resolveViberOptions(raw, name);
      // With forRootAsync the path is only known now, once the factory has run: routes are
      // registered after every provider is created, so the controller gets it in time.
      if (!staticPath) Reflect.defineMetadata(PATH_METADATA, resolved.webhook.path, controller);
      applyRouteMetadata(controller, resolved.webhook.routeMetadata);
      return resolved;
    },
    inject: [VIBER_MODULE_OPTIONS],
  };
  const providers: Provider[] = [
    options,
    {
      // Metrics and traces: loads prom-client / @opentelemetry/api only when configured.
      provide: getViberInstrumentationToken(name),
      useFactory: createViberInstrumentation,
      inject: [getViberOptionsToken(name)],
    },
    {
      provide: getViberClientToken(name),
      useFactory: createViberClient,
      inject: [getViberOptionsToken(name), getViberInstrumentationToken(name)],
    },
    {
      provide: getViberSubscribersToken(name),
      useFactory: createViberSubscribers,
      inject: [getViberOptionsToken(name), getViberClientToken(name)],
    },
    {
      provide: getViberBotToken(name),
      useFactory: createViberBot,
      inject: [
        getViberOptionsToken(name),
        getViberClientToken(name),
        getViberSubscribersToken(name),
        ViberBotRegistry,
        getViberInstrumentationToken(name),
      ],
    },
    {
      provide: getViberQueueToken(name),
      useFactory: createViberQueue,
      inject: [getViberOptionsToken(name), getViberBotToken(name), getViberSubscribersToken(name)],
    },
    {
      provide: getViberBroadcastsToken(name),
      useFactory: (runtime: ViberQueueRuntime | null, client: ViberClient) =>
        new ViberBroadcasts(runtime, client, name),
      inject: [getViberQueueToken(name), getViberClientToken(name)],
    },
    { provide: VIBER_MODULE_BOT, useExisting: getViberBotToken(name) },
    { provide: getViberWebhookServiceToken(name), useClass: ViberWebhookService },
  ];
  if (name === VIBER_DEFAULT_BOT_NAME) {
    providers.push(
      { provide: ViberClient, useExisting: getViberClientToken(name) },
      { provide: ViberSubscribers, useExisting: getViberSubscribersToken(name) },
      { provide: ViberWebhookService, useExisting: getViberWebhookServiceToken(name) },
      { provide: ViberBroadcasts, useExisting: getViberBroadcastsToken(name) },
    );
  }
  return providers;
}

/** What one bot's module exports: its tokens, and for the default bot the classes too. */
type ViberBotExport =
  | string
  | typeof ViberClient
  | typeof ViberSubscribers
  | typeof ViberWebhookService
  | typeof ViberBroadcasts;

/** The tokens one bot's module exports (by name; the default bot's also by class). */
export function viberBotExports(name: string): ViberBotExport[] {
  const exported: ViberBotExport[] = [
    getViberOptionsToken(name),
    getViberBotToken(name),
    getViberClientToken(name),
    getViberSubscribersToken(name),
    getViberWebhookServiceToken(name),
    getViberBroadcastsToken(name),
    getViberQueueToken(name),
  ];
  if (name === VIBER_DEFAULT_BOT_NAME)
    exported.push(ViberClient, ViberSubscribers, ViberWebhookService, ViberBroadcasts);
  return exported;
}

/** The options `forRoot` was given, known when the module is built (undefined for `forRootAsync`). */
function staticOptionsOf(definition: DynamicModule): ViberModuleOptions | undefined {
  for (const provider of definition.providers ?? []) {
    if (
      typeof provider === 'object' &&
      'provide' in provider &&
      provider.provide === VIBER_MODULE_OPTIONS &&
      'useValue' in provider
    ) {
      return provider.useValue as ViberModuleOptions;
    }
  }
  return undefined;
}

/** The controller path of static options; undefined when it must wait for the resolved options. */
function staticControllerPath(options: ViberModuleOptions | undefined): string | undefined {
  const path: unknown = options?.webhook?.path ?? VIBER_DEFAULT_WEBHOOK_PATH;
  // A wrong path fails with its own message when the options are resolved at startup.
  return options !== undefined && typeof path === 'string' ? normalizeWebhookPath(path) : undefined;
}

/**
 * The per-bot part of `ViberModule.forRoot` / `forRootAsync` (the builder's `setExtras`): the
 * bot's providers and exports, its webhook controller (built with its path when the options are
 * static), and the shared core (registry and the one explorer); global unless `isGlobal: false`.
 */
export function defineViberBotModule(
  definition: DynamicModule,
  extras: ViberModuleExtras,
): DynamicModule {
  const name = extras.name ?? VIBER_DEFAULT_BOT_NAME;
  const path = staticControllerPath(staticOptionsOf(definition));
  const controller = createViberWebhookController(path);
  return {
    ...definition,
    global: extras.isGlobal ?? true,
    imports: [...(definition.imports ?? []), ViberCoreModule],
    controllers: [...(definition.controllers ?? []), controller],
    providers: [
      ...(definition.providers ?? []),
      ...createViberBotProviders(name, controller, path !== undefined),
    ],
    // The shared core too: ViberHealthIndicator is injectable wherever the bot's module is.
    exports: [...(definition.exports ?? []), ...viberBotExports(name), ViberCoreModule],
  };
}
