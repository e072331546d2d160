import 'reflect-metadata';
import { ViberCallbackParseError } from '../errors/viber-callback-parse.error';
import { EVENT_SCHEMAS, parseViberCallback } from './viber-callback.parser';

const user = { id: 'u1', name: 'N', api_version: 8 };
const base = { timestamp: 1457764197627, message_token: '5491057495223473139' };

/** One valid body of each event. */
const VALID: Record<string, Record<string, unknown>> = {
  webhook: { event: 'webhook', ...base },
  subscribed: { event: 'subscribed', ...base, user },
  unsubscribed: { event: 'unsubscribed', ...base, user_id: 'u1' },
  conversation_started: {
    event: 'conversation_started',
    ...base,
    type: 'open',
    user,
    subscribed: false,
  },
  message: { event: 'message', ...base, sender: user, message: { type: 'text', text: 'hi' } },
  delivered: { event: 'delivered', ...base, user_id: 'u1' },
  seen: { event: 'seen', ...base, user_id: 'u1' },
  failed: { event: 'failed', ...base, user_id: 'u1', desc: 'why' },
  client_status: {
    event: 'client_status',
    ...base,
    user,
    status: { type: 'payment', code: 0, supported_psps: ['GooglePay'] },
  },
};

const parse = (body: string | unknown): ReturnType<typeof parseViberCallback> =>
  parseViberCallback(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8'));

/** The reason a body is refused with (the webhook answers 400 with it). */
function reasonOf(body: string | unknown): string {
  try {
    parse(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ViberCallbackParseError);
    return (error as ViberCallbackParseError).reason;
  }
  throw new Error('the body was accepted');
}

describe('parseViberCallback', () => {
  it('knows the nine events', () => {
    expect([...EVENT_SCHEMAS.keys()].sort()).toEqual(Object.keys(VALID).sort());
  });

  it.each(Object.keys(VALID))('accepts a valid %s callback, as parsed', (event) => {
    expect(parse(VALID[event])).toEqual({ known: true, callback: VALID[event] });
  });

  it('keeps a 64-bit message_token exact and extra fields', () => {
    const parsed = parse(
      '{"event":"webhook","timestamp":1,"message_token":18446744073709551615,"extra":{"a":1}}',
    );
    expect(parsed).toEqual({
      known: true,
      callback: {
        event: 'webhook',
        timestamp: 1,
        message_token: '18446744073709551615',
        extra: { a: 1 },
      },
    });
  });

  it('refuses a body that is not JSON', () => {
    for (const body of ['', '{', 'event=webhook', '{"event":"webhook",}']) {
      expect(reasonOf(body)).toBe('Body is not JSON');
    }
  });

  it('refuses JSON that is not an object: null, arrays, strings, numbers', () => {
    for (const body of ['null', '[]', '[{"event":"webhook"}]', '"webhook"', '1', 'true']) {
      expect(reasonOf(body)).toBe('Body is not a JSON object');
    }
  });

  it('refuses an object without a non-empty string event', () => {
    for (const body of [{}, { event: '' }, { event: 1 }, { event: null }, { event: ['webhook'] }]) {
      expect(reasonOf({ ...base, ...body })).toBe(
        'Body is not a Viber callback: "event" is missing',
      );
    }
  });

  it('answers an unknown event as unknown, with the parsed body (exact tokens)', () => {
    expect(parse('{"event":"future_event","message_token":5491057495223473139,"x":[1]}')).toEqual({
      known: false,
      event: 'future_event',
      body: { event: 'future_event', message_token: '5491057495223473139', x: [1] },
    });
    // Names of Object.prototype are not events.
    expect(parse({ event: 'constructor' })).toMatchObject({ known: false, event: 'constructor' });
    expect(parse({ event: 'toString' })).toMatchObject({ known: false, event: 'toString' });
  });

  it('names the first broken rule of a top-level field', () => {
    expect(reasonOf({ ...VALID.webhook, timestamp: 'soon' })).toBe(
      'Invalid webhook callback: timestamp must be an integer',
    );
    expect(reasonOf({ ...VALID.webhook, message_token: '-1' })).toBe(
      'Invalid webhook callback: message_token must be an unsigned 64-bit integer',
    );
    expect(reasonOf({ ...VALID.delivered, user_id: '' })).toBe(
      'Invalid delivered callback: user_id should not be empty',
    );
  });

  it('names a nested field with its path: sender.id must be a string', () => {
    expect(reasonOf({ ...VALID.message, sender: { ...user, id: 5 } })).toBe(
      'Invalid message callback: sender.id must be a string',
    );
    expect(reasonOf({ ...VALID.subscribed, user: { ...user, api_version: 'x' } })).toBe(
      'Invalid subscribed callback: user.api_version must be an integer number',
    );
    expect(reasonOf({ ...VALID.message, message: { type: 'text', text: 5 } })).toMatch(
      /^Invalid message callback: message\.text /,
    );
  });

  it('names a missing nested object', () => {
    expect(reasonOf({ ...VALID.message, sender: undefined })).toMatch(
      /^Invalid message callback: sender /,
    );
    expect(reasonOf({ ...VALID.message, sender: 'u1' })).toMatch(
      /^Invalid message callback: sender /,
    );
  });

  it('prefixes with the path a message that does not start with the field name', () => {
    expect(
      reasonOf({
        ...VALID.client_status,
        status: { type: 'payment', code: 0, supported_psps: ['GooglePay', 5] },
      }),
    ).toBe(
      'Invalid client_status callback: status.supported_psps: each value in supported_psps must be a string',
    );
  });

  it('refuses an own "constructor" key, naming where it is', () => {
    expect(reasonOf({ ...VALID.webhook, constructor: 'x' })).toBe(
      'Invalid webhook callback: body must not have a "constructor" field',
    );
    expect(reasonOf({ ...VALID.message, sender: { ...user, constructor: {} } })).toBe(
      'Invalid message callback: sender must not have a "constructor" field',
    );
  });
});
