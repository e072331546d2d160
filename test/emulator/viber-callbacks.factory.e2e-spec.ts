import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import { verifyViberSignature } from 'nestjs-viber';
import { parseJsonLossless } from 'nestjs-viber/internal';
import { ViberEmulator, viberCallbacks } from 'nestjs-viber/testing';
import {
  randomMessageToken,
  stringifyJson,
} from '../../libs/viber-testing/src/emulator/raw-json.util';
import { requiredApiLevel } from '../../libs/viber-testing/src/emulator/api-request.validator';
import {
  signViberBody,
  withSignatureQuery,
} from '../../libs/viber-testing/src/emulator/viber-signature.util';
import { TestWebhook, fixture, fixtureText } from '../support/test-webhook.helper';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';

function hmac(body: string | Buffer, token = TOKEN): string {
  return createHmac('sha256', token).update(body).digest('hex');
}

describe('signViberBody / verifyViberSignature', () => {
  it('is the lowercase hex HMAC-SHA256 of the exact bytes, keyed by the token', () => {
    const body = fixtureText('observed/message_signed_raw_body.json').trim();
    expect(signViberBody(body, TOKEN)).toBe(hmac(Buffer.from(body, 'utf8')));
    expect(signViberBody(Buffer.from(body, 'utf8'), TOKEN)).toBe(hmac(body));
    expect(signViberBody(body, TOKEN)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when one byte of the body changes (no re-serialization)', () => {
    const body = fixtureText('observed/message_signed_raw_body.json').trim();
    const reserialized = JSON.stringify(JSON.parse(body));
    expect(signViberBody(reserialized, TOKEN)).not.toBe(signViberBody(body, TOKEN));
  });

  it('verifies in constant time and refuses other tokens and malformed signatures', () => {
    // The test kit signs with the library's own function: the library's check accepts it.
    const signature = signViberBody('{"event":"webhook"}', TOKEN);
    const body = Buffer.from('{"event":"webhook"}');
    expect(verifyViberSignature(body, signature, TOKEN)).toBe(true);
    expect(verifyViberSignature(body, signature, 'other')).toBe(false);
    expect(verifyViberSignature(body, signature.slice(1), TOKEN)).toBe(false);
    expect(verifyViberSignature(Buffer.from('{"event":"webhook"} '), signature, TOKEN)).toBe(false);
  });

  it('appends sig to URLs with or without a query', () => {
    expect(withSignatureQuery('https://bot.example/viber', 'ab')).toBe(
      'https://bot.example/viber?sig=ab',
    );
    expect(withSignatureQuery('/viber?bot=1', 'ab')).toBe('/viber?bot=1&sig=ab');
    expect(withSignatureQuery('/viber?', 'ab')).toBe('/viber?sig=ab');
  });
});

describe('stringifyJson', () => {
  it('writes bigints as raw JSON numbers with exactly their digits', () => {
    const text = stringifyJson({
      message_token: 5466394344559121456n,
      nested: [{ id: 9007199254740993n }],
      n: 1,
    });
    expect(text).toBe(
      '{"message_token":5466394344559121456,"nested":[{"id":9007199254740993}],"n":1}',
    );
    // The library keeps message_token exact; other integers parse as JSON.parse would.
    expect(parseJsonLossless(text)).toEqual({
      message_token: '5466394344559121456',
      nested: [{ id: 9007199254740992 }],
      n: 1,
    });
  });

  it('leaves strings alone, even ones that look like numbers or markers', () => {
    const value = { a: '5466394344559121456', b: '\u0000big:x:1', c: 'quote " and \\ backslash' };
    expect(JSON.parse(stringifyJson(value))).toEqual(value);
  });

  it('makes random tokens of 19 digits above 2^53', () => {
    for (let i = 0; i < 50; i++) {
      const token = randomMessageToken();
      expect(token.toString()).toMatch(/^\d{19}$/);
      expect(token).toBeGreaterThan(2n ** 53n);
      expect(token).toBeLessThan(2n ** 63n);
    }
  });
});

describe('viberCallbacks', () => {
  const callbacks = viberCallbacks(TOKEN);

  it('builds a message callback: raw 19-digit token, signature header and sig query', () => {
    const callback = callbacks.message({ id: 'alice', name: 'Alice' }, 'hi', {
      tracking_data: 'step-2',
    });
    const raw = /"message_token":(\d{19}),/.exec(callback.body)![1]!;
    expect(callback.event.message_token).toBe(raw);
    expect(String((JSON.parse(callback.body) as { message_token: number }).message_token)).not.toBe(
      raw,
    );
    expect(callback.event).toMatchObject({
      event: 'message',
      sender: { id: 'alice', name: 'Alice' },
      message: { type: 'text', text: 'hi', tracking_data: 'step-2' },
      silent: false,
      chat_hostname: 'SN-EMULATOR_',
    });
    expect(callback.signature).toBe(hmac(callback.body));
    expect(callback.headers).toEqual({
      'content-type': 'application/json',
      'x-viber-content-signature': callback.signature,
    });
    expect(callback.query).toBe(`sig=${callback.signature}`);
    expect(callback.url('/viber/webhook')).toBe(`/viber/webhook?sig=${callback.signature}`);
  });

  it('keeps the digits of a given token in receipts', () => {
    const token = String(fixtureText('observed/delivered.json').match(/"message_token":(\d+)/)![1]);
    for (const callback of [
      callbacks.delivered('u1', token),
      callbacks.seen('u1', BigInt(token)),
      callbacks.failed('u1', token),
    ]) {
      expect(callback.body).toContain(`"message_token":${token}`);
      expect(callback.event.message_token).toBe(token);
      expect(callback.event).toMatchObject({ user_id: 'u1' });
    }
    expect(callbacks.failed('u1', token).event).toMatchObject({
      desc: 'message validation failed',
    });
    expect(() => callbacks.seen('u1', Number(token))).toThrow(TypeError);
  });

  it('builds the other events with the fields of the documented examples', () => {
    const user = fixture('callbacks/subscribed.json').user as { id: string; name: string };
    const documented = Object.keys(fixture('callbacks/subscribed.json')).sort();
    expect(Object.keys(callbacks.subscribed(user).event).sort()).toEqual(documented);
    expect(callbacks.unsubscribed('u1').event).toMatchObject({
      event: 'unsubscribed',
      user_id: 'u1',
    });
    expect(callbacks.webhook().event).toMatchObject({ event: 'webhook' });
    const started = callbacks.conversationStarted(user, { context: 'ctx', subscribed: true });
    expect(started.event).toMatchObject({
      event: 'conversation_started',
      type: 'open',
      context: 'ctx',
      subscribed: true,
      user,
    });
    expect(callbacks.conversationStarted(user).event).not.toHaveProperty('context');
    expect(viberCallbacks(TOKEN, { chatHostname: null }).webhook().event).not.toHaveProperty(
      'chat_hostname',
    );
  });

  it('signs hand-written bodies byte for byte', () => {
    const body = fixtureText('observed/message_signed_raw_body.json').trim();
    const callback = callbacks.sign(body);
    expect(callback.body).toBe(body);
    expect(callback.signature).toBe(hmac(body));
    expect(callback.event.message_token).toBe('5167121934301882005');
  });

  it('produces requests that a webhook verifies with header and ?sig=', async () => {
    const webhook = await TestWebhook.start();
    try {
      const callback = callbacks.message('alice', 'hello');
      await new Promise<void>((resolve, reject) => {
        const request = http.request(
          callback.url(webhook.url),
          { method: 'POST', headers: callback.headers, agent: false },
          (response) => {
            response.resume();
            response.on('end', resolve);
          },
        );
        request.on('error', reject);
        request.end(callback.body);
      });
      const [received] = webhook.received;
      expect(received!.rawBody).toBe(callback.body);
      expect(
        verifyViberSignature(Buffer.from(received!.rawBody), received!.signature!, TOKEN),
      ).toBe(true);
      expect(received!.sig).toBe(received!.signature);
    } finally {
      await webhook.close();
    }
  });
});

describe('ViberEmulator.postCallback and events', () => {
  it('posts hand-made callbacks signed with the emulator token and reports each attempt', async () => {
    const webhook = await TestWebhook.start();
    const emulator = await ViberEmulator.start({ webhook: webhook.url, retrySchedule: [] });
    try {
      const seenAttempt = emulator.waitFor('callback', (delivery) => delivery.event === 'seen');
      const { first } = await emulator.postCallback(
        emulator.callbacks.seen('alice', '5466297467809468529'),
      );
      expect(first).toMatchObject({ attempt: 1, httpStatus: 200, ok: true });
      expect((await seenAttempt).attempts[0]!.ok).toBe(true);
      expect(webhook.received[0]!.rawBody).toContain('"message_token":5466297467809468529');
      expect(webhook.received[0]!.signature).toBe(
        hmac(webhook.received[0]!.rawBody, emulator.token),
      );
    } finally {
      await emulator.close();
      await webhook.close();
    }
  });
});

describe('requiredApiLevel', () => {
  it.each([
    [{ type: 'text', text: 'x' }, 1],
    [fixture('requests/send_message.rich_media.json'), 1],
    [fixture('requests/send_message.keyboard.json'), 1],
    [{ keyboard: { Buttons: [{ ActionBody: 'a', InternalBrowser: {} }] } }, 3],
    [{ keyboard: { Buttons: [{ ActionBody: 'a', ActionType: 'share-phone' }] } }, 3],
    [{ keyboard: { Buttons: [{ ActionBody: 'a', ActionType: 'location-picker' }] } }, 3],
    [{ keyboard: { Buttons: [{ ActionBody: 'a', ActionType: 'none' }] } }, 3],
    [{ keyboard: { Buttons: [{ ActionBody: 'a', ActionType: 'reply' }] } }, 1],
    [{ keyboard: { InputFieldState: null, Buttons: [{ ActionBody: 'a', Map: null }] } }, 1],
    [{ keyboard: { Buttons: [{ ActionBody: 'a', Text: '<s>old</s>' }] } }, 4],
    [{ keyboard: { ButtonsGroupRows: 2, Buttons: [] } }, 4],
    [
      {
        keyboard: {
          Buttons: [{ ActionBody: 'a', InternalBrowser: { ActionButton: 'send-to-bot' } }],
        },
      },
      6,
    ],
    [
      {
        type: 'rich_media',
        rich_media: { Buttons: [{ ActionBody: 'a', Map: { Latitude: '1', Longitude: '2' } }] },
      },
      6,
    ],
    [{ type: 'payment' }, 10],
  ])('%j needs API %i', (message, level) => {
    expect(requiredApiLevel(message).level).toBe(level);
  });
});
