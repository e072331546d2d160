import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeRequest, type ViberWebhookRequest } from './raw-body';
import type { ViberRefusalConnection } from './webhook-admission';

/** How much of a refused upload is read and thrown away before its connection is dropped. */
export interface RefusedUploadLimits {
  /** Bytes read past the refusal, at most. */
  readonly maxBytes: number;
  /** Time after the refusal, at most, in ms. */
  readonly maxMs: number;
}

/** The Node response under an Express response (itself) or a Fastify reply (`raw`). */
export function nodeResponse(response: unknown): ServerResponse | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const raw = (response as { raw?: unknown }).raw;
  const candidate = (raw ?? response) as Partial<ServerResponse>;
  return typeof candidate.once === 'function' && typeof candidate.writeHead === 'function'
    ? (candidate as ServerResponse)
    : undefined;
}

/**
 * After a refusal answered before the whole upload was read (403 for an unsigned body, 413):
 * reads the rest of the upload and throws it away, so that the client reads the answer. A
 * connection closed with bytes still coming in is reset, and a client still writing its body
 * then fails (`EPIPE`, `ECONNRESET`) instead of reading the 403 or 413 (RFC 9112, 9.6, "tear-down":
 * close in stages). Bounded: once `maxBytes` more bytes have come, or `maxMs` after the refusal,
 * the connection is dropped as soon as the answer is out. An upload that ends within the bounds
 * leaves the connection to the server's keep-alive, as after any answered request. Nothing is
 * parsed or kept; no listener or timer outlives the request.
 */
export function discardRefusedUpload(
  request: IncomingMessage,
  response: ServerResponse,
  limits: RefusedUploadLimits,
): void {
  if (request.complete) return;
  let discarded = 0;
  const stop = (): void => {
    clearTimeout(timer);
    request.off('data', onData);
    request.off('end', stop);
    request.off('close', stop);
  };
  const drop = (): void => {
    request.socket.destroy();
  };
  const giveUp = (): void => {
    stop();
    // Not before the answer is out: dropping the connection earlier would lose it.
    if (response.writableFinished || response.destroyed) {
      drop();
      return;
    }
    response.once('finish', drop);
    response.once('close', drop);
  };
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) giveUp();
  };
  const timer = setTimeout(giveUp, limits.maxMs);
  // Never what keeps a process alive (a shutdown does not wait for a junk upload).
  timer.unref();
  request.on('data', onData);
  request.once('end', stop);
  request.once('close', stop);
  request.resume();
}

/**
 * Carries out what a refusal asks of its connection (`ViberWebhookRefusal.connection`): for
 * `'discard'`, the rest of the upload is read and thrown away within the bot's bounds (four times
 * `webhook.maxBodyBytes`, `webhook.bodyTimeoutMs`). Returns whether the answer must carry
 * `Connection: close`: for `'close'`, and for `'discard'` where the request or response is not
 * Node's own (another HTTP adapter).
 */
export function settleRefusedConnection(
  connection: ViberRefusalConnection,
  request: ViberWebhookRequest,
  response: unknown,
  webhook: { readonly maxBodyBytes: number; readonly bodyTimeoutMs: number },
): boolean {
  if (connection !== 'discard') return connection === 'close';
  const incoming = nodeRequest(request);
  const outgoing = nodeResponse(response);
  if (incoming === undefined || outgoing === undefined) return true;
  discardRefusedUpload(incoming, outgoing, {
    maxBytes: 4 * webhook.maxBodyBytes,
    maxMs: webhook.bodyTimeoutMs,
  });
  return false;
}
