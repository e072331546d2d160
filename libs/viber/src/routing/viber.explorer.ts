import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  ContextIdFactory,
  DiscoveryService,
  ExternalContextCreator,
  MetadataScanner,
  ModuleRef,
} from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import type { ParamData } from '@nestjs/common';
import { ViberBot } from '../bot/viber-bot';
import type { ViberContext } from '../context/viber-context';
import { VIBER_CONTEXT_TYPE } from '../viber.constants';
import { VIBER_BOT_INSTANCE } from '../module/viber-module.tokens';
import { getListeners } from './viber-listener.metadata';
import type { ViberRoute } from './viber-route-table';

/** Nest's metadata key of route parameters; the Viber param decorators are custom ones stored there. */
const ROUTE_ARGS_METADATA = '__routeArguments__';

/** Param types other than Viber's custom decorators (e.g. a stray `@Body()`) resolve to undefined. */
const PARAMS_FACTORY = {
  exchangeKeyForValue: (_type: number, _data: ParamData, _args: unknown[]): undefined => undefined,
};

type HandlerFn = (ctx: ViberContext) => Promise<unknown>;

/**
 * Finds the handler methods of one bot when the app starts, and builds its route table: every
 * provider reachable from the app (or from `include`), no class decorator needed. Aliases are
 * skipped and an instance provided under several tokens is routed once.
 */
@Injectable()
export class ViberExplorer implements OnModuleInit {
  private readonly logger = new Logger('ViberExplorer');

  constructor(
    @Inject(VIBER_BOT_INSTANCE) private readonly bot: ViberBot,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly contextCreator: ExternalContextCreator,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Builds the route table. */
  onModuleInit(): void {
    const { include, name } = this.bot.options;
    const wrappers = this.discovery.getProviders(include?.length ? { include } : undefined);
    const seen = new Set<object>();
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      if (wrapper.isAlias || !instance || typeof instance !== 'object' || seen.has(instance))
        continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown> | null;
      if (!prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const listeners = getListeners(prototype[methodName]);
        for (const listener of listeners) {
          if (listener.bots && !listener.bots.includes(name)) continue;
          const className = (instance as object).constructor?.name ?? String(wrapper.token);
          const route: ViberRoute = {
            event: listener.event,
            matcher: listener.matcher,
            name: `${className}.${methodName}`,
            description: listener.description,
            invoke: this.createInvoker(wrapper, instance as object, methodName),
          };
          this.bot.routes.add(route);
        }
      }
    }
    this.logger.log(`Bot "${name}": ${this.bot.routes.size} Viber handler(s) routed`);
  }

  private createInvoker(wrapper: InstanceWrapper, instance: object, methodName: string): HandlerFn {
    const options = { guards: true, interceptors: true, filters: true };
    const isStatic = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
    if (isStatic) {
      const method = (instance as Record<string, unknown>)[methodName] as (
        ...args: unknown[]
      ) => unknown;
      const handler = this.contextCreator.create(
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
      return (ctx) => handler(ctx);
    }
    // Request-scoped or transient: a new instance (and its dependency tree) per callback.
    return async (ctx) => {
      const contextId = ContextIdFactory.create();
      this.moduleRef.registerRequestByContextId(ctx, contextId);
      const contextInstance = await this.moduleRef.resolve<unknown, Record<string, unknown>>(
        wrapper.token,
        contextId,
        {
          strict: false,
        },
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
