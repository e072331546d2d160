import * as http from 'node:http';
import * as https from 'node:https';

/** How the webhook answered one POST. */
export interface HttpProbeResult {
  /** HTTP status, when an answer came. */
  httpStatus?: number;
  /** The answer's body (at most the first 500 characters). */
  body: string;
  contentType?: string;
  /** `Location` of a redirect. */
  location?: string;
  /** No answer within the timeout. */
  timedOut: boolean;
  /** The connection failed (refused, reset, DNS, TLS). */
  error?: { code?: string; message: string };
  /** From the start of the request to the end of the answer (or the failure). */
  durationMs: number;
}

const BODY_LIMIT = 500;

/**
 * POSTs `body` to `url` with `headers` and reports the answer. Certificates are not checked here
 * (the TLS probe describes them), so that the webhook's behaviour can be seen anyway.
 */
export function postProbe(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<HttpProbeResult> {
  const started = Date.now();
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<HttpProbeResult, 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve({ ...result, durationMs: Date.now() - started });
    };
    const request = transport.request(url, {
      method: 'POST',
      agent: false,
      rejectUnauthorized: false,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    const timer = setTimeout(() => finish({ body: '', timedOut: true }), timeoutMs);
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < BODY_LIMIT) chunks.push(chunk);
        size += chunk.length;
      });
      const done = (): void =>
        finish({
          httpStatus: response.statusCode,
          body: Buffer.concat(chunks).toString('utf8').slice(0, BODY_LIMIT),
          contentType: response.headers['content-type'],
          location: response.headers.location,
          timedOut: false,
        });
      response.once('end', done);
      response.once('error', done);
    });
    request.once('error', (error: NodeJS.ErrnoException) =>
      finish({ body: '', timedOut: false, error: { code: error.code, message: error.message } }),
    );
    request.end(body);
  });
}
