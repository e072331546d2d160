import { PayloadTooLargeException, RequestTimeoutException } from '@nestjs/common';
import { PassThrough } from 'node:stream';
import { ViberRawBodyUnavailableError } from '../errors/viber-raw-body-unavailable.error';
import { readRawBody, VIBER_RAW_BODY, type ViberWebhookRequest } from './raw-body';

/** A request whose body arrives through a stream, as Node's IncomingMessage does. */
function streamRequest(headers: Record<string, string> = {}): {
  request: ViberWebhookRequest;
  body: PassThrough;
} {
  const body = new PassThrough();
  const request = Object.assign(body, { headers }) as unknown as ViberWebhookRequest;
  return { request, body };
}

describe('readRawBody', () => {
  it('reads the exact bytes from the stream and keeps them on the request', async () => {
    const { request, body } = streamRequest({ 'content-length': '6' });
    const read = readRawBody(request, 100, 1000);
    body.end(Buffer.from('{"a":1', 'utf8'));
    const bytes = await read;
    expect(bytes.toString('utf8')).toBe('{"a":1');
    expect(request[VIBER_RAW_BODY]).toBe(bytes);
    expect(await readRawBody(request, 100, 1000)).toBe(bytes);
  });

  it('accepts a body of exactly the limit and refuses one byte more (413)', async () => {
    const ok = streamRequest();
    const read = readRawBody(ok.request, 4, 1000);
    ok.body.end(Buffer.from('abcd'));
    expect((await read).length).toBe(4);
    const over = streamRequest();
    const refused = readRawBody(over.request, 4, 1000);
    over.body.end(Buffer.from('abcde'));
    await expect(refused).rejects.toBeInstanceOf(PayloadTooLargeException);
  });

  it('refuses a body that stalls (408) and leaves no listener behind', async () => {
    const { request, body } = streamRequest();
    const read = readRawBody(request, 100, 50);
    body.write('{"partial"');
    await expect(read).rejects.toBeInstanceOf(RequestTimeoutException);
    expect(body.listenerCount('data')).toBe(0);
    expect(body.listenerCount('end')).toBe(0);
  });

  it('prefers rawBody and a Fastify text body to the stream', async () => {
    const raw = Buffer.from('raw');
    expect(await readRawBody({ headers: {}, rawBody: raw }, 100, 1000)).toBe(raw);
    expect((await readRawBody({ headers: {}, body: 'tëxt' }, 100, 1000)).toString('utf8')).toBe(
      'tëxt',
    );
  });

  it('an empty request is an empty body', async () => {
    expect((await readRawBody({ headers: { 'content-length': '0' } }, 100, 1000)).length).toBe(0);
  });

  it('a body a parser consumed, without rawBody, is an error naming the fix (never re-serialized)', async () => {
    const error = await readRawBody(
      { headers: { 'content-length': '7' }, body: { a: 1 } },
      100,
      1000,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViberRawBodyUnavailableError);
    expect((error as Error).message).toContain('NestFactory.create(AppModule, { rawBody: true })');
  });
});

describe('readRawBody: where the bytes come from', () => {
  it('reads the Node request under `raw` (Fastify) when the request itself is no stream', async () => {
    const body = new PassThrough();
    const request: ViberWebhookRequest = { headers: {}, raw: body as never };
    const read = readRawBody(request, 100, 1000);
    body.end('{"b":2}');
    expect((await read).toString('utf8')).toBe('{"b":2}');
  });

  it('reads the request itself when its `raw` is not a stream', async () => {
    const { request, body } = streamRequest();
    request.raw = {} as never;
    const read = readRawBody(request, 100, 1000);
    body.end('{"c":3}');
    expect((await read).toString('utf8')).toBe('{"c":3}');
  });

  it('never treats a request without on() as a stream, even if it says it is readable', async () => {
    await expect(
      readRawBody({ headers: { 'content-length': '5' }, readable: true }, 100, 1000),
    ).rejects.toBeInstanceOf(ViberRawBodyUnavailableError);
  });

  it('takes rawBody without touching a stream that is still open', async () => {
    const { request, body } = streamRequest();
    const raw = Buffer.from('kept');
    request.rawBody = raw;
    expect(await readRawBody(request, 100, 20)).toBe(raw);
    expect(body.listenerCount('data')).toBe(0);
  });

  it('does not read a stream whose body a parser already took', async () => {
    const { request, body } = streamRequest({ 'content-length': '7' });
    request.body = { a: 1 };
    await expect(readRawBody(request, 100, 20)).rejects.toBeInstanceOf(
      ViberRawBodyUnavailableError,
    );
    expect(body.listenerCount('data')).toBe(0);
  });

  it('does not read a stream that already ended', async () => {
    const { request, body } = streamRequest({ 'transfer-encoding': 'chunked' });
    body.resume();
    body.end();
    await new Promise((resolve) => body.once('end', resolve));
    await expect(readRawBody(request, 100, 20)).rejects.toBeInstanceOf(
      ViberRawBodyUnavailableError,
    );
  });

  it('no length and no chunked encoding is an empty body; chunked without bytes is an error', async () => {
    expect((await readRawBody({ headers: {} }, 100, 1000)).length).toBe(0);
    await expect(
      readRawBody({ headers: { 'transfer-encoding': 'chunked' } }, 100, 1000),
    ).rejects.toBeInstanceOf(ViberRawBodyUnavailableError);
    await expect(
      readRawBody({ headers: { 'content-length': '3' } }, 100, 1000),
    ).rejects.toBeInstanceOf(ViberRawBodyUnavailableError);
  });
});

describe('readRawBody: refusals and cleanup', () => {
  const listeners = (stream: PassThrough): number[] =>
    ['data', 'end', 'error', 'close'].map((event) => stream.listenerCount(event));

  it('names the limit and the timeout in its refusals', async () => {
    const over = streamRequest();
    const refused = readRawBody(over.request, 4, 1000);
    over.body.end(Buffer.from('abcde'));
    await expect(refused).rejects.toThrow('Body is larger than 4 bytes');
    expect(listeners(over.body)).toEqual([0, 0, 0, 0]);
    const stalled = streamRequest();
    const slow = readRawBody(stalled.request, 100, 30);
    stalled.body.write('{');
    await expect(slow).rejects.toThrow('Body not received within 30 ms');
    expect(listeners(stalled.body)).toEqual([0, 0, 0, 0]);
  });

  it('leaves no listener behind after a complete body', async () => {
    const { request, body } = streamRequest();
    const read = readRawBody(request, 100, 1000);
    body.end('{}');
    await read;
    expect(listeners(body)).toEqual([0, 0, 0, 0]);
  });

  it('rejects with the stream error, and with 400 when the client goes away mid-body', async () => {
    const failing = streamRequest();
    const read = readRawBody(failing.request, 100, 1000);
    const failure = new Error('socket hang up');
    failing.body.destroy(failure);
    await expect(read).rejects.toBe(failure);
    const cut = streamRequest();
    const partial = readRawBody(cut.request, 100, 1000);
    cut.body.write('{"a"');
    cut.body.destroy();
    await expect(partial).rejects.toThrow('The client closed the connection before the whole body');
  });
});
