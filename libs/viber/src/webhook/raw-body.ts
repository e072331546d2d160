import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeException } from '@nestjs/common';

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

/** How to fix a missing raw body; part of the error message. */
export const RAW_BODY_FIX =
  'the Viber webhook needs the exact request bytes to check signatures: create the app with ' +
  '`NestFactory.create(AppModule, { rawBody: true })` (Express and Fastify)';

/** Raised when the raw body is not available (rawBody not enabled). */
export class ViberRawBodyUnavailableError extends Error {
  constructor() {
    super(`nestjs-viber: ${RAW_BODY_FIX}`);
    this.name = 'ViberRawBodyUnavailableError';
  }
}

function nodeRequest(request: ViberWebhookRequest): IncomingMessage | undefined {
  if (request.raw && typeof request.raw.on === 'function') return request.raw;
  const candidate = request as unknown as IncomingMessage;
  return typeof candidate.on === 'function' ? candidate : undefined;
}

/** Reads an unconsumed request stream (no body parser ran), refusing more than `limit` bytes. */
function readStream(stream: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        stream.off('data', onData);
        stream.resume();
        reject(new PayloadTooLargeException(`Body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    stream.on('data', onData);
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/**
 * Returns the exact bytes of the request body: Nest's `req.rawBody` (rawBody: true), or the
 * request stream when no body parser consumed it. Never re-serializes a parsed body: when the
 * body was parsed and the bytes are gone, it throws {@link ViberRawBodyUnavailableError}.
 */
export async function readRawBody(request: ViberWebhookRequest, limit: number): Promise<Buffer> {
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
      raw = await readStream(stream, limit);
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
