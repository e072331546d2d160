import { VIBER_LIMITS, ViberStatus } from 'nestjs-viber';
import { refuse } from '../api-request.validator';
import type { MessageTokenGenerator } from '../raw-json.util';
import type { UserRegistry } from '../users/user.registry';
import type { EmulatorAccount } from '../viber-emulator.types';
import type { WebhookRegistry } from '../webhook/webhook.registry';
import type { ApiAnswer, ApiAnswerBuilder } from './api-answer.builder';

const ONLINE_STATUS_MESSAGES = ['online', 'offline', 'undisclosed', 'tryLater', 'unavailable'];
const HOUR_MS = 60 * 60 * 1000;

/** What the account endpoints work with. */
export interface AccountEndpointsDeps {
  answers: ApiAnswerBuilder;
  account: Readonly<EmulatorAccount>;
  users: UserRegistry;
  webhook: WebhookRegistry;
  tokens: MessageTokenGenerator;
  /** Enforce the documented rate limits (option `enforceRateLimits`). */
  enforceRateLimits: boolean;
}

/** `get_account_info`, `get_user_details` and `get_online`: what the bot may read. */
export class AccountEndpoints {
  constructor(private readonly deps: AccountEndpointsDeps) {}

  accountInfo(): ApiAnswer {
    const { account, webhook } = this.deps;
    return this.deps.answers.reply(ViberStatus.ok, {
      id: account.id,
      name: account.name,
      uri: account.uri,
      icon: account.icon,
      background: account.background,
      category: account.category,
      subcategory: account.subcategory,
      location: account.location,
      country: account.country,
      webhook: webhook.current?.url ?? '',
      event_types: [...(webhook.current?.eventTypes ?? [])],
      subscribers_count: this.deps.users.subscribers().length,
      members: [{ id: account.adminId, name: account.adminName, role: 'admin' }],
    });
  }

  userDetails(body: Record<string, unknown>): ApiAnswer {
    const { answers } = this.deps;
    const id = body.id;
    if (id === undefined || id === null || id === '') {
      return answers.fail(refuse(ViberStatus.missingData, 'id is required'));
    }
    if (typeof id !== 'string')
      return answers.fail(refuse(ViberStatus.badData, 'id must be a string'));
    const user = this.deps.users.get(id);
    if (user === undefined) {
      return answers.fail(refuse(ViberStatus.receiverNotRegistered, `no user ${id}`));
    }
    if (this.deps.enforceRateLimits) {
      const since = Date.now() - 12 * HOUR_MS;
      const recent = user.detailsCalls.filter((time) => time > since);
      if (recent.length >= 2) {
        return answers.fail(
          refuse(
            ViberStatus.tooManyRequests,
            'get_user_details is allowed twice per user per 12 h',
          ),
        );
      }
    }
    user.detailsCalls.push(Date.now());
    return answers.reply(ViberStatus.ok, {
      message_token: this.deps.tokens.take(),
      user: { ...user.details },
    });
  }

  online(body: Record<string, unknown>): ApiAnswer {
    const { answers } = this.deps;
    const ids = body.ids;
    if (ids === undefined || ids === null) {
      return answers.fail(refuse(ViberStatus.missingData, 'ids is required'));
    }
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) {
      return answers.fail(refuse(ViberStatus.badData, 'ids must be an array of user ids'));
    }
    if (ids.length === 0) return answers.fail(refuse(ViberStatus.missingData, 'ids is empty'));
    if (ids.length > VIBER_LIMITS.onlineIds) {
      return answers.fail(
        refuse(
          ViberStatus.badData,
          `ids has ${ids.length} entries, over the limit of ${VIBER_LIMITS.onlineIds}`,
        ),
      );
    }
    const users = (ids as string[]).map((id) => {
      const user = this.deps.users.get(id);
      const status = user === undefined || !user.subscribed ? 4 : user.onlineStatus;
      const entry: Record<string, unknown> = {
        id,
        online_status: status,
        online_status_message: ONLINE_STATUS_MESSAGES[status],
      };
      if (status === 1 && user !== undefined) entry.last_online = user.lastOnline;
      return entry;
    });
    return answers.reply(ViberStatus.ok, { users });
  }
}
