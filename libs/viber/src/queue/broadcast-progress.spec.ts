import { BROADCAST_SNAPSHOT_FIELDS } from './broadcast.scripts';
import { statusFromSnapshot } from './broadcast-progress';

function snapshot(
  fields: Partial<Record<(typeof BROADCAST_SNAPSHOT_FIELDS)[number], string | null>>,
) {
  return BROADCAST_SNAPSHOT_FIELDS.map((name) => fields[name] ?? null);
}

describe('statusFromSnapshot', () => {
  it('pending is what is neither sent, failed nor uncertain', () => {
    const status = statusFromSnapshot(
      snapshot({
        id: 'b1',
        state: 'running',
        total: '100000',
        sent: '60000',
        failed: '250',
        uncertain: '300',
        skipped: '4',
        planned: '1',
        via: 'broadcast_message',
        createdAt: '1700000000000',
        updatedAt: '1700000001000',
      }),
    );
    expect(status).toEqual({
      id: 'b1',
      state: 'running',
      total: 100_000,
      sent: 60_000,
      failed: 250,
      pending: 39_450,
      uncertain: 300,
      skipped: 4,
      planned: true,
      via: 'broadcast_message',
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_001_000,
    });
  });

  it('never reports negative pending (a filter audience whose total is still growing)', () => {
    const status = statusFromSnapshot(
      snapshot({ id: 'b2', state: 'running', total: '300', sent: '600', planned: '0' }),
    )!;
    expect(status.pending).toBe(0);
    expect(status.planned).toBe(false);
  });

  it('carries the planning error; send_message broadcasts say so', () => {
    const status = statusFromSnapshot(
      snapshot({ id: 'b3', state: 'queued', via: 'send_message', error: 'planning failed: x' }),
    )!;
    expect(status.via).toBe('send_message');
    expect(status.error).toBe('planning failed: x');
  });

  it('no record: undefined', () => {
    expect(statusFromSnapshot(snapshot({}))).toBeUndefined();
  });
});

describe('statusFromSnapshot: states, ids and errors', () => {
  it('keeps each known state and reads anything else as queued', () => {
    for (const state of ['queued', 'running', 'paused', 'completed', 'cancelled']) {
      expect(statusFromSnapshot(snapshot({ id: 'b', state }))?.state).toBe(state);
    }
    for (const state of ['', 'done', 'QUEUED', null]) {
      expect(statusFromSnapshot(snapshot({ id: 'b', state }))?.state).toBe('queued');
    }
  });

  it('is undefined without a record (no id, or an empty one)', () => {
    expect(statusFromSnapshot(snapshot({}))).toBeUndefined();
    expect(statusFromSnapshot(snapshot({ id: '', state: 'running', total: '3' }))).toBeUndefined();
  });

  it('carries a non-empty error only', () => {
    expect(statusFromSnapshot(snapshot({ id: 'b', error: 'token revoked' }))?.error).toBe(
      'token revoked',
    );
    const status = statusFromSnapshot(snapshot({ id: 'b', error: '' }));
    expect(status).toBeDefined();
    expect(status).not.toHaveProperty('error');
    expect(statusFromSnapshot(snapshot({ id: 'b' }))).not.toHaveProperty('error');
  });
});
