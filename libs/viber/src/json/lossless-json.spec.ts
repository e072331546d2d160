import { parseJsonLossless } from './lossless-json';

describe('parseJsonLossless', () => {
  it('keeps integers above 2^53 exact, as strings', () => {
    expect(parseJsonLossless('{"a":5491057495223473139,"b":[-9223372036854775808]}')).toEqual({
      a: '5491057495223473139',
      b: ['-9223372036854775808'],
    });
  });

  it('leaves safe numbers, floats and exponents as numbers', () => {
    expect(
      parseJsonLossless(
        '{"a":9007199254740991,"b":1.12345678901234567,"c":1e20,"d":12345678901234567.5}',
      ),
      // eslint-disable-next-line no-loss-of-precision -- the same literals JSON.parse reads
    ).toEqual({ a: 9007199254740991, b: 1.12345678901234567, c: 1e20, d: 12345678901234567.5 });
  });

  it('never touches digits inside strings, including escaped quotes', () => {
    const text =
      '{"s":"12345678901234567890","t":"a\\"12345678901234567890\\"","u":12345678901234567890}';
    expect(parseJsonLossless(text)).toEqual({
      s: '12345678901234567890',
      t: 'a"12345678901234567890"',
      u: '12345678901234567890',
    });
  });

  it('returns message_token and chat_id as strings even when small', () => {
    expect(parseJsonLossless('{"message_token":1234567890,"chat_id":42,"other":7}')).toEqual({
      message_token: '1234567890',
      chat_id: '42',
      other: 7,
    });
  });

  it('throws SyntaxError on text that is not JSON', () => {
    expect(() => parseJsonLossless('{"a":12345678901234567890')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('nope')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('')).toThrow(SyntaxError);
  });

  it('keeps __proto__ as an own data property, never as a prototype', () => {
    const value = parseJsonLossless(
      '{"__proto__":{"polluted":1},"message_token":12345678901234567890}',
    ) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__', 'message_token']);
  });
});
