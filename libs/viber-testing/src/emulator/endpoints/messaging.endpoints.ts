import {
  VIBER_LIMITS,
  ViberStatus,
  type ViberOutgoingMessage,
  type ViberValidationIssue,
} from 'nestjs-viber';
import { isRecord } from 'nestjs-viber/internal';
import {
  apiVersionRefusal,
  checkRequestMessage,
  deliveredMessage,
  refuse,
} from '../api-request.validator';
import type { EmulatorLogs } from '../logs/emulator.logs';
import type { BotMessageRecorder } from '../messages/bot-message.recorder';
import type { MessageTokenGenerator } from '../raw-json.util';
import type { SimulatedUser } from '../simulated-user.model';
import type { UserRegistry } from '../users/user.registry';
import type { EmulatorAccount } from '../viber-emulator.types';
import type { WebhookRegistry } from '../webhook/webhook.registry';
import type { ApiAnswer, ApiAnswerBuilder } from './api-answer.builder';

const HOUR_MS = 60 * 60 * 1000;

/** What the messaging endpoints work with. */
export interface MessagingEndpointsDeps {
  answers: ApiAnswerBuilder;
  users: UserRegistry;
  webhook: WebhookRegistry;
  tokens: MessageTokenGenerator;
  recorder: BotMessageRecorder;
  logs: EmulatorLogs;
  /** The bot's account (`post` accepts only its admin as `from`). */
  account: Readonly<EmulatorAccount>;
  /** Enforce the documented rate limits (option `enforceRateLimits`). */
  enforceRateLimits: boolean;
  /** The sliding limit on `broadcast_message` (option `broadcastRateLimit`), or none. */
  broadcastRateLimit: { limit: number; intervalMs: number } | false;
}

/**
 * `send_message`, `broadcast_message` and `post`: check the request, answer with the message
 * token, and hand each accepted message to the users (after the answer was sent, with receipts).
 */
export class MessagingEndpoints {
  /** Arrival times of the last `limit` broadcast requests, oldest first. */
  private readonly broadcastArrivals: number[] = [];

  constructor(private readonly deps: MessagingEndpointsDeps) {}

  /**
   * Counts a `broadcast_message` arrival; true when it makes more than `limit` within the
   * sliding window (then Viber answers status 12).
   */
  private broadcastOverLimit(now: number): boolean {
    const rate = this.deps.broadcastRateLimit;
    if (!rate) return false;
    const arrivals = this.broadcastArrivals;
    arrivals.push(now);
    while (arrivals.length > 0 && arrivals[0]! <= now - rate.intervalMs) arrivals.shift();
    const over = arrivals.length > rate.limit;
    // Only the last `limit + 1` arrivals can decide the next answer.
    if (arrivals.length > rate.limit + 1) arrivals.splice(0, arrivals.length - rate.limit - 1);
    return over;
  }

  /** `unknown`: the body's fields Viber does not know (they go with the recorded message). */
  sendMessage(
    body: Record<string, unknown>,
    text: string,
    unknown: readonly ViberValidationIssue[] = [],
  ): ApiAnswer {
    const { answers } = this.deps;
    const receiver = body.receiver;
    if (receiver === undefined || receiver === null || receiver === '') {
      return answers.fail(refuse(ViberStatus.missingData, 'receiver is required'));
    }
    if (typeof receiver !== 'string') {
      return answers.fail(refuse(ViberStatus.badData, 'receiver must be a string'));
    }
    const { refusal, warnings } = checkRequestMessage(body, text, true);
    if (refusal !== undefined) return answers.fail(refusal);
    if (this.deps.webhook.current === undefined) {
      return answers.fail(refuse(ViberStatus.webhookNotSet, 'set a webhook first'));
    }
    const user = this.deps.users.get(receiver);
    if (user === undefined) {
      return answers.fail(refuse(ViberStatus.receiverNotRegistered, `no user ${receiver}`));
    }
    if (!user.subscribed) {
      return answers.fail(
        refuse(ViberStatus.receiverNotSubscribed, `${receiver} is not subscribed`),
      );
    }
    if (this.deps.enforceRateLimits) {
      const since = Date.now() - HOUR_MS;
      const recent = user.unansweredSends.filter((time) => time > since).length;
      if (recent >= 100) {
        return answers.fail(
          refuse(
            ViberStatus.tooManyRequests,
            '100 messages to this user without a reply in an hour',
          ),
        );
      }
    }
    const versionRefusal = apiVersionRefusal(user, body);
    if (versionRefusal !== undefined) return answers.fail(versionRefusal);
    const token = this.deps.tokens.take();
    return {
      ...answers.reply(ViberStatus.ok, { message_token: token, billing_status: 0 }),
      warnings,
      after: () => {
        this.deps.recorder.record(user, deliveredMessage(body), 'send_message', token, true, [
          ...unknown,
          ...warnings,
        ]);
      },
    };
  }

  /** `unknown`: the body's fields Viber does not know (they go with the recorded messages). */
  broadcastMessage(
    body: Record<string, unknown>,
    text: string,
    unknown: readonly ViberValidationIssue[] = [],
  ): ApiAnswer {
    const { answers } = this.deps;
    if (this.broadcastOverLimit(Date.now())) {
      const rate = this.deps.broadcastRateLimit as { limit: number; intervalMs: number };
      return answers.fail(
        refuse(
          ViberStatus.tooManyRequests,
          `Rate control breach: more than ${rate.limit} broadcast_message requests within ${rate.intervalMs} ms`,
        ),
      );
    }
    const list = body.broadcast_list;
    if (list === undefined || list === null) {
      return answers.fail(refuse(ViberStatus.missingData, 'broadcast_list is required'));
    }
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
      return answers.fail(
        refuse(ViberStatus.badData, 'broadcast_list must be an array of user ids'),
      );
    }
    if (list.length === 0) {
      return answers.fail(refuse(ViberStatus.missingData, 'broadcast_list is empty'));
    }
    if (list.length > VIBER_LIMITS.broadcastReceivers) {
      return answers.fail(
        refuse(
          ViberStatus.badData,
          `broadcast_list has ${list.length} receivers, over the limit of ${VIBER_LIMITS.broadcastReceivers}`,
        ),
      );
    }
    const { refusal, warnings } = checkRequestMessage(body, text, true);
    if (refusal !== undefined) return answers.fail(refusal);
    if (this.deps.webhook.current === undefined) {
      return answers.fail(refuse(ViberStatus.webhookNotSet, 'set a webhook first'));
    }
    const failed: Array<{ receiver: string; status: number; status_message: string }> = [];
    const reached: SimulatedUser[] = [];
    for (const id of new Set(list as string[])) {
      const user = this.deps.users.get(id);
      if (user === undefined) {
        failed.push({
          receiver: id,
          status: ViberStatus.receiverNotRegistered,
          status_message: 'Not found',
        });
      } else if (!user.subscribed) {
        failed.push({
          receiver: id,
          status: ViberStatus.receiverNotSubscribed,
          status_message: 'Not subscribed',
        });
      } else if (apiVersionRefusal(user, body) !== undefined) {
        failed.push({
          receiver: id,
          status: ViberStatus.apiVersionNotSupported,
          status_message: 'apiVersionNotSupported',
        });
      } else {
        reached.push(user);
      }
    }
    const token = this.deps.tokens.take();
    const message = deliveredMessage(body);
    const messageWarnings = [...unknown, ...warnings];
    return {
      ...answers.reply(ViberStatus.ok, { message_token: token, failed_list: failed }),
      warnings,
      after: () => {
        for (const user of reached) {
          this.deps.recorder.record(
            user,
            replacePlaceholders(message, user),
            'broadcast_message',
            token,
            true,
            messageWarnings,
          );
        }
      },
    };
  }

  post(body: Record<string, unknown>, text: string): ApiAnswer {
    const { answers } = this.deps;
    const from = body.from;
    if (from === undefined || from === null || from === '') {
      return answers.fail(refuse(ViberStatus.missingData, 'from is required'));
    }
    if (typeof from !== 'string')
      return answers.fail(refuse(ViberStatus.badData, 'from must be a string'));
    if (body.keyboard !== undefined && body.keyboard !== null) {
      return answers.fail(refuse(ViberStatus.badData, 'keyboards are not supported in posts'));
    }
    const { refusal, warnings } = checkRequestMessage(body, text, false);
    if (refusal !== undefined) return answers.fail(refusal);
    if (from !== this.deps.account.adminId) {
      return answers.fail(
        refuse(ViberStatus.badData, `from must be the admin id (get_account_info members)`),
      );
    }
    const token = this.deps.tokens.take();
    this.deps.logs.push(this.deps.logs.posts, {
      token: token.toString(),
      from,
      message: deliveredMessage(body) as unknown as ViberOutgoingMessage,
    });
    return { ...answers.reply(ViberStatus.ok, { message_token: token }), warnings };
  }
}

/**
 * Replaces the broadcast placeholders (docs/protocol/endpoints.md, "broadcast_message") in every
 * string of a message.
 */
function replacePlaceholders(
  message: Record<string, unknown>,
  user: SimulatedUser,
): Record<string, unknown> {
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value
        .replaceAll('replace_me_with_url_encoded_receiver_id', encodeURIComponent(user.id))
        .replaceAll('replace_me_with_receiver_id', user.id)
        .replaceAll('replace_me_with_user_name', user.name);
    }
    if (Array.isArray(value)) return value.map(replace);
    if (isRecord(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item)]));
    }
    return value;
  };
  return replace(message) as Record<string, unknown>;
}
