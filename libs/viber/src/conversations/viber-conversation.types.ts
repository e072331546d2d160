import type { ViberReply } from '../types/message.types';
import type { ViberSessionData, ViberSceneState } from './viber-session.types';

/** `ctx.scene`: where the user is, and moving between scenes. */
export interface ViberSceneContext {
  /** The id of the scene (or wizard) the user is in; undefined outside scenes. */
  readonly current: string | undefined;
  /**
   * The scene's state: kept while the user is in the scene, dropped when they leave. Mutate it in
   * place or assign a new object. Outside scenes it reads as an empty, frozen object.
   */
  state: ViberSceneState;
  /**
   * Enters a scene or wizard (a wizard starts at its first step): runs the current scene's
   * `@SceneLeave` methods, then the new one's `@SceneEnter` methods. The handlers that would have
   * run after the calling one for this callback do not run. Rejects with a `ViberUsageError` for
   * an unknown id.
   */
  enter(id: string, state?: ViberSceneState): Promise<void>;
  /** Leaves the current scene (`@SceneLeave` methods run); nothing happens outside scenes. */
  leave(): Promise<void>;
}

/** `ctx.wizard`: the steps of the wizard the user is in. Outside a wizard its moves throw. */
export interface ViberWizardContext {
  /** The current step (a `@WizardStep(n)` number); undefined outside wizards. */
  readonly step: number | undefined;
  /** The wizard's state (the same object as `ctx.scene.state`). */
  state: ViberSceneState;
  /**
   * Moves to the next step; on the last step, leaves the wizard. The step changes at once and is
   * the one the user's next message is handled in (not this callback's other handlers).
   */
  next(): Promise<void>;
  /** Moves to the previous step (stays on the first). */
  back(): Promise<void>;
  /** Moves to step `step`, which must be one of the wizard's `@WizardStep` numbers. */
  selectStep(step: number): Promise<void>;
}

/**
 * What a {@link ViberContext} reads from the conversation of its callback.
 * @internal
 */
export interface ViberConversationHandle {
  session: ViberSessionData;
  readonly scene: ViberSceneContext;
  readonly wizard: ViberWizardContext;
  /** The reply with the conversation stamped on it (stateless mode), or as given. */
  outgoing(reply: ViberReply): ViberReply;
}
