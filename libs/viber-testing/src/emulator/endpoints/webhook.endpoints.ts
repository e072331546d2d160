import { ViberStatus, type ViberWebhookEventType } from 'nestjs-viber';
import { refuse } from '../api-request.validator';
import type { CallbackDeliveryService } from '../callback-delivery.service';
import { ALL_WEBHOOK_EVENT_TYPES } from '../emulator.defaults';
import type { EmulatorLogs } from '../logs/emulator.logs';
import type { ViberCallbackFactory } from '../viber-callbacks.factory';
import { isWebUrl, type WebhookRegistry } from '../webhook/webhook.registry';
import type { ApiAnswer, ApiAnswerBuilder } from './api-answer.builder';

/** Values accepted in `set_webhook.event_types`. */
const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set([
  ...ALL_WEBHOOK_EVENT_TYPES,
  'message',
  'client_status',
]);

/** What the webhook endpoint works with. */
export interface WebhookEndpointsDeps {
  answers: ApiAnswerBuilder;
  webhook: WebhookRegistry;
  callbacks: ViberCallbackFactory;
  delivery: CallbackDeliveryService;
  logs: EmulatorLogs;
  /** Refuse webhook URLs that are not `https:` (option `requireHttps`). */
  requireHttps: boolean;
}

/**
 * `set_webhook`: checks the body, posts the `webhook` check callback to the URL (once, no
 * re-sends) and registers the webhook when it answered 200; an empty `url` removes it.
 */
export class WebhookEndpoints {
  constructor(private readonly deps: WebhookEndpointsDeps) {}

  async setWebhook(body: Record<string, unknown>): Promise<ApiAnswer> {
    const { answers, webhook } = this.deps;
    const { url } = body;
    if (url === undefined || url === null) {
      return answers.fail(refuse(ViberStatus.missingData, 'url is required'));
    }
    if (typeof url !== 'string')
      return answers.fail(refuse(ViberStatus.badData, 'url must be a string'));
    // A field sent as null counts as absent (docs/protocol/null-fields.md).
    for (const flag of ['send_name', 'send_photo', 'is_inline']) {
      if (body[flag] !== undefined && body[flag] !== null && typeof body[flag] !== 'boolean') {
        return answers.fail(refuse(ViberStatus.badData, `${flag} must be a boolean`));
      }
    }
    const eventTypes = body.event_types ?? undefined;
    if (eventTypes !== undefined) {
      if (!Array.isArray(eventTypes) || eventTypes.some((item) => typeof item !== 'string')) {
        return answers.fail(refuse(ViberStatus.badData, 'event_types must be an array of strings'));
      }
      const unknown = (eventTypes as string[]).filter((item) => !KNOWN_EVENT_TYPES.has(item));
      if (unknown.length > 0) {
        return answers.fail(
          refuse(ViberStatus.badData, `event_types has unknown values: ${unknown.join(', ')}`),
        );
      }
    }
    if (url === '') {
      webhook.clear();
      return answers.reply(ViberStatus.ok, {});
    }
    if (!isWebUrl(url) || (this.deps.requireHttps && !url.startsWith('https:'))) {
      return answers.fail(
        refuse(
          ViberStatus.invalidUrl,
          this.deps.requireHttps ? 'the URL must be https' : 'the URL must be http(s)',
        ),
      );
    }
    const check = this.deps.callbacks.webhook();
    const { delivery, first } = await this.deps.delivery.deliver(check, { retry: false, url });
    if (first.attempt > 0) this.deps.logs.push(this.deps.logs.deliveries, delivery);
    if (!first.ok) {
      const why =
        first.httpStatus !== undefined
          ? `the webhook answered HTTP ${first.httpStatus} to the webhook callback`
          : `the webhook callback failed: ${first.error ?? 'no answer'}`;
      return answers.fail(refuse(ViberStatus.invalidUrl, why));
    }
    const requested = eventTypes as ViberWebhookEventType[] | undefined;
    const registered =
      requested === undefined ? [...ALL_WEBHOOK_EVENT_TYPES] : [...new Set(requested)];
    webhook.register({
      url,
      eventTypes: registered,
      sendName: body.send_name === true,
      sendPhoto: body.send_photo === true,
    });
    return answers.reply(ViberStatus.ok, { event_types: registered });
  }
}
