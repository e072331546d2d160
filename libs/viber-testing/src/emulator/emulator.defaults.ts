import { randomBytes } from 'node:crypto';
import { VIBER_WEBHOOK_EVENT_TYPES, type ViberWebhookEventType } from 'nestjs-viber';

/** The default delays between re-sends of a callback that was not answered 200, in ms. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [1000, 5000, 60_000];

/** Every optional event, the list `set_webhook` registers when `event_types` is omitted. */
export const ALL_WEBHOOK_EVENT_TYPES: readonly ViberWebhookEventType[] = VIBER_WEBHOOK_EVENT_TYPES;

/** A random token in Viber's format: three 16-character alphanumeric groups joined by `-`. */
export function randomViberToken(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(48);
  const chars = [...bytes].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `${chars.slice(0, 16)}-${chars.slice(16, 32)}-${chars.slice(32, 48)}`;
}
