import { Injectable } from '@nestjs/common';
import type { ViberBot } from '../bot/viber-bot';
import { ViberBotRegistry } from '../core/viber-bot.registry';
import { InMemoryDedupeStore } from '../dedupe/in-memory-dedupe.store';
import { ViberApiError } from '../errors/viber-api.error';
import { ViberUsageError } from '../errors/viber-usage.error';
import {
  loadTerminusIndicatorService,
  type TerminusIndicatorService,
} from '../observability/optional-peer.loader';
import { viberQueueStatsOf } from '../observability/viber-queue-stats';
import { within } from '../observability/within';
import { InMemorySubscriberStore } from '../subscribers/in-memory-subscriber.store';
import type { ViberAccountInfo } from '../types/api.types';
import { ViberStatus } from '../types/viber-status.enum';
import {
  VIBER_DEFAULT_HEALTH_ACCOUNT_CACHE_MS,
  VIBER_DEFAULT_HEALTH_TIMEOUT_MS,
} from '../viber.defaults';
import type {
  ViberBotHealth,
  ViberHealthComponent,
  ViberHealthIndicatorResult,
  ViberLivenessOptions,
  ViberReadinessOptions,
} from './viber-health.types';

/** Optional events `set_webhook` filters; `message`, `subscribed`, `unsubscribed` always come. */
const FILTERABLE_EVENTS: readonly string[] = [
  'delivered',
  'seen',
  'failed',
  'conversation_started',
];

/** What `get_account_info` said, and when. */
interface AccountAnswer {
  readonly at: number;
  readonly info?: ViberAccountInfo;
  readonly error?: unknown;
}

/** A store the readiness check can ping. */
interface Pingable {
  ping?(): unknown;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A health indicator for `@nestjs/terminus` (11+, an optional peer loaded on the first check):
 * the state of the app's bots, built with Terminus' `HealthIndicatorService`. Injectable wherever
 * `ViberModule` is; use it in a health controller with `HealthCheckService`:
 *
 * ```ts
 * @Get('ready') @HealthCheck()
 * ready() { return this.health.check([() => this.viber.checkReadiness('viber')]); }
 * ```
 *
 * - {@link checkLiveness}: no I/O at all (no Viber call): callbacks and requests in flight.
 * - {@link checkReadiness}: per bot, the token works and the registered webhook URL and events
 *   match the configuration (`get_account_info`, cached), the dedupe and subscriber stores answer
 *   (their `ping()`), and with a queue its figures; down while the bot shuts down.
 */
@Injectable()
export class ViberHealthIndicator {
  private service?: Promise<TerminusIndicatorService>;
  private readonly accounts = new Map<
    string,
    { readonly pending: Promise<AccountAnswer>; answer?: AccountAnswer }
  >();

  /** Created by Nest (the module provides it). @internal */
  constructor(private readonly registry: ViberBotRegistry) {}

  /**
   * Liveness: whether each bot's process side is alive, without any I/O. Reports the callbacks
   * and requests in flight; down only past `maxCallbacksInFlight`, when given.
   */
  async checkLiveness<Key extends string = 'viber'>(
    key: Key = 'viber' as Key,
    options: ViberLivenessOptions = {},
  ): Promise<ViberHealthIndicatorResult<Key>> {
    const bots: Record<string, ViberBotHealth> = {};
    for (const bot of this.select(options.bots)) {
      const health = this.base(bot);
      const max = options.maxCallbacksInFlight;
      if (max !== undefined && health.callbacksInFlight > max) {
        health.status = 'down';
        health.message = `${health.callbacksInFlight} callbacks in flight, over ${max}`;
      }
      bots[bot.name] = health;
    }
    return this.result(key, bots);
  }

  /**
   * Readiness: per bot, the token, the registered webhook and events (from `get_account_info`,
   * reused for `accountCacheMs`), the shared stores, the queue. Down when any of them is.
   */
  async checkReadiness<Key extends string = 'viber'>(
    key: Key = 'viber' as Key,
    options: ViberReadinessOptions = {},
  ): Promise<ViberHealthIndicatorResult<Key>> {
    const bots = this.select(options.bots);
    const timeoutMs = options.timeoutMs ?? VIBER_DEFAULT_HEALTH_TIMEOUT_MS;
    const cacheMs = options.accountCacheMs ?? VIBER_DEFAULT_HEALTH_ACCOUNT_CACHE_MS;
    const entries = await Promise.all(
      bots.map(async (bot): Promise<[string, ViberBotHealth]> => {
        const health = this.base(bot);
        if (bot.closing) health.message = 'shutting down';
        const [account, dedupeStore, subscriberStore, queue] = await Promise.all([
          options.account === false ? undefined : this.account(bot, timeoutMs, cacheMs),
          this.store(bot.options.handling.dedupeStore, timeoutMs, 'dedupe store'),
          this.store(bot.options.subscribers.store, timeoutMs, 'subscriber store'),
          this.queue(bot, timeoutMs),
        ]);
        if (account) Object.assign(health, this.accountHealth(bot, account));
        health.dedupeStore = dedupeStore;
        health.subscriberStore = subscriberStore;
        if (queue) health.queue = queue;
        const parts = [
          health.account,
          health.webhook,
          health.eventTypes,
          dedupeStore,
          subscriberStore,
          queue,
        ];
        if (bot.closing || parts.some((part) => part?.status === 'down')) health.status = 'down';
        return [bot.name, health];
      }),
    );
    return this.result(key, Object.fromEntries(entries));
  }

  /** The bots asked for (all by default); an unknown name is a usage error. */
  private select(names: readonly string[] | undefined): ViberBot[] {
    if (names === undefined) return this.registry.all();
    return names.map((name) => {
      const bot = this.registry.get(name);
      if (!bot) {
        const known = this.registry.all().map((b) => `"${b.name}"`);
        throw new ViberUsageError(
          `ViberHealthIndicator: no bot named "${name}" (bots: ${known.join(', ') || 'none'})`,
        );
      }
      return bot;
    });
  }

  private base(bot: ViberBot): ViberBotHealth {
    return {
      status: 'up',
      callbacksInFlight: bot.pending,
      requestsInFlight: bot.client.requestsInFlight,
    };
  }

  /** The Terminus result: up when every bot is up. */
  private async result<Key extends string>(
    key: Key,
    bots: Record<string, ViberBotHealth>,
  ): Promise<ViberHealthIndicatorResult<Key>> {
    this.service ??= loadTerminusIndicatorService();
    this.service.catch(() => {
      this.service = undefined; // try again on the next check
    });
    const check = (await this.service).check(key);
    const up = Object.values(bots).every((bot) => bot.status === 'up');
    return (up ? check.up({ bots }) : check.down({ bots })) as ViberHealthIndicatorResult<Key>;
  }

  /**
   * `get_account_info`: an answer younger than `cacheMs` is reused, and checks that come while a
   * request is on its way share it.
   */
  private account(bot: ViberBot, timeoutMs: number, cacheMs: number): Promise<AccountAnswer> {
    const cached = this.accounts.get(bot.name);
    if (cached && (!cached.answer || Date.now() - cached.answer.at < cacheMs)) {
      return cached.pending;
    }
    const signal = AbortSignal.timeout(timeoutMs);
    const entry: { pending: Promise<AccountAnswer>; answer?: AccountAnswer } = {
      pending: within(bot.client.getAccountInfo({ signal }), timeoutMs + 100, 'Viber').then(
        (info): AccountAnswer => ({ at: Date.now(), info }),
        (error: unknown): AccountAnswer => ({ at: Date.now(), error }),
      ),
    };
    void entry.pending.then((answer) => (entry.answer = answer));
    this.accounts.set(bot.name, entry);
    return entry.pending;
  }

  /** The account, webhook and event type components from Viber's answer. */
  private accountHealth(bot: ViberBot, answer: AccountAnswer): Partial<ViberBotHealth> {
    const checkedAt = new Date(answer.at).toISOString();
    if (!answer.info) {
      const error = answer.error;
      const message =
        error instanceof ViberApiError
          ? error.status === ViberStatus.invalidAuthToken
            ? `the token is not valid (Viber status ${error.status} ${error.statusName})`
            : `Viber answered status ${error.status} (${error.statusName})`
          : `Viber did not answer: ${messageOf(error)}`;
      return { account: { status: 'down', message, checkedAt } };
    }
    const info = answer.info;
    const { url, eventTypes } = bot.options.webhook;
    let webhook: ViberHealthComponent;
    if (!url) webhook = { status: 'up', message: 'webhook.url is not set: not compared' };
    else if (!info.webhook) webhook = { status: 'down', message: 'no webhook is registered' };
    else if (info.webhook !== url) {
      webhook = { status: 'down', message: 'the registered webhook URL is not webhook.url' };
    } else webhook = { status: 'up' };
    const health: Partial<ViberBotHealth> = { account: { status: 'up', checkedAt }, webhook };
    if (info.webhook && Array.isArray(info.event_types)) {
      const wanted = new Set<string>(eventTypes ?? FILTERABLE_EVENTS);
      const registered = new Set<string>(info.event_types);
      const missing = FILTERABLE_EVENTS.filter((e) => wanted.has(e) && !registered.has(e));
      const unexpected = FILTERABLE_EVENTS.filter((e) => !wanted.has(e) && registered.has(e));
      health.eventTypes =
        missing.length + unexpected.length === 0
          ? { status: 'up' }
          : {
              status: 'down',
              message: 'the registered events are not webhook.eventTypes',
              missing,
              unexpected,
            };
    }
    return health;
  }

  /** Pings a store, bounded by `timeoutMs`. */
  private async store(
    store: Pingable | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<ViberHealthComponent> {
    if (
      store === undefined ||
      store instanceof InMemoryDedupeStore ||
      store instanceof InMemorySubscriberStore
    ) {
      return { status: 'up', message: 'in memory' };
    }
    if (typeof store.ping !== 'function') {
      return { status: 'up', message: 'not checked: the store has no ping()' };
    }
    try {
      await within(
        Promise.resolve().then(() => store.ping!()),
        timeoutMs,
        what,
      );
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', message: messageOf(error) };
    }
  }

  /** The queue's figures, when the bot has a queue. */
  private async queue(
    bot: ViberBot,
    timeoutMs: number,
  ): Promise<ViberBotHealth['queue'] | undefined> {
    const source = viberQueueStatsOf(bot);
    if (!source) return undefined;
    try {
      const queues = await within(source.queueStats(), timeoutMs, 'queue');
      return { status: 'up', queues };
    } catch (error) {
      return { status: 'down', message: messageOf(error) };
    }
  }
}
