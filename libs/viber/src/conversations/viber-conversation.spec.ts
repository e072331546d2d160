import type { ViberContext } from '../context/viber-context';
import { ViberUsageError } from '../errors/viber-usage.error';
import type { ViberRoute } from '../routing/viber-route-table';
import { ViberSceneRegistry, type ViberSceneHook } from './scenes/viber-scene.registry';
import { ViberConversation } from './viber-conversation';
import type { ViberSessionRecord } from './viber-session.types';

const calls: string[] = [];
const hook = (name: string): ViberSceneHook => ({
  name,
  invoke: () => Promise.resolve(undefined),
});

function registry(): ViberSceneRegistry {
  const scenes = new ViberSceneRegistry();
  scenes.define({ id: 'order', kind: 'wizard' }, 'OrderWizard');
  for (const step of [30, 10, 20]) scenes.addStep('order', step);
  scenes.addHook('order', 'enter', hook('order.enter'));
  scenes.addHook('order', 'leave', hook('order.leave'));
  scenes.define({ id: 'help', kind: 'scene' }, 'HelpScene');
  scenes.addHook('help', 'enter', hook('help.enter'));
  scenes.check();
  return scenes;
}

function conversation(record: ViberSessionRecord = { session: {} }): ViberConversation {
  const conv = new ViberConversation(record, registry(), async (h, ctx) => {
    const state = (ctx as unknown as { conv: ViberConversation }).conv.scene;
    calls.push(`${h.name} in ${state.current ?? '-'}:${JSON.stringify(state.state)}`);
  });
  conv.bind({ conv } as unknown as ViberContext);
  return conv;
}

const route = (scope?: ViberRoute['scope']): ViberRoute => ({
  event: 'message',
  name: 'r',
  description: 'r',
  scope,
  invoke: () => Promise.resolve(undefined),
});

describe('ViberConversation', () => {
  beforeEach(() => {
    calls.length = 0;
  });

  it('a wizard starts at its lowest step; next, back and selectStep move between declared steps', async () => {
    const conv = conversation();
    await conv.scene.enter('order', { sku: 'apple' });
    expect(conv.wizard.step).toBe(10);
    expect(conv.wizard.state).toEqual({ sku: 'apple' });
    await conv.wizard.back();
    expect(conv.wizard.step).toBe(10);
    await conv.wizard.next();
    expect(conv.wizard.step).toBe(20);
    await conv.wizard.selectStep(30);
    expect(conv.wizard.step).toBe(30);
    await conv.wizard.back();
    expect(conv.wizard.step).toBe(20);
    expect(() => conv.wizard.selectStep(15)).toThrow(/has steps 10, 20, 30/);
    await conv.wizard.next();
    await conv.wizard.next();
    // next() on the last step leaves, running the leave hooks while the state is still there.
    expect(conv.scene.current).toBeUndefined();
    expect(calls).toEqual([
      'order.enter in order:{"sku":"apple"}',
      'order.leave in order:{"sku":"apple"}',
    ]);
    expect(conv.toRecord()).toEqual({ session: {} });
  });

  it('entering another scene leaves the current one first; state is per scene', async () => {
    const conv = conversation({
      session: { a: 1 },
      scene: { id: 'order', step: 20, state: { x: 1 } },
    });
    await conv.scene.enter('help');
    expect(calls).toEqual(['order.leave in order:{"x":1}', 'help.enter in help:{}']);
    expect(conv.toRecord()).toEqual({ session: { a: 1 }, scene: { id: 'help', state: {} } });
    expect(conv.sceneChanged).toBe(true);
  });

  it('usage errors throw at the call: unknown scene, moves outside a wizard, state outside a scene', () => {
    const conv = conversation();
    expect(() => conv.scene.enter('nope')).toThrow(ViberUsageError);
    expect(() => conv.wizard.next()).toThrow(
      /ctx.wizard.next\(\) outside a wizard \(the user is in no scene\)/,
    );
    expect(() => {
      conv.scene.state = { a: 1 };
    }).toThrow(/cannot be set outside a scene/);
    expect(() => {
      (conv.scene.state as Record<string, unknown>).a = 1;
    }).toThrow(TypeError);
    const inHelp = conversation({ session: {}, scene: { id: 'help', state: {} } });
    expect(() => inHelp.wizard.back()).toThrow(
      /outside a wizard \(the user is in the scene "help"\)/,
    );
  });

  it('routes by the scene and step the user was in when the callback arrived', async () => {
    const conv = conversation({ session: {}, scene: { id: 'order', step: 20, state: {} } });
    expect(conv.admits(route())).toBe(true);
    expect(conv.admits(route({ scene: undefined }))).toBe(false);
    expect(conv.admits(route({ scene: 'order' }))).toBe(true);
    expect(conv.admits(route({ scene: 'order', step: 20 }))).toBe(true);
    expect(conv.admits(route({ scene: 'order', step: 10 }))).toBe(false);
    expect(conv.admits(route({ scene: 'help' }))).toBe(false);
    await conv.wizard.next();
    // Still routed by step 20: the move is for the user's next message.
    expect(conv.admits(route({ scene: 'order', step: 20 }))).toBe(true);
    expect(conv.sceneChanged).toBe(false);
    const outside = conversation();
    expect(outside.admits(route({ scene: undefined }))).toBe(true);
    expect(outside.admits(route({ scene: 'order' }))).toBe(false);
  });

  it('settled() waits for enter and leave calls that were not awaited', async () => {
    const conv = conversation();
    void conv.scene.enter('order');
    void conv.scene.leave();
    await conv.settled();
    expect(conv.scene.current).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('stamps replies only in stateless mode, remembering what it stamped', () => {
    const plain = conversation();
    expect(plain.outgoing('hi')).toBe('hi');
    const stamped = new ViberConversation(
      { session: { n: 1 } },
      registry(),
      async () => undefined,
      (record, reply) => {
        expect(record).toEqual({ session: { n: 1 } });
        return reply;
      },
    );
    stamped.outgoing('hi');
    expect(stamped.stamped).toBe('{"session":{"n":1}}');
  });
});
