import { Logger, type BeforeApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import type { ViberClient } from '../client/viber-client';
import { ViberContext } from '../context/viber-context';
import type { ViberConversation } from '../conversations/viber-conversation';
import type { ViberConversations } from '../conversations/viber-conversations';
import type { ViberDedupeStore } from '../dedupe/viber-dedupe.store';
import type { ViberSubscribers } from '../subscribers/viber-subscribers.service';
import type { ResolvedViberOptions } from '../viber-options.resolver';
import { isGuardDenial } from '../routing/guard-denial';
import { ALWAYS, type ViberRouteMatch } from '../routing/viber-listener.metadata';
import { ViberRouteTable, type ViberRoute } from '../routing/viber-route-table';
import type { ViberCallback, ViberEventName } from '../types/callback.types';
import type { ViberOutgoingMessage, ViberReply } from '../types/message.types';
import { parseViberCallback } from '../webhook/viber-callback.parser';
import { ViberRefusalLog } from '../webhook/webhook-refusal.log';

/** What the webhook answers Viber. */
export interface ViberWebhookAnswer {
  /** HTTP status. */
  readonly status: number;
  /** JSON body: the welcome message of a `conversation_started`, else none. */
  readonly body?: ViberOutgoingMessage;
}

const OK: ViberWebhookAnswer = Object.freeze({ status: 200 });

/** Outcome of running the handlers of one callback. */
export interface ViberRunOutcome {
  /** Whether a handler (or its reply) failed. */
  failed: boolean;
  /** Each failure: `Class.method: message`. */
  errors: string[];
}

/**
 * What a bot needs from its queue (`queue` option): storing callbacks, and stopping the workers
 * at shutdown before the client closes.
 * @internal
 */
export interface ViberBotQueue {
  /** Stores a callback as a job; rejects with `ViberQueueUnavailableError` when it cannot. */
  ingest(callback: ViberCallback, rawBody: Buffer): Promise<void>;
  /** Stops the workers (running jobs finish within `timeoutMs`) and closes the connections. */
  close(timeoutMs: number): Promise<void>;
  /** Claims the `set_webhook` of a registration for this replica for `ttlMs`; true for one replica. */
  claimSetWebhook(registration: object, ttlMs: number): Promise<boolean>;
  /** Drops this replica's claim (its `set_webhook` failed). */
  releaseSetWebhook(registration: object): Promise<void>;
}

/** Events that stay inline with a queued webhook: their answer carries what the handler returns. */
const INLINE_EVENTS: ReadonlySet<string> = new Set(['conversation_started', 'webhook']);

const UNAVAILABLE: ViberWebhookAnswer = Object.freeze({ status: 503 });

/** Resolves with the promise's value, or with `'deadline'` after `ms` (the timer is always cleared). */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'deadline'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(resolve, ms, 'deadline');
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every callback event this library knows. */
const VIBER_CALLBACK_EVENTS: readonly ViberEventName[] = [
  'webhook',
  'subscribed',
  'unsubscribed',
  'conversation_started',
  'message',
  'delivered',
  'seen',
  'failed',
  'client_status',
];
/** Events the subscriber registry records (see `observationOf`). */
const VIBER_RECORDED_EVENTS: ReadonlySet<string> = new Set([
  'subscribed',
  'unsubscribed',
  'conversation_started',
  'message',
]);
const NO_EVENTS: ReadonlySet<string> = new Set();

/** Users whose events carry a user to reply to. */
const REPLYABLE_EVENTS: ReadonlySet<string> = new Set(['message', 'subscribed', 'client_status']);

/**
 * One bot at run time: its options, client and route table, and the handling of each callback
 * (dedupe, dispatch through the handlers, replies, the welcome message, the answer deadline).
 */
export class ViberBot implements OnModuleDestroy, BeforeApplicationShutdown {
  /** The bot's handlers, filled once at startup by the explorer. */
  readonly routes = new ViberRouteTable();
  /** Rate-limited log of refused webhook requests. */
  readonly refusals: ViberRefusalLog;
  private readonly logger: Logger;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly deniedRoutes = new WeakSet<object>();
  private idleEvents?: ReadonlySet<string>;
  private isClosing = false;
  private queue?: ViberBotQueue;

  constructor(
    /** The bot's resolved options. */
    readonly options: ResolvedViberOptions,
    /** The bot's client. */
    readonly client: ViberClient,
    private readonly dedupe: ViberDedupeStore,
    /** The bot's subscriber registry. */
    readonly subscribers: ViberSubscribers,
    /** Sessions, scenes and per-user ordering; undefined without `conversations` (none of it runs). */
    readonly conversations?: ViberConversations,
  ) {
    this.logger = new Logger(`Viber:${options.name}`);
    this.refusals = new ViberRefusalLog(this.logger);
    conversations?.useHookRunner(async (hook, ctx) => {
      await this.invoke(hook, ctx, undefined, { failed: false, errors: [] });
    });
  }

  /** The bot's name. */
  get name(): string {
    return this.options.name;
  }

  /** Number of callbacks whose handlers are still running. */
  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * Gives the bot its queue (the `queue` option): with `webhook.mode: 'queue'` callbacks are
   * stored as jobs, and the workers stop before the client closes at shutdown.
   * @internal
   */
  attachQueue(queue: ViberBotQueue): void {
    this.queue = queue;
  }

  /**
   * The bot's queue, when it has the `queue` option.
   * @internal
   */
  get queued(): ViberBotQueue | undefined {
    return this.queue;
  }

  /**
   * Handles a callback body whose signature was checked: parse, validate, dedupe, dispatch. With
   * a queued webhook, stores it instead (answered 200 once stored, 503 when it cannot be).
   * Throws `ViberCallbackParseError` (answered 400) for bodies that are not a valid callback.
   */
  async receive(rawBody: Buffer): Promise<ViberWebhookAnswer> {
    const parsed = parseViberCallback(rawBody);
    if (!parsed.known) {
      this.logger.debug(`Ignoring unknown event "${parsed.event.slice(0, 64)}"`);
      return OK;
    }
    const { callback } = parsed;
    // Nothing wants this event (no handler, not the subscriber registry): a valid callback is
    // answered at once, without the dispatch machinery. After a broadcast, Viber sends millions
    // of `delivered` and `seen`.
    if (this.idle().has(callback.event)) return OK;
    if (this.queue && this.options.webhook.mode === 'queue' && !INLINE_EVENTS.has(callback.event)) {
      try {
        await this.queue.ingest(callback, rawBody);
        return OK;
      } catch (error) {
        this.refusals.refused(
          'callback not queued',
          503,
          error instanceof Error ? error.message : String(error),
        );
        return UNAVAILABLE;
      }
    }
    return this.dispatch(callback);
  }

  /**
   * Runs the handlers of a queued callback (a worker of the queued webhook): records the
   * subscriber and runs every matching handler through Nest's pipeline, as `dispatch` does,
   * without a deadline or the dedupe store (the queue stored the callback once).
   * @internal
   */
  async handleQueued(callback: ViberCallback): Promise<ViberRunOutcome> {
    await this.subscribers.record(callback);
    const ctx = new ViberContext(callback, this.client, this.options.name);
    const run = this.run(ctx);
    const tracked = run.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return run;
  }

  /**
   * Events nothing acts on: no handler routed (for `message`, no fallback either) and not
   * recorded by the subscriber registry. Computed once, after the explorer built the routes.
   */
  private idle(): ReadonlySet<string> {
    if (this.idleEvents) return this.idleEvents;
    const recorded = this.subscribers.recording ? VIBER_RECORDED_EVENTS : NO_EVENTS;
    const idle = new Set<string>();
    for (const event of VIBER_CALLBACK_EVENTS) {
      if (this.routes.get(event).length > 0 || recorded.has(event)) continue;
      if (event === 'message' && this.routes.get('unhandled').length > 0) continue;
      idle.add(event);
    }
    this.idleEvents = idle;
    return idle;
  }

  /**
   * Runs the handlers of a validated callback and returns the answer for Viber. Handlers get up
   * to `handling.deadlineMs`; slower ones go on in the background after the answer.
   */
  async dispatch(callback: ViberCallback): Promise<ViberWebhookAnswer> {
    // With conversations: the callback's place in its user's line, taken before anything awaits.
    const turn = this.conversations?.arrive(callback);
    const { handling } = this.options;
    const dedupeKey = handling.dedupeEvents.has(callback.event)
      ? `${this.options.name}:${callback.event}:${callback.message_token}`
      : undefined;
    if (dedupeKey !== undefined && !(await this.claim(dedupeKey))) {
      turn?.cancel();
      this.logger.debug(`Duplicate ${callback.event} ${callback.message_token}: already handled`);
      return OK;
    }

    await this.subscribers.record(callback);

    let welcome: ViberOutgoingMessage | undefined;
    let answered = false;
    const sink =
      callback.event === 'conversation_started'
        ? (reply: ViberReply): boolean => {
            if (answered || welcome !== undefined) return false;
            welcome = this.toWelcome(reply);
            return welcome !== undefined;
          }
        : undefined;
    const ctx = new ViberContext(callback, this.client, this.options.name, sink);
    const run = turn
      ? turn.run(ctx, (c, conversation) => this.run(c, conversation))
      : this.run(ctx);
    const tracked = run.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);

    const outcome = await settleWithin(run, handling.deadlineMs);
    answered = true;
    if (outcome === 'deadline') {
      turn?.answeredWhileWaiting();
      this.logger.warn(
        `Handlers of ${callback.event} ${callback.message_token} still running after ${handling.deadlineMs} ms: answered, they go on in the background`,
      );
      return welcome ? { status: 200, body: welcome } : OK;
    }
    if (outcome.failed && handling.errorStatus !== 200) {
      if (dedupeKey !== undefined) await this.release(dedupeKey);
      return { status: handling.errorStatus };
    }
    return welcome ? { status: 200, body: welcome } : OK;
  }

  /** True once the app began shutting down: new callbacks are refused (503, Viber re-sends). */
  get closing(): boolean {
    return this.isClosing;
  }

  /** Shutdown, step 1: refuse new callbacks and stop running broadcasts at their next request. */
  onModuleDestroy(): void {
    this.isClosing = true;
    this.client.stopBroadcasts();
  }

  /**
   * Shutdown, step 2: let running handlers and the requests on the wire finish, both within
   * `handling.shutdownTimeoutMs`, then close the client (which releases its connections). A
   * request still on the wire then is aborted; a broadcast reports its receivers as uncertain,
   * never as not sent.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.isClosing = true;
    this.client.stopBroadcasts();
    const timeoutMs = this.options.handling.shutdownTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    // Workers first: their running jobs finish (within the timeout) while the client is open.
    if (this.queue) await this.queue.close(timeoutMs);
    const pending = this.inFlight.size;
    if (pending > 0) this.logger.log(`Shutting down: waiting for ${pending} running callback(s)`);
    await this.drain(timeoutMs);
    if (this.inFlight.size > 0) {
      this.logger.warn(
        `Shutting down with ${this.inFlight.size} callback(s) still running after ${timeoutMs} ms`,
      );
    }
    // Callbacks still waiting for their user's turn do not start any more.
    this.conversations?.close();
    const idle = await this.client.drain(Math.max(0, deadline - Date.now()));
    if (!idle) {
      this.logger.warn(
        `Shutting down with ${this.client.requestsInFlight} Viber request(s) unanswered after ${timeoutMs} ms: aborted, their outcome is unknown`,
      );
    }
    this.client.close();
  }

  /** Resolves when every running handler finished, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    await settleWithin(Promise.allSettled([...this.inFlight]), timeoutMs);
  }

  /**
   * Claims a callback in the dedupe store. A store failure (Redis down) fails open: the callback
   * is handled, since a possible duplicate is better than a lost message.
   */
  private async claim(key: string): Promise<boolean> {
    try {
      return await this.dedupe.claim(key, this.options.handling.dedupeTtlMs);
    } catch (error) {
      this.logger.error(
        `Dedupe store failed, handling the callback anyway: ${error instanceof Error ? error.message : String(error)}`,
      );
      return true;
    }
  }

  private async release(key: string): Promise<void> {
    try {
      await this.dedupe.release(key);
    } catch (error) {
      this.logger.error(
        `Dedupe store release failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /**
   * Runs every matching handler in order; never rejects. With a conversation, only the routes of
   * the scene the user was in run, and entering or leaving a scene ends the list.
   */
  private async run(ctx: ViberContext, conversation?: ViberConversation): Promise<ViberRunOutcome> {
    const callback = ctx.callback;
    const outcome: ViberRunOutcome = { failed: false, errors: [] };
    let ran = 0;
    for (const route of this.routes.get(callback.event)) {
      if (conversation && !conversation.admits(route)) continue;
      const match = route.matcher ? route.matcher(callback) : undefined;
      if (match === null) continue;
      if (await this.invoke(route, ctx, match, outcome)) ran++;
      if (conversation?.sceneChanged) return outcome;
    }
    // The fallback also runs when every matching handler was skipped by its guard.
    if (ran === 0 && callback.event === 'message') {
      for (const route of this.routes.get('unhandled')) {
        if (conversation && !conversation.admits(route)) continue;
        await this.invoke(route, ctx, undefined, outcome);
        if (conversation?.sceneChanged) return outcome;
      }
    }
    return outcome;
  }

  /** Runs one handler; false when its guard denied it (the handler did not run). */
  private async invoke(
    route: Pick<ViberRoute, 'name' | 'invoke'>,
    ctx: ViberContext,
    match: ViberRouteMatch | undefined,
    outcome: ViberRunOutcome,
  ): Promise<boolean> {
    // A handler whose pattern matched gets its own copy with its match and params.
    const view = match && match !== ALWAYS ? ctx.withMatch(match.match, match.params) : ctx;
    let result: unknown;
    try {
      result = await route.invoke(view);
    } catch (error) {
      if (isGuardDenial(error)) {
        this.reportDenial(route, ctx);
        return false;
      }
      outcome.failed = true;
      outcome.errors.push(
        `${route.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
      this.logger.error(
        `${route.name} failed on ${ctx.event} ${ctx.callback.message_token}: ${error instanceof Error ? error.message : String(error)}`,
        error instanceof Error ? error.stack : undefined,
      );
      return true;
    }
    if (result !== undefined && result !== null) {
      await this.replyWith(route, ctx, result as ViberReply, outcome);
    }
    return true;
  }

  /**
   * A guard denied a handler: said once per handler at the level users see (a global HTTP guard
   * that skips every Viber handler is otherwise invisible), then at debug level.
   */
  private reportDenial(route: Pick<ViberRoute, 'name'>, ctx: ViberContext): void {
    if (this.deniedRoutes.has(route)) {
      this.logger.debug(
        `${route.name} skipped: a guard denied ${ctx.event} ${ctx.callback.message_token}`,
      );
      return;
    }
    this.deniedRoutes.add(route);
    this.logger.warn(
      `${route.name} skipped: a guard denied ${ctx.event} ${ctx.callback.message_token} (said once per handler; later denials at debug level). A global HTTP guard? Let Viber handlers through with isViberContext(context), or webhook.routeMetadata (see the README, "Global guards").`,
    );
  }

  private async replyWith(
    route: Pick<ViberRoute, 'name'>,
    ctx: ViberContext,
    reply: ViberReply,
    outcome: ViberRunOutcome,
  ): Promise<void> {
    if (!REPLYABLE_EVENTS.has(ctx.event) && ctx.event !== 'conversation_started') {
      this.logger.warn(
        `${route.name} returned a value for ${ctx.event}, which cannot be replied to: ignored`,
      );
      return;
    }
    try {
      await ctx.reply(reply);
    } catch (error) {
      outcome.failed = true;
      outcome.errors.push(
        `reply of ${route.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
      this.logger.error(
        `Reply of ${route.name} to ${ctx.event} ${ctx.callback.message_token} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Turns a handler's return value into the welcome message (first message only). */
  private toWelcome(reply: ViberReply): ViberOutgoingMessage | undefined {
    const first = Array.isArray(reply)
      ? (reply as ReadonlyArray<ViberOutgoingMessage | string>)[0]
      : reply;
    if (Array.isArray(reply) && reply.length > 1) {
      this.logger.warn(
        'A conversation_started handler returned several messages: only the first is the welcome message',
      );
    }
    if (first === undefined) return undefined;
    try {
      return this.client.prepareWelcomeMessage(first as ViberOutgoingMessage | string);
    } catch (error) {
      this.logger.error(
        `Invalid welcome message: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
  }
}
