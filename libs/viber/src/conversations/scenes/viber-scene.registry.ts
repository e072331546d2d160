import { ViberUsageError } from '../../errors/viber-usage.error';
import type { ViberRoute } from '../../routing/viber-route-table';
import type { ViberSceneHookKind, ViberSceneMetadata } from './scene.metadata';

/** A `@SceneEnter` / `@SceneLeave` method, ready to run. */
export type ViberSceneHook = Pick<ViberRoute, 'name' | 'invoke'>;

/** One scene or wizard of a bot, as the explorer found it. */
export interface ViberSceneDefinition {
  readonly id: string;
  readonly kind: ViberSceneMetadata['kind'];
  /** The class that declares it. */
  readonly className: string;
  /** The wizard's steps, ascending (empty for scenes). */
  readonly steps: number[];
  /** `@SceneEnter` methods, in class order. */
  readonly enter: ViberSceneHook[];
  /** `@SceneLeave` methods, in class order. */
  readonly leave: ViberSceneHook[];
}

/**
 * The scenes and wizards of one bot: filled once at startup by the explorer, read when a user
 * enters, leaves or moves between steps.
 * @internal
 */
export class ViberSceneRegistry {
  private readonly scenes = new Map<string, ViberSceneDefinition>();

  /** Declares a scene; the same id on two classes is refused. */
  define(metadata: ViberSceneMetadata, className: string): ViberSceneDefinition {
    const existing = this.scenes.get(metadata.id);
    if (existing) {
      if (existing.className === className && existing.kind === metadata.kind) return existing;
      throw new ViberUsageError(
        `${metadata.kind === 'wizard' ? '@Wizard' : '@Scene'}('${metadata.id}') on ${className}: ${existing.className} already declares a ${existing.kind} "${metadata.id}"; scene ids must be unique per bot`,
      );
    }
    const definition: ViberSceneDefinition = {
      ...metadata,
      className,
      steps: [],
      enter: [],
      leave: [],
    };
    this.scenes.set(metadata.id, definition);
    return definition;
  }

  /** Adds a wizard step (several methods may handle one step). */
  addStep(id: string, step: number): void {
    const steps = this.require(id).steps;
    if (!steps.includes(step)) {
      steps.push(step);
      steps.sort((a, b) => a - b);
    }
  }

  /** Adds an enter or leave hook. */
  addHook(id: string, kind: ViberSceneHookKind, hook: ViberSceneHook): void {
    this.require(id)[kind].push(hook);
  }

  /** A scene by id. */
  get(id: string): ViberSceneDefinition | undefined {
    return this.scenes.get(id);
  }

  /** Every scene id. */
  ids(): string[] {
    return [...this.scenes.keys()];
  }

  /** Number of scenes and wizards. */
  get size(): number {
    return this.scenes.size;
  }

  /** Checks what can only be checked once every class was read: every wizard has steps. */
  check(): void {
    for (const scene of this.scenes.values()) {
      if (scene.kind === 'wizard' && scene.steps.length === 0) {
        throw new ViberUsageError(
          `@Wizard('${scene.id}') on ${scene.className} has no @WizardStep(n) method: a wizard needs at least one step (or use @Scene)`,
        );
      }
    }
  }

  private require(id: string): ViberSceneDefinition {
    const scene = this.scenes.get(id);
    if (!scene) throw new ViberUsageError(`no scene "${id}" is declared`);
    return scene;
  }
}
