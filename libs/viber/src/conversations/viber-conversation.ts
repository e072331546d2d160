import type { ViberContext } from '../context/viber-context';
import { ViberUsageError } from '../errors/viber-usage.error';
import type { ViberRoute } from '../routing/viber-route-table';
import type { ViberReply } from '../types/message.types';
import type {
  ViberSceneDefinition,
  ViberSceneHook,
  ViberSceneRegistry,
} from './scenes/viber-scene.registry';
import type {
  ViberConversationHandle,
  ViberSceneContext,
  ViberWizardContext,
} from './viber-conversation.types';
import type {
  ViberSceneRecord,
  ViberSceneState,
  ViberSessionData,
  ViberSessionRecord,
} from './viber-session.types';

/** Runs a scene hook through Nest's pipeline, with the callback's context (the bot's job). */
export type ViberSceneHookRunner = (hook: ViberSceneHook, ctx: ViberContext) => Promise<void>;

/** Stamps the conversation on outgoing messages (stateless mode). */
export type ViberConversationStamper = (
  record: ViberSessionRecord,
  reply: ViberReply,
) => ViberReply;

/** A frozen empty state: what `ctx.scene.state` reads outside scenes (a write throws). */
const NO_STATE: ViberSceneState = Object.freeze({});

/** How deep enter/leave may nest (a `@SceneEnter` that enters another scene…). */
const MAX_SCENE_DEPTH = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The conversation of one callback: the user's session and scene as loaded when its turn began,
 * what the handlers change, and the scene routing of this callback (decided by the scene and step
 * the user was in when it arrived).
 * @internal
 */
export class ViberConversation implements ViberConversationHandle {
  session: ViberSessionData;
  /** Where the user is now. */
  private current: ViberSceneRecord | undefined;
  /** Where the user was when the callback's turn began: what routes this callback. */
  private readonly startScene: string | undefined;
  private readonly startStep: number | undefined;
  /** Scene changes (enter/leave) during this callback. */
  private changes = 0;
  private depth = 0;
  private readonly pending = new Set<Promise<unknown>>();
  private ctx: ViberContext | undefined;
  private lastStamp: string | undefined;
  private sceneView: ViberSceneContext | undefined;
  private wizardView: ViberWizardContext | undefined;

  constructor(
    record: ViberSessionRecord,
    private readonly scenes: ViberSceneRegistry,
    private readonly runHook: ViberSceneHookRunner,
    private readonly stamper?: ViberConversationStamper,
  ) {
    this.session = record.session;
    this.current = record.scene;
    this.startScene = record.scene?.id;
    this.startStep = record.scene?.step;
  }

  /** Binds the conversation to the context its hooks run with. */
  bind(ctx: ViberContext): void {
    this.ctx = ctx;
  }

  /**
   * Whether a route runs for this callback: routes of a scene while the user was in it (and at its
   * step), routes outside scenes while the user was in none, routes without a scope always.
   */
  admits(route: ViberRoute): boolean {
    const scope = route.scope;
    if (scope === undefined) return true;
    if (scope.scene === undefined) return this.startScene === undefined;
    return (
      scope.scene === this.startScene && (scope.step === undefined || scope.step === this.startStep)
    );
  }

  /** True once a handler entered or left a scene: the rest of this callback's handlers are skipped. */
  get sceneChanged(): boolean {
    return this.changes > 0;
  }

  /** The record to save. */
  toRecord(): ViberSessionRecord {
    const record: ViberSessionRecord = { session: this.session };
    if (this.current) record.scene = this.current;
    return record;
  }

  /** The JSON of the record as last stamped on a reply (stateless mode). */
  get stamped(): string | undefined {
    return this.lastStamp;
  }

  /** Resolves once every enter/leave started by the handlers finished (their hooks included). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** {@inheritDoc ViberConversationHandle.outgoing} */
  outgoing(reply: ViberReply): ViberReply {
    if (!this.stamper) return reply;
    const record = this.toRecord();
    const stamped = this.stamper(record, reply);
    this.lastStamp = JSON.stringify(record);
    return stamped;
  }

  /** `ctx.scene`. */
  get scene(): ViberSceneContext {
    if (this.sceneView) return this.sceneView;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.sceneView = {
      get current(): string | undefined {
        return self.current?.id;
      },
      get state(): ViberSceneState {
        return self.current?.state ?? NO_STATE;
      },
      set state(value: ViberSceneState) {
        self.setState(value, 'ctx.scene.state');
      },
      // Usage errors throw at the call, even when the promise is not awaited.
      enter: (id, state) => this.startEnter(id, state),
      leave: () => this.track(this.leave()),
    };
    return this.sceneView;
  }

  /** `ctx.wizard`. */
  get wizard(): ViberWizardContext {
    if (this.wizardView) return this.wizardView;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.wizardView = {
      get step(): number | undefined {
        return self.current?.step;
      },
      get state(): ViberSceneState {
        return self.current?.state ?? NO_STATE;
      },
      set state(value: ViberSceneState) {
        self.setState(value, 'ctx.wizard.state');
      },
      next: () => this.move('next'),
      back: () => this.move('back'),
      selectStep: (step) => this.move('select', step),
    };
    return this.wizardView;
  }

  private setState(value: ViberSceneState, what: string): void {
    if (!this.current) throw new ViberUsageError(`${what} cannot be set outside a scene`);
    if (!isPlainObject(value)) throw new ViberUsageError(`${what} must be an object`);
    this.current.state = value;
  }

  private track(work: Promise<void>): Promise<void> {
    this.pending.add(work);
    const done = (): void => {
      this.pending.delete(work);
    };
    work.then(done, done);
    return work;
  }

  private definition(id: string): ViberSceneDefinition {
    const scene = this.scenes.get(id);
    if (scene) return scene;
    const known = this.scenes.ids();
    throw new ViberUsageError(
      `ctx.scene.enter('${id}'): no @Scene or @Wizard "${id}" is routed to this bot (${known.length ? `known: ${known.map((k) => `"${k}"`).join(', ')}` : 'none is'})`,
    );
  }

  /** Checks an enter at the call (usage errors throw there), then enters. */
  private startEnter(id: string, state: ViberSceneState | undefined): Promise<void> {
    const next = this.definition(id);
    if (state !== undefined && !isPlainObject(state)) {
      throw new ViberUsageError(`ctx.scene.enter('${id}', state): state must be an object`);
    }
    return this.track(this.enter(next, state));
  }

  private async enter(
    next: ViberSceneDefinition,
    state: ViberSceneState | undefined,
  ): Promise<void> {
    const id = next.id;
    this.changes++;
    await this.nested(async () => {
      if (this.current) await this.runHooks(this.scenes.get(this.current.id)?.leave);
      this.current = { id, state: state ? { ...state } : {} };
      if (next.kind === 'wizard') this.current.step = next.steps[0];
      await this.runHooks(next.enter);
    });
  }

  private async leave(): Promise<void> {
    const leaving = this.current;
    if (!leaving) return;
    this.changes++;
    await this.nested(async () => {
      try {
        await this.runHooks(this.scenes.get(leaving.id)?.leave);
      } finally {
        if (this.current === leaving) this.current = undefined;
      }
    });
  }

  /** Moves between steps at once (usage errors throw here); resolves after leaving, if it left. */
  private move(kind: 'next' | 'back' | 'select', target?: number): Promise<void> {
    const what =
      kind === 'select' ? `ctx.wizard.selectStep(${String(target)})` : `ctx.wizard.${kind}()`;
    const current = this.current;
    const wizard = current ? this.scenes.get(current.id) : undefined;
    if (!current || wizard?.kind !== 'wizard') {
      throw new ViberUsageError(
        `${what} outside a wizard (the user is ${current ? `in the scene "${current.id}"` : 'in no scene'})`,
      );
    }
    const steps = wizard.steps;
    const index = steps.indexOf(current.step ?? Number.NaN);
    if (kind === 'select') {
      if (target === undefined || !steps.includes(target)) {
        throw new ViberUsageError(
          `${what}: the wizard "${wizard.id}" has steps ${steps.join(', ')}`,
        );
      }
      current.step = target;
    } else if (kind === 'back') {
      current.step = steps[Math.max(0, index - 1)];
    } else if (index + 1 < steps.length) {
      current.step = steps[index + 1];
    } else {
      return this.track(this.leave());
    }
    return Promise.resolve();
  }

  private async nested(work: () => Promise<void>): Promise<void> {
    if (this.depth >= MAX_SCENE_DEPTH) {
      throw new ViberUsageError(
        `scenes entered or left ${MAX_SCENE_DEPTH} levels deep (a @SceneEnter or @SceneLeave that enters a scene that enters…)`,
      );
    }
    this.depth++;
    try {
      await work();
    } finally {
      this.depth--;
    }
  }

  private async runHooks(hooks: readonly ViberSceneHook[] | undefined): Promise<void> {
    if (!hooks?.length || !this.ctx) return;
    for (const hook of hooks) await this.runHook(hook, this.ctx);
  }
}
