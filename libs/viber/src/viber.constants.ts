import { VIBER_DEFAULT_BOT_NAME } from './viber.defaults';

/** Context type of Viber handlers: `host.getType<ViberContextType>() === 'viber'`. */
export const VIBER_CONTEXT_TYPE = 'viber';
/** The context type string of Viber handlers. */
export type ViberContextType = typeof VIBER_CONTEXT_TYPE;

/**
 * Metadata key of the Viber listeners on a handler method.
 * @internal
 */
export const VIBER_LISTENERS_METADATA: unique symbol = Symbol('nestjs-viber:listeners');

/**
 * Token of the raw options of one `ViberModule.forRoot` inside its own module.
 * @internal
 */
export const VIBER_MODULE_OPTIONS = 'nestjs-viber:module-options';

/**
 * Token of the bot of one `ViberModule.forRoot` inside its own module (never exported): the
 * webhook controller, guard and service of that module inject their bot through it.
 * @internal
 */
export const VIBER_MODULE_BOT = 'nestjs-viber:module-bot';

/** Injection token of a bot's {@link ViberClient}: `@Inject(getViberClientToken('sales'))`. */
export function getViberClientToken(name: string = VIBER_DEFAULT_BOT_NAME): string {
  return `ViberClient:${name}`;
}

/** Injection token of a bot's runtime (options, client, route table, callback handling). */
export function getViberBotToken(name: string = VIBER_DEFAULT_BOT_NAME): string {
  return `ViberBot:${name}`;
}

/** Injection token of a bot's resolved module options. */
export function getViberOptionsToken(name: string = VIBER_DEFAULT_BOT_NAME): string {
  return `ViberModuleOptions:${name}`;
}

/** Injection token of a bot's webhook service (`register()` / `remove()`). */
export function getViberWebhookServiceToken(name: string = VIBER_DEFAULT_BOT_NAME): string {
  return `ViberWebhookService:${name}`;
}

/** Injection token of a bot's subscriber registry ({@link ViberSubscribers}). */
export function getViberSubscribersToken(name: string = VIBER_DEFAULT_BOT_NAME): string {
  return `ViberSubscribers:${name}`;
}

/** Injection token of a bot's {@link ViberBroadcasts} (queued broadcasts; needs the `queue` option). */
export function getViberBroadcastsToken(name: string = VIBER_DEFAULT_BOT_NAME): string {
  return `ViberBroadcasts:${name}`;
}

/**
 * Injection token of a bot's queues on BullMQ (null without the `queue` option).
 * @internal
 */
export function getViberQueueToken(name: string = VIBER_DEFAULT_BOT_NAME): string {
  return `ViberQueue:${name}`;
}
