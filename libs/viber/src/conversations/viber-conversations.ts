import type { Logger } from '@nestjs/common';
import { attachConversation, type ViberContext } from '../context/viber-context';
import { ViberValidationError } from '../errors/viber-validation.error';
import type { ViberCallback } from '../types/callback.types';
import type { ViberOutgoingMessage } from '../types/message.types';
import { ViberUserTurns, type ViberUserTurn } from './ordering/user-turns';
import { ViberSceneRegistry } from './scenes/viber-scene.registry';
import { TrackingDataCodec } from './stateless/tracking-data.codec';
import {
  isSessionLocking,
  type ViberSessionLease,
  type ViberSessionStore,
} from './stores/viber-session.store';
import {
  ViberConversation,
  type ViberConversationStamper,
  type ViberSceneHookRunner,
} from './viber-conversation';
import type { ViberSessionRecord } from './viber-session.types';

/** The `conversations` options of a bot, with every default applied. @internal */
export interface ResolvedConversationsOptions {
  /** Where records live (absent in stateless mode). */
  readonly store?: ViberSessionStore;
  readonly ttlMs: number;
  /** The HMAC key of stateless mode (absent: a store is used). */
  readonly statelessKey?: Buffer;
  readonly leaseMs: number;
  readonly turnTimeoutMs: number;
}

/** What running a callback's handlers reports (the bot's outcome). */
export interface ViberTurnOutcome {
  failed: boolean;
}

/** Events that run inside conversations: they name a user and carry what the user does. */
const CONVERSATION_EVENTS: ReadonlySet<string> = new Set([
  'message',
  'conversation_started',
  'subscribed',
  'unsubscribed',
  'client_status',
]);

const EMPTY_JSON = JSON.stringify({ session: {} });

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function userIdOf(callback: ViberCallback): string | undefined {
  const record = callback as unknown as Record<string, unknown>;
  const user = (record.sender ?? record.user) as { id?: unknown } | undefined;
  const id = user?.id ?? record.user_id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/**
 * A bot's conversations: per-user ordering of callbacks, sessions loaded before and saved after
 * the handlers, and the scenes and wizards the explorer found. The bot calls {@link arrive} when
 * a callback comes in and runs its handlers through the returned turn; without `conversations`
 * in the options the bot has none of this (no line, no load, no save).
 * @internal
 */
export class ViberConversations {
  /** The bot's scenes and wizards, filled at startup by the explorer. */
  readonly scenes = new ViberSceneRegistry();
  private readonly turns: ViberUserTurns;
  private readonly codec?: TrackingDataCodec;
  private readonly stop = new AbortController();
  private runHook: ViberSceneHookRunner = () => Promise.resolve();

  constructor(
    readonly options: ResolvedConversationsOptions,
    private readonly botName: string,
    readonly logger: Logger,
  ) {
    const store = options.statelessKey ? undefined : options.store;
    this.turns = new ViberUserTurns(isSessionLocking(store) ? store : undefined, options.leaseMs);
    if (options.statelessKey) {
      this.codec = new TrackingDataCodec(options.statelessKey, botName, options.ttlMs);
    }
  }

  /** Whether the conversation rides in `tracking_data` instead of a store. */
  get stateless(): boolean {
    return this.codec !== undefined;
  }

  /** Number of users with a callback running or waiting in this process. */
  get activeUsers(): number {
    return this.turns.activeUsers;
  }

  /** Sets how scene hooks run (the bot's handler invocation). */
  useHookRunner(runner: ViberSceneHookRunner): void {
    this.runHook = runner;
  }

  /**
   * Takes the callback's place in its user's line, synchronously (call it before anything else
   * awaits, so the line follows arrival order). Undefined for events outside conversations.
   */
  arrive(callback: ViberCallback): ViberConversationTurn | undefined {
    if (!CONVERSATION_EVENTS.has(callback.event)) return undefined;
    const userId = userIdOf(callback);
    if (userId === undefined) return undefined;
    const key = `${this.botName}:${userId}`;
    return new ViberConversationTurn(this, this.turns.arrive(key), userId, callback);
  }

  /** Stops callbacks still waiting for their turn (shutdown): they do not run. */
  close(): void {
    this.stop.abort(new Error('the app is shutting down'));
  }

  /** Aborts waits at shutdown. @internal */
  get signal(): AbortSignal {
    return this.stop.signal;
  }

  /** Runs a scene hook. @internal */
  hook: ViberSceneHookRunner = (hook, ctx) => this.runHook(hook, ctx);

  /** Loads a user's record (store or tracking data), dropping a scene the bot no longer has. @internal */
  async load(
    key: string,
    userId: string,
    callback: ViberCallback,
  ): Promise<{ record: ViberSessionRecord; json: string }> {
    let record: ViberSessionRecord | undefined;
    if (this.codec) {
      const trackingData =
        callback.event === 'message' ? callback.message.tracking_data : undefined;
      record = this.codec.decode(userId, trackingData);
      if (!record && TrackingDataCodec.isOurs(trackingData)) {
        this.logger.debug(
          `Tracking data of ${userId} failed its check (tampered, expired or another key): outside any scene`,
        );
      }
    } else {
      record = await this.options.store!.get(key);
    }
    if (!record) return { record: { session: {} }, json: EMPTY_JSON };
    const json = JSON.stringify(record);
    if (record.session === null || typeof record.session !== 'object') record.session = {};
    const scene = record.scene;
    if (scene) {
      const definition = this.scenes.get(scene.id);
      const stepOk =
        definition?.kind === 'wizard'
          ? scene.step !== undefined && definition.steps.includes(scene.step)
          : scene.step === undefined;
      if (!definition || !stepOk) {
        this.logger.debug(
          `${userId} was in ${scene.id}${scene.step === undefined ? '' : ` step ${scene.step}`}, which this bot no longer has: outside any scene`,
        );
        delete record.scene;
      } else if (scene.state === null || typeof scene.state !== 'object') {
        scene.state = {};
      }
    }
    return { record, json };
  }

  /** Saves a record after the handlers, when it changed (store mode). @internal */
  async save(
    key: string,
    userId: string,
    conversation: ViberConversation,
    loadedJson: string,
    lease: ViberSessionLease | undefined,
  ): Promise<void> {
    const record = conversation.toRecord();
    const json = JSON.stringify(record);
    if (this.codec) {
      if (json !== loadedJson && json !== conversation.stamped) {
        this.logger.warn(
          `Stateless conversations: the conversation of ${userId} changed after the last reply, so the user's next message carries the earlier one. Enter, leave or move the wizard before replying (or return the reply).`,
        );
      }
      return;
    }
    if (json === loadedJson) return;
    const store = this.options.store!;
    const options = { ttlMs: this.options.ttlMs, lease };
    const empty = json === EMPTY_JSON;
    const saved = empty ? await store.delete(key, options) : await store.set(key, record, options);
    if (saved === false) {
      this.logger.warn(
        `Conversation of ${userId} not saved: its turn lost the lease (it ran longer than the lease or turnTimeoutMs), a later callback of the user owns it`,
      );
    }
  }

  /** Stamps the conversation on outgoing messages (stateless mode). @internal */
  stamper(userId: string): ViberConversationStamper | undefined {
    const codec = this.codec;
    if (!codec) return undefined;
    return (record, reply) => {
      let value: string;
      try {
        value = codec.encode(userId, record);
      } catch (error) {
        throw new ViberValidationError([{ path: 'tracking_data', message: messageOf(error) }]);
      }
      const stamp = (item: ViberOutgoingMessage | string): ViberOutgoingMessage => {
        const message: ViberOutgoingMessage =
          typeof item === 'string' ? { type: 'text', text: item } : item;
        return message.tracking_data === undefined ? { ...message, tracking_data: value } : message;
      };
      return Array.isArray(reply)
        ? (reply as ReadonlyArray<ViberOutgoingMessage | string>).map(stamp)
        : stamp(reply as ViberOutgoingMessage | string);
    };
  }
}

/**
 * One callback's turn: waits for the user's earlier callbacks, loads the conversation, runs the
 * handlers, saves, and hands the turn on. The bot's answer deadline applies around all of it.
 * @internal
 */
export class ViberConversationTurn {
  private started = false;
  private skipped = false;

  constructor(
    private readonly layer: ViberConversations,
    private readonly place: ViberUserTurn,
    private readonly userId: string,
    private readonly callback: ViberCallback,
  ) {}

  /** Gives the place up (a duplicate delivery, or a failure before the handlers). */
  cancel(): void {
    void this.place.cancel();
  }

  /**
   * The webhook answered at its deadline while this callback waited for its turn. A
   * `conversation_started` is then skipped: its welcome message could only travel in that answer.
   * Other callbacks keep their place and run when their turn comes.
   */
  answeredWhileWaiting(): void {
    if (this.started || this.callback.event !== 'conversation_started') return;
    this.skipped = true;
    this.layer.logger.warn(
      `conversation_started of ${this.userId} waited for the user's earlier callbacks past the answer deadline: answered without a welcome message, its handlers skipped`,
    );
  }

  /** Runs the handlers in the user's turn; never rejects. */
  async run(
    ctx: ViberContext,
    handlers: (ctx: ViberContext, conversation: ViberConversation) => Promise<ViberTurnOutcome>,
  ): Promise<ViberTurnOutcome> {
    const { options, logger } = this.layer;
    let lease: ViberSessionLease | undefined;
    try {
      lease = await this.place.start(this.layer.signal);
    } catch (error) {
      await this.place.finish().catch(() => undefined);
      logger.error(
        `${this.callback.event} of ${this.userId} not handled: could not take the user's turn (${messageOf(error)})`,
      );
      return { failed: true };
    }
    if (this.skipped) {
      await this.place.finish().catch(() => undefined);
      return { failed: false };
    }
    this.started = true;
    let expired = false;
    const renewal = lease ? this.renewWhileRunning(lease) : undefined;
    const timer = setTimeout(() => {
      expired = true;
      if (renewal) clearInterval(renewal);
      logger.error(
        `Handlers of ${this.callback.event} of ${this.userId} still running after ${options.turnTimeoutMs} ms (conversations.turnTimeoutMs): the user's next callback goes ahead, and this one's conversation changes will not be saved`,
      );
      void this.place.finish().catch(() => undefined);
    }, options.turnTimeoutMs);
    timer.unref();
    try {
      let loaded: { record: ViberSessionRecord; json: string };
      try {
        loaded = await this.layer.load(this.place.key, this.userId, this.callback);
      } catch (error) {
        logger.error(
          `${this.callback.event} of ${this.userId} not handled: the session store failed (${messageOf(error)})`,
        );
        return { failed: true };
      }
      const conversation = new ViberConversation(
        loaded.record,
        this.layer.scenes,
        this.layer.hook,
        this.layer.stamper(this.userId),
      );
      conversation.bind(ctx);
      attachConversation(ctx, conversation);
      const outcome = await handlers(ctx, conversation);
      await conversation.settled();
      if (!expired) {
        try {
          await this.layer.save(this.place.key, this.userId, conversation, loaded.json, lease);
        } catch (error) {
          logger.error(`Conversation of ${this.userId} not saved: ${messageOf(error)}`);
        }
      }
      return outcome;
    } finally {
      clearTimeout(timer);
      if (renewal) clearInterval(renewal);
      await this.place.finish().catch((error: unknown) => {
        logger.warn(`Lease of ${this.userId} not released: ${messageOf(error)} (it expires)`);
      });
    }
  }

  /** Renews the lease every third of its time while the handlers run. */
  private renewWhileRunning(lease: ViberSessionLease): NodeJS.Timeout {
    const { options, logger } = this.layer;
    const timer = setInterval(
      () => {
        lease.renew().then(
          (held) => {
            if (!held) logger.warn(`Lease of ${this.userId} lost while its handlers ran`);
          },
          (error: unknown) =>
            logger.warn(`Lease of ${this.userId} not renewed: ${messageOf(error)}`),
        );
      },
      Math.max(1, Math.floor(options.leaseMs / 3)),
    );
    timer.unref();
    return timer;
  }
}
