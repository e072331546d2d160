/**
 * The data of a user's conversation with one bot: types only (the leaf every conversation module
 * and the context import).
 */

/**
 * What `ctx.session` / `@Session()` hold: any JSON-serializable values, per user and bot. Type it
 * for the whole app by augmenting this interface, or type the parameter (`@Session() s: Cart`):
 *
 * ```ts
 * declare module 'nestjs-viber' {
 *   interface ViberSessionData { visits?: number }
 * }
 * ```
 */
export interface ViberSessionData {
  [key: string]: unknown;
}

/** The state of a scene or wizard (`ctx.scene.state`): JSON-serializable, dropped on leave. */
export type ViberSceneState = Record<string, unknown>;

/** Where a user is: the scene (or wizard) and, in a wizard, the step. */
export interface ViberSceneRecord {
  /** The `@Scene(id)` / `@Wizard(id)` id. */
  id: string;
  /** The current `@WizardStep(n)` (wizards only). */
  step?: number;
  /** `ctx.scene.state`. */
  state: ViberSceneState;
}

/**
 * What a session store keeps per user: the session and the scene the user is in. Plain JSON;
 * a store may keep it as text or in a JSON column.
 */
export interface ViberSessionRecord {
  /** `ctx.session`. */
  session: ViberSessionData;
  /** The scene the user is in; absent outside scenes. */
  scene?: ViberSceneRecord;
}
