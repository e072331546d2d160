import { PassThrough } from 'node:stream';
import type { ViberBot } from '../bot/viber-bot';
import { ViberRawBodyUnavailableError } from '../errors/viber-raw-body-unavailable.error';
import { VIBER_RAW_BODY, type ViberWebhookRequest } from './raw-body';
import { computeViberSignature, VIBER_SIGNATURE_HEADER } from './viber-signature';
import { admitWebhookRequest, refusalBody, type ViberWebhookAdmission } from './webhook-admission';
import type { ViberRefusalKind } from './webhook-refusal.log';

const TOKEN = 'admission-test-token';
const LIMIT = 200;

interface FakeBot {
  bot: ViberBot;
  refused: [ViberRefusalKind, number, string | undefined][];
  /** Refusals counted for metrics (not logged). */
  counted: string[];
}

/** The parts of a ViberBot the admission reads: `closing`, the webhook options, the token, the refusal log. */
function fakeBot(
  options: { closing?: boolean; limit?: number; bodyTimeoutMs?: number } = {},
): FakeBot {
  const refused: FakeBot['refused'] = [];
  const counted: string[] = [];
  const bot = {
    closing: options.closing ?? false,
    options: {
      token: TOKEN,
      webhook: {
        maxBodyBytes: options.limit ?? LIMIT,
        bodyTimeoutMs: options.bodyTimeoutMs ?? 1000,
      },
    },
    refusals: {
      refused: (kind: ViberRefusalKind, status: number, detail?: string) => {
        refused.push([kind, status, detail]);
      },
    },
    instrumentation: {
      callbackRefused: (kind: string) => {
        counted.push(kind);
      },
    },
  } as unknown as ViberBot;
  return { bot, refused, counted };
}

/** A request whose body is already read (as Nest's `rawBody: true` leaves it). */
function bufferedRequest(
  body: Buffer,
  headers: Record<string, string | undefined> = {},
  query?: Record<string, unknown>,
): ViberWebhookRequest {
  return { headers, rawBody: body, ...(query ? { query } : {}) };
}

/** A request whose body arrives through a stream (Node's IncomingMessage). */
function streamedRequest(headers: Record<string, string>): {
  request: ViberWebhookRequest;
  body: PassThrough;
} {
  const body = new PassThrough();
  return { request: Object.assign(body, { headers }) as unknown as ViberWebhookRequest, body };
}

const signed = (body: Buffer, extra: Record<string, string> = {}): Record<string, string> => ({
  [VIBER_SIGNATURE_HEADER]: computeViberSignature(body, TOKEN),
  ...extra,
});

/** A body of exactly `size` bytes (JSON, not that the admission cares). */
const bodyOf = (size: number): Buffer => {
  const body = Buffer.alloc(size, 'a');
  body[0] = 0x22;
  body[size - 1] = 0x22;
  return body;
};

describe('admitWebhookRequest', () => {
  it('admits a signed body and returns its exact bytes, logging nothing', async () => {
    const { bot, refused, counted } = fakeBot();
    const body = Buffer.from('{"event":"webhook"}');
    const admission = await admitWebhookRequest(bot, bufferedRequest(body, signed(body)));
    expect(admission).toEqual({ raw: body });
    expect(admission.refusal).toBeUndefined();
    expect(refused).toEqual([]);
    expect(counted).toEqual([]);
  });

  it('reads the signature from the `sig` query parameter when the header is absent', async () => {
    const { bot } = fakeBot();
    const body = Buffer.from('{"event":"seen"}');
    const sig = computeViberSignature(body, TOKEN);
    await expect(admitWebhookRequest(bot, bufferedRequest(body, {}, { sig }))).resolves.toEqual({
      raw: body,
    });
  });

  it('prefers the header to the query parameter', async () => {
    const { bot } = fakeBot();
    const body = Buffer.from('{"event":"seen"}');
    const good = computeViberSignature(body, TOKEN);
    const wrong = computeViberSignature(body, 'other-token');
    const viaQueryOnly = await admitWebhookRequest(
      bot,
      bufferedRequest(body, { [VIBER_SIGNATURE_HEADER]: wrong }, { sig: good }),
    );
    expect(viaQueryOnly.refusal?.message).toBe('Invalid Viber signature');
    const headerWins = await admitWebhookRequest(
      bot,
      bufferedRequest(body, { [VIBER_SIGNATURE_HEADER]: good }, { sig: wrong }),
    );
    expect(headerWins).toEqual({ raw: body });
  });

  it('answers 503 while the bot shuts down, before anything else, without logging a refusal', async () => {
    const { bot, refused, counted } = fakeBot({ closing: true });
    const admission = await admitWebhookRequest(bot, { headers: {} });
    expect(admission).toEqual({
      refusal: {
        status: 503,
        message: 'The bot is shutting down',
        kind: undefined,
        connection: 'keep',
      },
    });
    expect(refused).toEqual([]);
    expect(counted).toEqual(['shutting down']);
  });

  it('refuses a declared Content-Length over the limit with 413 before the signature is looked at', async () => {
    const { bot, refused } = fakeBot();
    const admission = await admitWebhookRequest(bot, {
      headers: { 'content-length': String(LIMIT + 1) },
    });
    expect(admission).toEqual({
      refusal: {
        status: 413,
        message: `Body is larger than ${LIMIT} bytes`,
        kind: 'body too large',
        connection: 'discard',
      },
    });
    expect(refused).toEqual([['body too large', 413, undefined]]);
  });

  it('lets a declared Content-Length of exactly the limit through', async () => {
    const { bot } = fakeBot();
    const body = bodyOf(LIMIT);
    const admission = await admitWebhookRequest(
      bot,
      bufferedRequest(body, signed(body, { 'content-length': String(LIMIT) })),
    );
    expect(admission).toEqual({ raw: body });
  });

  it('reads a streamed body of exactly the limit, and refuses one byte over with 413', async () => {
    const { bot, refused } = fakeBot();
    const exact = bodyOf(LIMIT);
    const ok = streamedRequest(signed(exact));
    const admitted = admitWebhookRequest(bot, ok.request);
    ok.body.end(exact);
    expect(await admitted).toEqual({ raw: exact });

    const over = bodyOf(LIMIT + 1);
    const tooBig = streamedRequest(signed(over));
    const refusedAdmission = admitWebhookRequest(bot, tooBig.request);
    tooBig.body.end(over);
    expect(await refusedAdmission).toEqual({
      refusal: {
        status: 413,
        message: `Body is larger than ${LIMIT} bytes`,
        kind: 'body too large',
        connection: 'discard',
      },
    });
    expect(refused).toEqual([['body too large', 413, undefined]]);
  });

  it('refuses a body already read (rawBody) of one byte over the limit with 413, and admits exactly the limit', async () => {
    const { bot, refused } = fakeBot();
    const over = bodyOf(LIMIT + 1);
    // No Content-Length (chunked): only the body's own size can tell.
    const admission = await admitWebhookRequest(bot, bufferedRequest(over, signed(over)));
    expect(admission).toEqual({
      refusal: {
        status: 413,
        message: `Body is larger than ${LIMIT} bytes`,
        kind: 'body too large',
        connection: 'close',
      },
    });
    expect(refused).toEqual([['body too large', 413, undefined]]);
    const exact = bodyOf(LIMIT);
    await expect(admitWebhookRequest(bot, bufferedRequest(exact, signed(exact)))).resolves.toEqual({
      raw: exact,
    });
  });

  it('ignores a Content-Length that is not a string (Node never sends one) or not a number', async () => {
    const { bot } = fakeBot();
    const body = Buffer.from('{}');
    for (const length of ['abc', '']) {
      await expect(
        admitWebhookRequest(bot, bufferedRequest(body, signed(body, { 'content-length': length }))),
      ).resolves.toEqual({ raw: body });
    }
    const request = bufferedRequest(body, signed(body));
    request.headers['content-length'] = [String(LIMIT + 1)];
    await expect(admitWebhookRequest(bot, request)).resolves.toEqual({ raw: body });
  });

  it('refuses a missing signature with 403 without reading the body (the rest of the upload is discarded)', async () => {
    const { bot, refused } = fakeBot();
    const { request, body } = streamedRequest({});
    const admission = await admitWebhookRequest(bot, request);
    expect(admission).toEqual({
      refusal: {
        status: 403,
        message: 'Missing Viber signature',
        kind: 'missing signature',
        connection: 'discard',
      },
    });
    expect(refused).toEqual([['missing signature', 403, undefined]]);
    expect(body.listenerCount('data')).toBe(0);
    expect(request[VIBER_RAW_BODY]).toBeUndefined();
  });

  it('refuses a malformed signature with 403 without reading the body (the rest of the upload is discarded)', async () => {
    const { bot, refused } = fakeBot();
    const body = Buffer.from('{}');
    const good = computeViberSignature(body, TOKEN);
    for (const signature of [good + 'z', good.toUpperCase(), good.slice(1), '', 'sha256=' + good]) {
      const { request, body: stream } = streamedRequest({ [VIBER_SIGNATURE_HEADER]: signature });
      const admission = await admitWebhookRequest(bot, request);
      expect(admission).toEqual({
        refusal: {
          status: 403,
          message: 'Invalid Viber signature',
          kind: 'malformed signature',
          connection: 'discard',
        },
      });
      expect(stream.listenerCount('data')).toBe(0);
    }
    expect(refused).toHaveLength(5);
    expect(refused[0]).toEqual(['malformed signature', 403, undefined]);
  });

  it('refuses a well-formed but wrong signature with 403, keeping the connection, with a hint', async () => {
    const { bot, refused } = fakeBot();
    const body = Buffer.from('{"event":"webhook"}');
    const wrong = computeViberSignature(body, 'another-token');
    const admission = await admitWebhookRequest(
      bot,
      bufferedRequest(body, { [VIBER_SIGNATURE_HEADER]: wrong }),
    );
    expect(admission).toEqual({
      refusal: {
        status: 403,
        message: 'Invalid Viber signature',
        kind: 'wrong signature',
        connection: 'keep',
        detail: 'is the token the one of the bot Viber calls?',
      },
    });
    expect(refused).toEqual([
      ['wrong signature', 403, 'is the token the one of the bot Viber calls?'],
    ]);
  });

  it('refuses a body that stalls with 408 and closes', async () => {
    const { bot, refused } = fakeBot({ bodyTimeoutMs: 20 });
    const body = Buffer.from('{"event":"webhook"}');
    const { request, body: stream } = streamedRequest(signed(body));
    const admission = admitWebhookRequest(bot, request);
    stream.write(body.subarray(0, 5));
    expect(await admission).toEqual({
      refusal: {
        status: 408,
        message: 'Body not received within 20 ms',
        kind: 'body too slow',
        connection: 'close',
      },
    });
    expect(refused).toEqual([['body too slow', 408, undefined]]);
  });

  it('refuses a body cut short by the client with 400 (incomplete body) and closes', async () => {
    const { bot, refused } = fakeBot();
    const body = Buffer.from('{"event":"webhook"}');
    const { request, body: stream } = streamedRequest(signed(body));
    const admission = admitWebhookRequest(bot, request);
    stream.write(body.subarray(0, 5));
    stream.destroy();
    expect(await admission).toEqual({
      refusal: {
        status: 400,
        message: 'The client closed the connection before the whole body',
        kind: 'incomplete body',
        connection: 'close',
      },
    });
    expect(refused).toEqual([['incomplete body', 400, undefined]]);
  });

  it('lets a stream error and a missing raw body through as errors (not refusals)', async () => {
    const { bot, refused } = fakeBot();
    const body = Buffer.from('{"event":"webhook"}');
    const { request, body: stream } = streamedRequest(signed(body));
    const admission = admitWebhookRequest(bot, request);
    const failure = new Error('socket hang up');
    stream.destroy(failure);
    await expect(admission).rejects.toBe(failure);

    const parsed: ViberWebhookRequest = {
      headers: signed(body, { 'content-length': String(body.length) }),
      body: { event: 'webhook' },
    };
    await expect(admitWebhookRequest(bot, parsed)).rejects.toBeInstanceOf(
      ViberRawBodyUnavailableError,
    );
    expect(refused).toEqual([]);
  });
});

describe('refusalBody', () => {
  const refusal = (status: number): ViberWebhookAdmission['refusal'] & object => ({
    status,
    message: 'why',
    connection: 'keep',
  });

  it('is the body Nest writes for an HttpException', () => {
    expect(refusalBody(refusal(413))).toEqual({
      message: 'why',
      error: 'Payload Too Large',
      statusCode: 413,
    });
    expect(refusalBody(refusal(403))).toEqual({
      message: 'why',
      error: 'Forbidden',
      statusCode: 403,
    });
  });

  it('names an unknown status "Error"', () => {
    expect(refusalBody(refusal(599))).toEqual({ message: 'why', error: 'Error', statusCode: 599 });
  });
});
