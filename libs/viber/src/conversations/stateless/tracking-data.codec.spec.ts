import fc from 'fast-check';
import { VIBER_LIMITS } from '../../validation/viber-limits';
import { TrackingDataCodec, deriveTrackingDataKey } from './tracking-data.codec';
import type { ViberSessionRecord } from '../viber-session.types';

const KEY = deriveTrackingDataKey('445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9');
const record: ViberSessionRecord = {
  session: { visits: 3 },
  scene: { id: 'order', step: 2, state: { sku: 'apple', qty: 2 } },
};

describe('TrackingDataCodec', () => {
  let now = Date.UTC(2025, 0, 1);
  const codec = new TrackingDataCodec(KEY, 'default', 60_000, () => now);

  it('round-trips a record for the same user and bot', () => {
    const value = codec.encode('alice', record);
    expect(value.startsWith('nvc1.')).toBe(true);
    expect(TrackingDataCodec.isOurs(value)).toBe(true);
    expect(codec.decode('alice', value)).toEqual(record);
    expect(codec.decode('alice', codec.encode('alice', { session: {} }))).toEqual({ session: {} });
  });

  it('refuses another user, another bot, another key, and what is not ours', () => {
    const value = codec.encode('alice', record);
    expect(codec.decode('bob', value)).toBeUndefined();
    expect(
      new TrackingDataCodec(KEY, 'sales', 60_000, () => now).decode('alice', value),
    ).toBeUndefined();
    const other = new TrackingDataCodec(
      deriveTrackingDataKey('another token'),
      'default',
      60_000,
      () => now,
    );
    expect(other.decode('alice', value)).toBeUndefined();
    for (const foreign of [
      undefined,
      '',
      'step-2',
      'nvc1.',
      'nvc1.abc',
      'nvc1..',
      `nvc1.${'x'.repeat(30)}.`,
    ]) {
      expect(codec.decode('alice', foreign)).toBeUndefined();
    }
  });

  it('refuses a forged step: a payload re-encoded with the old signature, or signed with a guess', () => {
    const value = codec.encode('alice', record);
    const [, , signature] = value.split('.');
    const forged = Buffer.from(
      JSON.stringify({ t: Math.floor(now / 1000), c: 'order', p: 5 }),
    ).toString('base64url');
    expect(codec.decode('alice', `nvc1.${forged}.${signature}`)).toBeUndefined();
    expect(codec.decode('alice', `nvc1.${forged}.${'A'.repeat(22)}`)).toBeUndefined();
  });

  it('any change to a valid value fails the check (property)', () => {
    const value = codec.encode('alice', record);
    fc.assert(
      fc.property(
        fc.nat({ max: value.length - 1 }),
        fc.string({ minLength: 0, maxLength: 3 }),
        fc.nat({ max: 3 }),
        (at, insert, remove) => {
          const mutated = value.slice(0, at) + insert + value.slice(at + remove);
          fc.pre(mutated !== value);
          expect(codec.decode('alice', mutated)).toBeUndefined();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('expires after ttlMs', () => {
    const value = codec.encode('alice', record);
    now += 59_000;
    expect(codec.decode('alice', value)).toEqual(record);
    now += 2_000;
    expect(codec.decode('alice', value)).toBeUndefined();
  });

  it('refuses a state over the tracking_data limit, naming it', () => {
    const big: ViberSessionRecord = { session: { blob: 'x'.repeat(VIBER_LIMITS.trackingData) } };
    expect(() => codec.encode('alice', big)).toThrow(/over the 4000 Viber allows/);
  });
});
