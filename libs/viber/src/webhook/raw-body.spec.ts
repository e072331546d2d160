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
