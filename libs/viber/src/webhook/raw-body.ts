import type { IncomingMessage } from 'node:http';
import {
  BadRequestException,
  PayloadTooLargeException,
  RequestTimeoutException,
} from '@nestjs/common';
import { ViberRawBodyUnavailableError } from '../errors/viber-raw-body-unavailable.error';

/** The parts of an Express or Fastify request the webhook reads. */
export interface ViberWebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  /** Set by Nest when the app is created with `{ rawBody: true }`. */
  rawBody?: Buffer;
  body?: unknown;
  /** Express: the Node request itself; Fastify: `raw` is the Node request. */
  raw?: IncomingMessage;
  readable?: boolean;
  [key: symbol]: unknown;
}

/** Where the guard leaves the raw body for the controller. */
export const VIBER_RAW_BODY: unique symbol = Symbol('nestjs-viber:raw-body');

/** The Node request under an Express request (itself) or a Fastify request (`raw`). */
export function nodeRequest(request: ViberWebhookRequest): IncomingMessage | undefined {
  if (request.raw && typeof request.raw.on === 'function') return request.raw;
  const candidate = request as unknown as IncomingMessage;
  return typeof candidate.on === 'function' ? candidate : undefined;
}

/**
 * Reads an unconsumed request stream, refusing more than `limit` bytes (413) and a body that
 * does not arrive within `timeoutMs` (408). Never leaves a listener or timer behind.
 */
function readStream(stream: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (!error) {
        resolve(Buffer.concat(chunks, size));
        return;
      }
      // Drain what is left, so the connection can carry the answer.
      stream.resume();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        finish(new PayloadTooLargeException(`Body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    const onError = (error: Error): void => finish(error);
    const onClose = (): void =>
      finish(new BadRequestException('The client closed the connection before the whole body'));
    const timer = setTimeout(
      () => finish(new RequestTimeoutException(`Body not received within ${timeoutMs} ms`)),
      timeoutMs,
    );
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

/**
 * Returns the exact bytes of the request body: the request stream when no body parser
 * consumed it (the webhook route, see `installWebhookIntake`), else Nest's `req.rawBody`
 * (rawBody: true). Never re-serializes a parsed body: when the body was parsed and the bytes
 * are gone, it throws {@link ViberRawBodyUnavailableError}.
 */
export async function readRawBody(
  request: ViberWebhookRequest,
  limit: number,
  timeoutMs: number,
): Promise<Buffer> {
  const cached = request[VIBER_RAW_BODY];
  if (Buffer.isBuffer(cached)) return cached;
  let raw: Buffer | undefined = Buffer.isBuffer(request.rawBody) ? request.rawBody : undefined;
  if (!raw && typeof request.body === 'string') {
    // Fastify's text/plain parser hands over the body as a string: its UTF-8 bytes are the body.
    raw = Buffer.from(request.body, 'utf8');
  }
  if (!raw) {
    const stream = nodeRequest(request);
    if (stream && stream.readable && !stream.readableEnded && request.body === undefined) {
      raw = await readStream(stream, limit, timeoutMs);
    }
  }
  if (!raw) {
    const emptyBody =
      request.headers['content-length'] === '0' ||
      (request.headers['content-length'] === undefined &&
        request.headers['transfer-encoding'] === undefined);
    if (emptyBody) raw = Buffer.alloc(0);
    else throw new ViberRawBodyUnavailableError();
  }
  request[VIBER_RAW_BODY] = raw;
  return raw;
}
