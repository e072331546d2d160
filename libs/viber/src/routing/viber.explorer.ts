import { Injectable, Logger, type OnModuleInit, type ParamData, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import {
  ContextIdFactory,
  DiscoveryService,
  ExternalContextCreator,
  MetadataScanner,
  ModuleRef,
} from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import type { ViberBot } from '../bot/viber-bot';
import type { ViberContext } from '../context/viber-context';
import { ViberBotRegistry } from '../core/viber-bot.registry';
import { ViberUsageError } from '../errors/viber-usage.error';
import { VIBER_CONTEXT_TYPE } from '../viber.constants';
import { getListeners, type ViberListenerMetadata } from './viber-listener.metadata';

/** Param types other than Viber's custom decorators (e.g. a stray `@Body()`) resolve to undefined. */
const PARAMS_FACTORY = {
  exchangeKeyForValue: (_type: number, _data: ParamData, _args: unknown[]): undefined => undefined,
};

type HandlerFn = (ctx: ViberContext) => Promise<unknown>;

/** The module a provider belongs to, as far as `include` and scoped resolution need it. */
interface HostModule {
  metatype: Type<unknown>;
  getProviderByKey(key: unknown): InstanceWrapper<ModuleRef> | undefined;
}

/**
 * Finds every Viber handler method of the app once, at startup, and builds the route table of
 * each bot from that one scan: every provider reachable from the app (or, for a bot with
 * `include`, from those modules), no class decorator needed. Aliases are skipped and an instance
 * provided under several tokens is routed once. Shared by all bots (registered once by the core
 * module, however many `ViberModule.forRoot` an app has).
 * @internal
 */
@Injectable()
export class ViberExplorer implements OnModuleInit {
  private readonly logger = new Logger('ViberExplorer');

  constructor(
    private readonly registry: ViberBotRegistry,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly contextCreator: ExternalContextCreator,
  ) {}

  /** Builds every bot's route table. */
  onModuleInit(): void {
    const bots = this.registry.all();
    if (bots.length === 0) return;
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (wrapper.isAlias || !instance || typeof instance !== 'object' || seen.has(instance))
        continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown> | null;
      if (!prototype) continue;
      const host = wrapper.host as unknown as HostModule | undefined;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const listeners = getListeners(prototype[methodName]);
        if (listeners.length === 0) continue;
        // One Nest pipeline per method, shared by every bot and listener that routes to it.
        const invoke = this.createInvoker(wrapper, instance, methodName, host);
        const className = instance.constructor?.name ?? String(wrapper.token);
        for (const bot of bots) {
          if (!this.reaches(bot, host)) continue;
          let routed = false;
          for (const listener of listeners) {
            if (listener.bots && !listener.bots.includes(bot.name)) continue;
            this.addRoute(bot, listener, `${className}.${methodName}`, invoke);
            routed = true;
          }
          if (routed && bot.options.webhook.routeMetadataOnHandlers) {
            // What the app's global guards read (e.g. `@Public()`), as on the webhook itself.
            for (const [key, value] of bot.options.webhook.routeMetadata) {
              Reflect.defineMetadata(key, value, prototype[methodName] as object);
            }
          }
        }
      }
    }
    for (const bot of bots) this.report(bot);
  }

  /** Whether a bot sees the providers of a module (`include` limits it to those modules). */
  private reaches(bot: ViberBot, host: HostModule | undefined): boolean {
    const include = bot.options.include;
    if (!include?.length) return true;
    return host !== undefined && include.includes(host.metatype);
  }

  private addRoute(
    bot: ViberBot,
    listener: ViberListenerMetadata,
    name: string,
    invoke: HandlerFn,
  ): void {
    bot.routes.add({
      event: listener.event,
      matcher: listener.matcher,
      name,
      description: listener.description,
      invoke,
    });
  }

  private report(bot: ViberBot): void {
    const size = bot.routes.size;
    if (size > 0) {
      this.logger.log(`Bot "${bot.name}": ${size} Viber handler(s) routed`);
      return;
    }
    const scope = bot.options.include?.length
      ? `in the modules of its \`include\` (${bot.options.include.map((m) => m.name).join(', ')})`
      : 'in the app';
    this.logger.warn(
      `Bot "${bot.name}": no Viber handler found ${scope}: callbacks are answered but nothing handles them. Add the class with @OnMessage()/@OnText()/… methods to a module's \`providers\`${bot.options.include?.length ? ' of an included module, or add its module to `include`' : ''}.`,
    );
  }

  private createInvoker(
    wrapper: InstanceWrapper,
    instance: object,
    methodName: string,
    host: HostModule | undefined,
  ): HandlerFn {
    const options = { guards: true, interceptors: true, filters: true };
    const isStatic = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
    if (isStatic) {
      const method = (instance as Record<string, unknown>)[methodName] as (
        ...args: unknown[]
      ) => unknown;
      return this.contextCreator.create(
        instance,
        method,
        methodName,
        ROUTE_ARGS_METADATA,
        PARAMS_FACTORY,
        undefined,
        undefined,
        options,
        VIBER_CONTEXT_TYPE,
      ) as HandlerFn;
    }
    // Request-scoped or transient: a new instance (and its dependency tree) per callback,
    // resolved in the module that declares it (strict), never another module's same token.
    const moduleRef = host?.getProviderByKey(ModuleRef)?.instance;
    if (!moduleRef) {
      throw new ViberUsageError(`no module found for the scoped provider ${String(wrapper.name)}`);
    }
    return async (ctx) => {
      const contextId = ContextIdFactory.create();
      moduleRef.registerRequestByContextId(ctx, contextId);
      const contextInstance = await moduleRef.resolve<unknown, Record<string, unknown>>(
        wrapper.token,
        contextId,
        { strict: true },
      );
      const method = contextInstance[methodName] as (...args: unknown[]) => unknown;
      const handler = this.contextCreator.create(
        contextInstance,
        method,
        methodName,
        ROUTE_ARGS_METADATA,
        PARAMS_FACTORY,
        contextId,
        wrapper.id,
        options,
        VIBER_CONTEXT_TYPE,
      ) as HandlerFn;
      return handler(ctx);
    };
  }
}
