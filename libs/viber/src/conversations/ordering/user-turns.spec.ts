import type {
  ViberSessionLease,
  ViberSessionLocking,
  ViberSessionTicket,
} from '../stores/viber-session.store';
import { ViberUserTurns } from './user-turns';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const signal = new AbortController().signal;

describe('ViberUserTurns', () => {
  it('runs one user turns one after another in arrival order, other users at once', async () => {
    const turns = new ViberUserTurns(undefined, 1000);
    const events: string[] = [];
    const run = async (key: string, name: string): Promise<void> => {
      const turn = turns.arrive(key);
      await turn.start(signal);
      events.push(`start ${name}`);
      await tick();
      await tick();
      events.push(`end ${name}`);
      await turn.finish();
    };
    await Promise.all([run('a', 'a1'), run('a', 'a2'), run('b', 'b1'), run('a', 'a3')]);
    const a = events.filter((e) => e.endsWith('a1') || e.endsWith('a2') || e.endsWith('a3'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    // b1 did not wait for a1.
    expect(events.indexOf('start b1')).toBeLessThan(events.indexOf('end a1'));
    expect(turns.activeUsers).toBe(0);
  });

  it('a cancelled place keeps the order and lets the next one go', async () => {
    const turns = new ViberUserTurns(undefined, 1000);
    const events: string[] = [];
    const first = turns.arrive('a');
    const second = turns.arrive('a');
    const third = turns.arrive('a');
    const done = third.start(signal).then(() => events.push('third'));
    void second.cancel();
    await tick();
    expect(events).toEqual([]);
    await first.start(signal);
    events.push('first');
    await first.finish();
    await done;
    expect(events).toEqual(['first', 'third']);
    await third.finish();
    await third.finish();
  });

  it('with a locking store: one ticket per arrival, in order; acquired after the local predecessor; released before the next', async () => {
    const calls: string[] = [];
    let n = 0;
    const locking: ViberSessionLocking = {
      enqueue(key, leaseMs): ViberSessionTicket {
        const id = ++n;
        calls.push(`enqueue ${key} ${id} ${leaseMs}`);
        return {
          acquire: async (): Promise<ViberSessionLease> => {
            calls.push(`acquire ${id}`);
            return {
              renew: async () => true,
              release: async () => {
                calls.push(`release ${id}`);
              },
            };
          },
          cancel: async () => {
            calls.push(`cancel ${id}`);
          },
        };
      },
    };
    const turns = new ViberUserTurns(locking, 1500);
    const one = turns.arrive('k');
    const two = turns.arrive('k');
    expect(calls).toEqual(['enqueue k 1 1500', 'enqueue k 2 1500']);
    const second = two.start(signal);
    await one.start(signal);
    await tick();
    expect(calls).toEqual(['enqueue k 1 1500', 'enqueue k 2 1500', 'acquire 1']);
    await one.finish();
    await second;
    expect(calls.slice(2)).toEqual(['acquire 1', 'release 1', 'acquire 2']);
    await two.finish();
  });

  it('a ticket that cannot be acquired gives its place up and rejects', async () => {
    const cancelled: number[] = [];
    const locking: ViberSessionLocking = {
      enqueue: () => ({
        acquire: () => Promise.reject(new Error('redis down')),
        cancel: async () => {
          cancelled.push(1);
        },
      }),
    };
    const turns = new ViberUserTurns(locking, 1000);
    const turn = turns.arrive('k');
    await expect(turn.start(signal)).rejects.toThrow('redis down');
    expect(cancelled).toEqual([1]);
    await turn.finish();
    expect(turns.activeUsers).toBe(0);
  });
});
