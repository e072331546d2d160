import { ALL_WEBHOOK_EVENT_TYPES } from '../emulator.defaults';
import type { EmulatorWebhook, EmulatorWebhookPreset } from '../viber-emulator.types';

/**
 * Events that cannot be filtered out with `event_types` (docs/protocol/endpoints.md,
 * "set_webhook").
 */
const MANDATORY_EVENTS: ReadonlySet<string> = new Set([
  'webhook',
  'message',
  'subscribed',
  'unsubscribed',
  'client_status',
]);

/**
 * The bot's webhook as the emulator knows it: set by `set_webhook` (see the webhook endpoints),
 * preset in the options or by `ViberEmulator.setWebhook`, and read by everything that posts
 * callbacks.
 */
export class WebhookRegistry {
  private registered: EmulatorWebhook | undefined;

  /** The registered webhook, if any. */
  get current(): EmulatorWebhook | undefined {
    return this.registered;
  }

  /** Registers a webhook (`set_webhook` checked it already). */
  register(webhook: EmulatorWebhook): void {
    this.registered = webhook;
  }

  /** Removes the webhook (`set_webhook` with an empty `url`). */
  clear(): void {
    this.registered = undefined;
  }

  /**
   * Registers (or with `undefined` removes) the webhook directly, without the `webhook` check
   * callback. Names and avatars are sent unless the preset says otherwise.
   */
  preset(webhook: string | EmulatorWebhookPreset | undefined): void {
    if (webhook === undefined || webhook === '') {
      this.registered = undefined;
      return;
    }
    const preset = typeof webhook === 'string' ? { url: webhook } : webhook;
    if (typeof preset.url !== 'string' || !isWebUrl(preset.url)) {
      throw new TypeError(`ViberEmulator: webhook URL must be an http(s) URL, got ${preset.url}`);
    }
    this.registered = {
      url: preset.url,
      eventTypes: [...(preset.eventTypes ?? ALL_WEBHOOK_EVENT_TYPES)],
      sendName: preset.sendName ?? true,
      sendPhoto: preset.sendPhoto ?? true,
    };
  }

  /** Whether the current webhook receives `event` (mandatory events always). */
  eventEnabled(event: string): boolean {
    if (this.registered === undefined) return false;
    if (MANDATORY_EVENTS.has(event)) return true;
    return (this.registered.eventTypes as readonly string[]).includes(event);
  }
}

/** Whether `value` is an absolute http(s) URL with a host. */
export function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}
