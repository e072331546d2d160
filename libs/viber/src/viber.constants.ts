/** Name of the bot when `name` is not given. */
export const VIBER_DEFAULT_BOT_NAME = 'default';

/** Context type of Viber handlers: `host.getType<ViberContextType>() === 'viber'`. */
export const VIBER_CONTEXT_TYPE = 'viber';
/** The context type string of Viber handlers. */
export type ViberContextType = typeof VIBER_CONTEXT_TYPE;

/** Metadata key of the Viber listeners on a handler method. */
export const VIBER_LISTENERS_METADATA: unique symbol = Symbol('nestjs-viber:listeners');

/** Injection token of a bot's {@link ViberClient}: `@Inject(getViberClientToken('sales'))`. */
export function getViberClientToken(name: string = VIBER_DEFAULT_BOT_NAME): string {
  return `ViberClient:${name}`;
}

/** Injection token of a bot's runtime ({@link ViberBot}: options, client, route table). */
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
