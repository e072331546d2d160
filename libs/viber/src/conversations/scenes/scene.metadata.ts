/** Metadata of scenes and wizards: what the decorators write and the explorer reads at startup. */

/** Metadata key of `@Scene` / `@Wizard` on a class. @internal */
export const VIBER_SCENE_METADATA: unique symbol = Symbol('nestjs-viber:scene');
/** Metadata key of `@SceneEnter` / `@SceneLeave` on a method. @internal */
export const VIBER_SCENE_HOOK_METADATA: unique symbol = Symbol('nestjs-viber:scene-hook');
/** Metadata key of `@WizardStep` on a method. @internal */
export const VIBER_WIZARD_STEP_METADATA: unique symbol = Symbol('nestjs-viber:wizard-step');
/** Metadata key of `@InEveryScene` on a class or method. @internal */
export const VIBER_EVERY_SCENE_METADATA: unique symbol = Symbol('nestjs-viber:every-scene');

/** What `@Scene(id)` / `@Wizard(id)` declare. */
export interface ViberSceneMetadata {
  readonly id: string;
  readonly kind: 'scene' | 'wizard';
}

/** A scene hook. */
export type ViberSceneHookKind = 'enter' | 'leave';

/** The scene a class declares (startup only). */
export function getSceneMetadata(target: object | undefined): ViberSceneMetadata | undefined {
  if (!target) return undefined;
  return Reflect.getMetadata(VIBER_SCENE_METADATA, target) as ViberSceneMetadata | undefined;
}

/** The hooks a method is (startup only). */
export function getSceneHooks(method: unknown): readonly ViberSceneHookKind[] {
  if (typeof method !== 'function') return [];
  return (
    (Reflect.getMetadata(VIBER_SCENE_HOOK_METADATA, method) as ViberSceneHookKind[] | undefined) ??
    []
  );
}

/** The wizard step a method handles (startup only). */
export function getWizardStep(method: unknown): number | undefined {
  if (typeof method !== 'function') return undefined;
  return Reflect.getMetadata(VIBER_WIZARD_STEP_METADATA, method) as number | undefined;
}

/** Whether a class or method carries `@InEveryScene()` (startup only). */
export function isInEveryScene(target: unknown): boolean {
  if (typeof target !== 'function') return false;
  return Reflect.getMetadata(VIBER_EVERY_SCENE_METADATA, target) === true;
}
