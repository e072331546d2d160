import { Logger, type BeforeApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import type { ViberClient } from '../client/viber-client';
import { ViberContext } from '../context/viber-context';
import type { ViberDedupeStore } from '../dedupe/viber-dedupe.store';
import {
  NOOP_INSTRUMENTATION,
  type ViberCallbackProbe,
  type ViberInstrumentation,
} from '../observability/viber-instrumentation';
import type { ViberSubscribers } from '../subscribers/viber-subscribers.service';
import type { ResolvedViberOptions } from '../viber-options.resolver';
import { isGuardDenial } from '../routing/guard-denial';
import { ALWAYS, type ViberRouteMatch } from '../routing/viber-listener.metadata';
import { ViberRouteTable, type ViberRoute } from '../routing/viber-route-table';
import type { ViberCallback } from '../types/callback.types';
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
interface RunOutcome {
  failed: boolean;
  /** The callback's instrumentation (metrics, spans). */
  readonly probe: ViberCallbackProbe;
}

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
  private readonly deniedRoutes = new WeakSet<ViberRoute>();
  private isClosing = false;

  constructor(
    /** The bot's resolved options. */
    readonly options: ResolvedViberOptions,
    /** The bot's client. */
    readonly client: ViberClient,
    private readonly dedupe: ViberDedupeStore,
    /** The bot's subscriber registry. */
    readonly subscribers: ViberSubscribers,
    /** What the bot reports to metrics and traces (the no-op unless configured). */
    readonly instrumentation: ViberInstrumentation = NOOP_INSTRUMENTATION,
  ) {
    this.logger = new Logger(`Viber:${options.name}`);
    this.refusals = new ViberRefusalLog(
      this.logger,
      undefined,
      undefined,
      instrumentation.active ? (kind) => instrumentation.callbackRefused(kind) : undefined,
    );
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
   * Handles a callback body whose signature was checked: parse, validate, dedupe, dispatch.
   * Throws `ViberCallbackParseError` (answered 400) for bodies that are not a valid callback.
   */
  async receive(rawBody: Buffer): Promise<ViberWebhookAnswer> {
    const parsed = parseViberCallback(rawBody);
    if (!parsed.known) {
      this.instrumentation.callbackIgnored();
      this.logger.debug(`Ignoring unknown event "${parsed.event.slice(0, 64)}"`);
      return OK;
    }
    return this.dispatch(parsed.callback);
  }

  /**
   * Runs the handlers of a validated callback and returns the answer for Viber. Handlers get up
   * to `handling.deadlineMs`; slower ones go on in the background after the answer.
   */
  async dispatch(callback: ViberCallback): Promise<ViberWebhookAnswer> {
    const { handling } = this.options;
    const probe = this.instrumentation.callbackStarted(callback.event, callback.message_token);
    const dedupeKey = handling.dedupeEvents.has(callback.event)
      ? `${this.options.name}:${callback.event}:${callback.message_token}`
      : undefined;
    if (dedupeKey !== undefined && !(await this.claim(dedupeKey))) {
      probe.duplicate();
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
    const run = probe.run(() => this.run(ctx, probe));
    const tracked = run.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);

    const outcome = await settleWithin(run, handling.deadlineMs);
    answered = true;
    if (outcome === 'deadline') {
      probe.deadlineExceeded();
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
    const pending = this.inFlight.size;
    if (pending > 0) this.logger.log(`Shutting down: waiting for ${pending} running callback(s)`);
    await this.drain(timeoutMs);
    if (this.inFlight.size > 0) {
      this.logger.warn(
        `Shutting down with ${this.inFlight.size} callback(s) still running after ${timeoutMs} ms`,
      );
    }
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

  /** Runs every matching handler in order; never rejects. */
  private async run(ctx: ViberContext, probe: ViberCallbackProbe): Promise<RunOutcome> {
    const callback = ctx.callback;
    const outcome: RunOutcome = { failed: false, probe };
    let ran = 0;
    for (const route of this.routes.get(callback.event)) {
      const match = route.matcher ? route.matcher(callback) : undefined;
      if (match === null) continue;
      if (await this.invoke(route, ctx, match, outcome)) ran++;
    }
    // The fallback also runs when every matching handler was skipped by its guard.
    if (ran === 0 && callback.event === 'message') {
      for (const route of this.routes.get('unhandled'))
        await this.invoke(route, ctx, undefined, outcome);
    }
    probe.end(outcome.failed);
    return outcome;
  }

  /** Runs one handler; false when its guard denied it (the handler did not run). */
  private async invoke(
    route: ViberRoute,
    ctx: ViberContext,
    match: ViberRouteMatch | undefined,
    outcome: RunOutcome,
  ): Promise<boolean> {
    // A handler whose pattern matched gets its own copy with its match and params.
    const view = match && match !== ALWAYS ? ctx.withMatch(match.match, match.params) : ctx;
    const handler = outcome.probe.handler(route.name);
    let result: unknown;
    try {
      result = await handler.run(() => route.invoke(view));
    } catch (error) {
      if (isGuardDenial(error)) {
        handler.end('denied');
        this.reportDenial(route, ctx);
        return false;
      }
      handler.end('error', error);
      outcome.failed = true;
      this.logger.error(
        `${route.name} failed on ${ctx.event} ${ctx.callback.message_token}: ${error instanceof Error ? error.message : String(error)}`,
        error instanceof Error ? error.stack : undefined,
      );
      return true;
    }
    const replied =
      result === undefined ||
      result === null ||
      (await handler.run(() => this.replyWith(route, ctx, result as ViberReply, outcome)));
    handler.end(replied ? 'ok' : 'error');
    return true;
  }

  /**
   * A guard denied a handler: said once per handler at the level users see (a global HTTP guard
   * that skips every Viber handler is otherwise invisible), then at debug level.
   */
  private reportDenial(route: ViberRoute, ctx: ViberContext): void {
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
    route: ViberRoute,
    ctx: ViberContext,
    reply: ViberReply,
    outcome: RunOutcome,
  ): Promise<boolean> {
    if (!REPLYABLE_EVENTS.has(ctx.event) && ctx.event !== 'conversation_started') {
      this.logger.warn(
        `${route.name} returned a value for ${ctx.event}, which cannot be replied to: ignored`,
      );
      return true;
    }
    try {
      await ctx.reply(reply);
      return true;
    } catch (error) {
      outcome.failed = true;
      this.logger.error(
        `Reply of ${route.name} to ${ctx.event} ${ctx.callback.message_token} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
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
