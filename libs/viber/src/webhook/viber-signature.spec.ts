import { computeViberSignature, verifyViberSignature } from './viber-signature';

const TOKEN = '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f';
const body = Buffer.from(
  '{"event":"message","timestamp":1457764197627,"message_token":4912661846655238145}',
);
const good = computeViberSignature(body, TOKEN);

describe('computeViberSignature', () => {
  it('is the lowercase hex HMAC-SHA256 of the body keyed by the token', () => {
    // RFC 4231-style known answer (HMAC-SHA256, key "key").
    expect(computeViberSignature('The quick brown fox jumps over the lazy dog', 'key')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
    expect(
      computeViberSignature(Buffer.from('The quick brown fox jumps over the lazy dog'), 'key'),
    ).toBe('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
    expect(good).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('verifyViberSignature', () => {
  it('accepts the signature of the exact body under the same token', () => {
    expect(verifyViberSignature(body, good, TOKEN)).toBe(true);
  });

  it('rejects another token, another body, or one flipped digit', () => {
    expect(verifyViberSignature(body, good, `${TOKEN}x`)).toBe(false);
    expect(verifyViberSignature(Buffer.concat([body, Buffer.from(' ')]), good, TOKEN)).toBe(false);
    const flipped = (good[0] === '0' ? '1' : '0') + good.slice(1);
    expect(verifyViberSignature(body, flipped, TOKEN)).toBe(false);
  });

  it('rejects a valid signature with junk appended or prepended, without throwing', () => {
    // Buffer.from(hex) stops at the first non-hex digit: only the format check keeps `good + 'z'` out.
    expect(verifyViberSignature(body, `${good}z`, TOKEN)).toBe(false);
    expect(verifyViberSignature(body, `${good}0`, TOKEN)).toBe(false);
    expect(verifyViberSignature(body, `${good}\n`, TOKEN)).toBe(false);
    expect(verifyViberSignature(body, `z${good}`, TOKEN)).toBe(false);
    expect(verifyViberSignature(body, `0${good}`, TOKEN)).toBe(false);
    expect(verifyViberSignature(body, `sha256=${good}`, TOKEN)).toBe(false);
  });

  it('rejects upper-case hex and a truncated signature', () => {
    expect(verifyViberSignature(body, good.toUpperCase(), TOKEN)).toBe(false);
    expect(verifyViberSignature(body, good.slice(0, 63), TOKEN)).toBe(false);
    expect(verifyViberSignature(body, good.slice(0, 62), TOKEN)).toBe(false);
    expect(verifyViberSignature(body, '', TOKEN)).toBe(false);
  });

  it('rejects a signature that is not a string', () => {
    for (const signature of [
      undefined,
      null,
      0,
      [good],
      { toString: () => good },
      Buffer.from(good),
    ]) {
      expect(verifyViberSignature(body, signature, TOKEN)).toBe(false);
    }
  });
});
