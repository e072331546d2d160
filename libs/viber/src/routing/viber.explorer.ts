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
import {
  getSceneHooks,
  getSceneMetadata,
  getWizardStep,
  isInEveryScene,
  type ViberSceneMetadata,
} from '../conversations/scenes/scene.metadata';
import { ViberBotRegistry } from '../core/viber-bot.registry';
import { ViberUsageError } from '../errors/viber-usage.error';
import { VIBER_CONTEXT_TYPE } from '../viber.constants';
import { getListeners, type ViberListenerMetadata } from './viber-listener.metadata';
import type { ViberRoute, ViberRouteScope } from './viber-route-table';

/** The scope of routes outside scenes: they run while the user is in no scene. */
const OUTSIDE: ViberRouteScope = Object.freeze({ scene: undefined });

/** Where a method's routes run, as far as scenes go. */
interface SceneContext {
  /** The `@Scene` / `@Wizard` of the method's class. */
  readonly scene?: ViberSceneMetadata;
  /** The method's `@WizardStep`. */
  readonly step?: number;
  /** `@InEveryScene` on the method or its class. */
  readonly every: boolean;
}

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
      const className = instance.constructor?.name ?? String(wrapper.token);
      const scene = this.declareScene(instance.constructor, className, bots, host);
      const classEvery = isInEveryScene(instance.constructor);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        const name = `${className}.${methodName}`;
        const hooks = getSceneHooks(method);
        const step = getWizardStep(method);
        const every = classEvery || isInEveryScene(method);
        let listeners = getListeners(method);
        if (listeners.length === 0 && hooks.length === 0 && step === undefined) continue;
        this.checkSceneMethod(name, scene, hooks.length > 0, step, every, listeners);
        // A step without a filter takes every message at that step.
        if (step !== undefined && listeners.length === 0) {
          listeners = [{ event: 'message', description: `wizard step ${step}` }];
        }
        // One Nest pipeline per method, shared by every bot and listener that routes to it.
        const invoke = this.createInvoker(wrapper, instance, methodName, host);
        const where: SceneContext = { scene, step, every };
        for (const bot of bots) {
          if (!this.reaches(bot, host)) continue;
          if (scene && !bot.conversations) continue;
          let routed = false;
          for (const listener of listeners) {
            if (listener.bots && !listener.bots.includes(bot.name)) continue;
            this.addRoute(bot, listener, name, invoke, where);
            routed = true;
          }
          if (scene && bot.conversations) {
            if (step !== undefined) bot.conversations.scenes.addStep(scene.id, step);
            for (const hook of hooks)
              bot.conversations.scenes.addHook(scene.id, hook, { name, invoke });
            routed ||= hooks.length > 0;
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
    for (const bot of bots) {
      bot.conversations?.scenes.check();
      this.report(bot);
    }
  }

  /**
   * Declares the `@Scene` / `@Wizard` of a class to every bot with conversations that sees it;
   * refuses a scene that no such bot sees (it could never run).
   */
  private declareScene(
    type: unknown,
    className: string,
    bots: readonly ViberBot[],
    host: HostModule | undefined,
  ): ViberSceneMetadata | undefined {
    const scene = getSceneMetadata(type as object | undefined);
    if (!scene) return undefined;
    if (isInEveryScene(type)) {
      throw new ViberUsageError(
        `@InEveryScene() on ${className}: the handlers of a ${scene.kind} class run in that ${scene.kind}; put handlers meant for every scene on a class outside scenes`,
      );
    }
    let declared = false;
    for (const bot of bots) {
      if (!this.reaches(bot, host) || !bot.conversations) continue;
      bot.conversations.scenes.define(scene, className);
      declared = true;
    }
    if (!declared) {
      throw new ViberUsageError(
        `${scene.kind === 'wizard' ? '@Wizard' : '@Scene'}('${scene.id}') on ${className}: no bot that sees it has conversations; add \`conversations: {}\` to ViberModule.forRoot (see the README, "Conversations")`,
      );
    }
    return scene;
  }

  /** Refuses scene decorators where they cannot work, naming the method and the fix. */
  private checkSceneMethod(
    name: string,
    scene: ViberSceneMetadata | undefined,
    hook: boolean,
    step: number | undefined,
    every: boolean,
    listeners: readonly ViberListenerMetadata[],
  ): void {
    if ((hook || step !== undefined) && !scene) {
      throw new ViberUsageError(
        `${hook ? '@SceneEnter()/@SceneLeave()' : `@WizardStep(${step})`} on ${name}: its class needs @${step !== undefined ? 'Wizard' : 'Scene'}(id)`,
      );
    }
    if (step !== undefined && scene?.kind !== 'wizard') {
      throw new ViberUsageError(
        `@WizardStep(${step}) on ${name}: the class is a @Scene('${scene?.id}'); steps need @Wizard(id)`,
      );
    }
    if (every && scene) {
      throw new ViberUsageError(
        `@InEveryScene() on ${name}: handlers of a ${scene.kind} run in that ${scene.kind}; put handlers meant for every scene on a class outside scenes`,
      );
    }
    if (step !== undefined) {
      const other = listeners.find((l) => l.event !== 'message' && l.event !== 'unhandled');
      if (other) {
        throw new ViberUsageError(
          `@WizardStep(${step}) on ${name}: steps handle messages; ${other.description} is not one`,
        );
      }
    }
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
    where: SceneContext,
  ): void {
    const route: ViberRoute = {
      event: listener.event,
      matcher: listener.matcher,
      name,
      description: listener.description,
      invoke,
      ...(bot.conversations ? this.sceneScope(listener, where) : {}),
    };
    bot.routes.add(route);
  }

  /**
   * Computed once per route: scene routes run in their scene (and step); `@InEveryScene` routes
   * run always, first; other message routes only outside scenes; routes of other events always.
   */
  private sceneScope(
    listener: ViberListenerMetadata,
    where: SceneContext,
  ): Pick<ViberRoute, 'scope' | 'first'> {
    if (where.scene) return { scope: { scene: where.scene.id, step: where.step } };
    if (where.every) return { first: true };
    if (listener.event === 'message' || listener.event === 'unhandled') return { scope: OUTSIDE };
    return {};
  }

  private report(bot: ViberBot): void {
    const size = bot.routes.size;
    const scenes = bot.conversations?.scenes.size ?? 0;
    if (size > 0) {
      this.logger.log(
        `Bot "${bot.name}": ${size} Viber handler(s) routed${scenes ? `, ${scenes} scene(s)` : ''}`,
      );
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
