import { normalizeTokenFields, parseJsonLossless } from './lossless-json';

describe('parseJsonLossless', () => {
  it('keeps message_token and chat_id above 2^53 exact, as strings, at any depth', () => {
    expect(
      parseJsonLossless(
        '{"message_token":5491057495223473139,"chat_id" : -9223372036854775808,"x":{"message_token":5167121934301882005}}',
      ),
    ).toEqual({
      message_token: '5491057495223473139',
      chat_id: '-9223372036854775808',
      x: { message_token: '5167121934301882005' },
    });
  });

  it('returns message_token and chat_id as strings even when small', () => {
    expect(parseJsonLossless('{"message_token":1234567890,"chat_id":42,"other":7}')).toEqual({
      message_token: '1234567890',
      chat_id: '42',
      other: 7,
    });
  });

  it('parses every other number as JSON.parse does (no string where a number was sent)', () => {
    const text = '{"text":12345678901234567890,"a":1.5,"b":1e20,"message_token":12}';
    expect(parseJsonLossless(text)).toEqual({
      ...(JSON.parse(text) as object),
      message_token: '12',
    });
    expect(typeof (parseJsonLossless(text) as { text: unknown }).text).toBe('number');
  });

  it('never touches digits inside strings, including escaped keys', () => {
    const text =
      '{"s":"\\"message_token\\":12345678901234567890","message_token":5466394344559121456}';
    expect(parseJsonLossless(text)).toEqual({
      s: '"message_token":12345678901234567890',
      message_token: '5466394344559121456',
    });
  });

  it('throws SyntaxError on text that is not JSON', () => {
    expect(() => parseJsonLossless('{"message_token":12345678901234567890')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('nope')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('')).toThrow(SyntaxError);
  });

  it('fails fast on a large broken body (no super-linear scan)', () => {
    // An unterminated string full of escaped quotes made an earlier string-skipping regex quadratic.
    const broken = `{"message_token":1234567890123456789,"x":"${'a\\"'.repeat(400_000)}`;
    expect(() => parseJsonLossless(broken)).toThrow(SyntaxError);
    const spaced = `{${'"message_token"   '.repeat(50_000)}`;
    expect(() => parseJsonLossless(spaced)).toThrow(SyntaxError);
  });

  it('keeps __proto__ as an own data property, never as a prototype', () => {
    const value = parseJsonLossless(
      '{"__proto__":{"polluted":1},"message_token":12345678901234567890}',
    ) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__', 'message_token']);
  });

  it('leaves numbers JSON does not allow to JSON.parse, which refuses them', () => {
    expect(() => parseJsonLossless('{"message_token":0123}')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('{"message_token":-0123}')).toThrow(SyntaxError);
    expect(parseJsonLossless('{"message_token":0}')).toEqual({ message_token: '0' });
  });

  it('turns a top-level token written as another JSON number into the string of its value', () => {
    expect(parseJsonLossless('{"message_token":1e3}')).toEqual({ message_token: '1000' });
    expect(parseJsonLossless('{"message_token":1.5,"chat_id":2E2}')).toEqual({
      message_token: '1.5',
      chat_id: '200',
    });
  });
});

describe('normalizeTokenFields', () => {
  it('leaves null, arrays, functions and primitives alone (without throwing)', () => {
    expect(parseJsonLossless('null')).toBeNull();
    // Only a top-level object's tokens are normalized (a nested 1e3 stays the number JSON.parse gives).
    expect(parseJsonLossless('[{"message_token":1e3}]')).toEqual([{ message_token: 1000 }]);
    const list = Object.assign([1], { message_token: 5 });
    normalizeTokenFields(list);
    expect(list.message_token).toBe(5);
    const fn = Object.assign(() => 0, { chat_id: 7 });
    normalizeTokenFields(fn);
    expect(fn.chat_id).toBe(7);
    for (const value of [null, undefined, 5, 'message_token', true]) {
      expect(() => normalizeTokenFields(value)).not.toThrow();
    }
  });

  it('turns numeric tokens of an object into strings, leaving other fields', () => {
    const value: Record<string, unknown> = { message_token: 12, chat_id: 1.5, other: 3 };
    normalizeTokenFields(value);
    expect(value).toEqual({ message_token: '12', chat_id: '1.5', other: 3 });
  });
});
