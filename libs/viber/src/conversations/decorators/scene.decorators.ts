import { Injectable } from '@nestjs/common';
import { INJECTABLE_WATERMARK } from '@nestjs/common/constants';
import { ViberUsageError } from '../../errors/viber-usage.error';
import {
  VIBER_EVERY_SCENE_METADATA,
  VIBER_SCENE_HOOK_METADATA,
  VIBER_SCENE_METADATA,
  VIBER_WIZARD_STEP_METADATA,
  getSceneHooks,
  type ViberSceneHookKind,
  type ViberSceneMetadata,
} from '../scenes/scene.metadata';

function sceneClass(metadata: ViberSceneMetadata, name: string): ClassDecorator {
  if (typeof metadata.id !== 'string' || metadata.id.trim().length === 0) {
    throw new ViberUsageError(`${name}(id) needs a non-empty id`);
  }
  return (target) => {
    Reflect.defineMetadata(VIBER_SCENE_METADATA, metadata, target);
    // A scene is a provider like any other: injectable without a second decorator (an explicit
    // `@Injectable({ scope })` below it keeps its options).
    if (!Reflect.hasMetadata(INJECTABLE_WATERMARK, target)) Injectable()(target);
  };
}

function methodOf(descriptor: PropertyDescriptor, decorator: string): object {
  const method = descriptor.value as object | undefined;
  if (typeof method !== 'function') {
    throw new ViberUsageError(`${decorator} applies to methods`);
  }
  return method;
}

function hook(kind: ViberSceneHookKind, decorator: string): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = methodOf(descriptor, decorator);
    Reflect.defineMetadata(VIBER_SCENE_HOOK_METADATA, [...getSceneHooks(method), kind], method);
    return descriptor;
  };
}

/**
 * Declares a scene: a provider class whose `@OnText`, `@OnAction`, `@OnMessage`, `@OnUnhandled`
 * (and other) handlers run only while the user is in this scene (`ctx.scene.enter(id)`), and
 * whose `@SceneEnter()` / `@SceneLeave()` methods run when a user enters or leaves it. Needs
 * `conversations` in `ViberModule.forRoot`; list the class in a module's `providers` as usual.
 */
export function Scene(id: string): ClassDecorator {
  return sceneClass({ id, kind: 'scene' }, '@Scene');
}

/**
 * Declares a wizard: a scene whose `@WizardStep(n)` methods handle the user's answer at step `n`
 * (ascending; the first step is current on enter). Move with `ctx.wizard.next()`, `back()` and
 * `selectStep(n)`; `next()` on the last step leaves the wizard. Ask the first question in a
 * `@SceneEnter()` method.
 */
export function Wizard(id: string): ClassDecorator {
  return sceneClass({ id, kind: 'wizard' }, '@Wizard');
}

/**
 * Runs when a user enters the scene of its class (inside `ctx.scene.enter()`, with the context of
 * the callback that entered it); a returned message is sent to the user.
 */
export function SceneEnter(): MethodDecorator {
  return hook('enter', '@SceneEnter()');
}

/**
 * Runs when a user leaves the scene of its class (`ctx.scene.leave()`, entering another scene, or
 * `ctx.wizard.next()` on the last step), while `ctx.scene.state` still holds the scene's state.
 */
export function SceneLeave(): MethodDecorator {
  return hook('leave', '@SceneLeave()');
}

/**
 * A step of the `@Wizard` of its class: the method handles `message` callbacks while the user is at
 * step `step` (a positive integer). Alone it takes every message at that step; with `@OnText`,
 * `@OnAction`, `@OnMessage(…)` only those matching (`@WizardStep(2) @OnMessage('contact')`).
 */
export function WizardStep(step: number): MethodDecorator {
  if (!Number.isInteger(step) || step < 1) {
    throw new ViberUsageError(`@WizardStep(${String(step)}): the step must be a positive integer`);
  }
  return (_target, _key, descriptor) => {
    const method = methodOf(descriptor, '@WizardStep()');
    Reflect.defineMetadata(VIBER_WIZARD_STEP_METADATA, step, method);
    return descriptor;
  };
}

/**
 * Makes handlers outside scenes run in every scene too (and before the scene's own handlers): a
 * "cancel" keyword, a help command. On a method, or on a class for all its handlers. Handlers
 * without it run only while the user is in no scene (for `message` callbacks; handlers of other
 * events always run).
 */
export function InEveryScene(): ClassDecorator & MethodDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const subject = descriptor ? methodOf(descriptor, '@InEveryScene()') : target;
    Reflect.defineMetadata(VIBER_EVERY_SCENE_METADATA, true, subject);
    return descriptor;
  }) as ClassDecorator & MethodDecorator;
}
