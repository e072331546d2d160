import type { ViberEventName } from '../../types/callback.types';
import { createListenerDecorator, toBots, type ViberBotScope } from '../viber-listener.metadata';

function onEvent(event: ViberEventName, options?: ViberBotScope): MethodDecorator {
  return createListenerDecorator({ event, bots: toBots(options), description: event });
}

/**
 * Handles `conversation_started` (a user opened the chat). The returned message (or the first
 * `ctx.reply`) is the welcome message, sent in the body of this very HTTP response.
 */
export function OnConversationStarted(options?: ViberBotScope): MethodDecorator {
  return onEvent('conversation_started', options);
}

/** Handles `subscribed`. A returned message is sent to the user. */
export function OnSubscribed(options?: ViberBotScope): MethodDecorator {
  return onEvent('subscribed', options);
}

/** Handles `unsubscribed` (the user can no longer be messaged). */
export function OnUnsubscribed(options?: ViberBotScope): MethodDecorator {
  return onEvent('unsubscribed', options);
}

/** Handles `delivered` (one per device of the user). */
export function OnDelivered(options?: ViberBotScope): MethodDecorator {
  return onEvent('delivered', options);
}

/** Handles `seen`. */
export function OnSeen(options?: ViberBotScope): MethodDecorator {
  return onEvent('seen', options);
}

/** Handles `failed` (a message failed validation on the user's device; see `desc`). */
export function OnFailed(options?: ViberBotScope): MethodDecorator {
  return onEvent('failed', options);
}

/** Handles the `webhook` check Viber makes during `set_webhook` (always answered 200). */
export function OnWebhook(options?: ViberBotScope): MethodDecorator {
  return onEvent('webhook', options);
}

/** Handles `client_status` (payment status). */
export function OnClientStatus(options?: ViberBotScope): MethodDecorator {
  return onEvent('client_status', options);
}

/** The fallback: handles `message` callbacks that no other handler matched. */
export function OnUnhandled(options?: ViberBotScope): MethodDecorator {
  return createListenerDecorator({
    event: 'unhandled',
    bots: toBots(options),
    description: 'unhandled message',
  });
}
