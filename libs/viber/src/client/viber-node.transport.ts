import { AxiosError, CanceledError } from 'axios';
import { request as httpRequest, type Agent as HttpAgent, type ClientRequest } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';

/** The answer of one HTTP request: its status and its body as text. */
export interface ViberHttpAnswer {
  status: number;
  data: string;
}

/**
 * Sends one `POST` of a JSON text and returns the answer, whatever its status. Fails the way the
 * axios `http` adapter fails (an `AxiosError` carrying the Node request, `CanceledError` when the
 * signal aborts it), so the client tells sent from unsent requests the same way on both.
 * @internal
 */
export type ViberHttpTransport = (
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
) => Promise<ViberHttpAnswer>;

interface Target {
  https: boolean;
  hostname: string;
  port: string;
  path: string;
}

/** Environment variables through which axios would route requests via a proxy. */
const PROXY_VARIABLES = [
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'npm_config_http_proxy',
  'npm_config_https_proxy',
  'npm_config_proxy',
];

/**
 * Whether a proxy is configured in the environment (axios honours `HTTP_PROXY` & co.; this
 * transport does not, so the client keeps axios then).
 * @internal
 */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some((name) => Boolean(env[name] || env[name.toUpperCase()]));
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The send path without axios: `node:http(s)` on the client's own keep-alive agents, for the
 * client the module builds (its axios instance has no interceptors or settings of the app's).
 * The request carries the same method, headers and body as through axios, redirects are not
 * followed (as with `maxRedirects: 0`), and the answer's bytes are decoded as UTF-8 (a leading
 * BOM dropped, as axios does); no compressed answer is asked for. Measured in BENCHMARKS.md:
 * axios was about a quarter of the CPU of a send.
 * @internal
 */
export function createNodeTransport(agents: {
  http: HttpAgent;
  https: HttpsAgent;
}): ViberHttpTransport {
  const targets = new Map<string, Target>();
  const targetOf = (url: string): Target => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = {
        https: parsed.protocol === 'https:',
        hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: parsed.port,
        path: `${parsed.pathname}${parsed.search}`,
      };
      if (targets.size < 64) targets.set(url, target);
    }
    return target;
  };
  return (url, body, headers, signal) =>
    new Promise<ViberHttpAnswer>((resolve, reject) => {
      let target: Target;
      try {
        target = targetOf(url);
      } catch (error) {
        reject(AxiosError.from(error, 'ERR_INVALID_URL'));
        return;
      }
      if (signal.aborted) {
        reject(new CanceledError());
        return;
      }
      let settled = false;
      const finish = (error: Error | undefined, answer?: ViberHttpAnswer): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(answer!);
      };
      const send = target.https ? httpsRequest : httpRequest;
      const request: ClientRequest = send({
        method: 'POST',
        hostname: target.hostname,
        port: target.port || undefined,
        path: target.path,
        agent: target.https ? agents.https : agents.http,
        headers: {
          Accept: 'application/json, text/plain, */*',
          ...headers,
          'Content-Length': Buffer.byteLength(body),
        },
      });
      const onAbort = (): void => {
        finish(new CanceledError(undefined, undefined, request));
        request.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error: Error) => {
        finish(AxiosError.from(error, (error as { code?: string }).code, undefined, request));
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('aborted', () => {
          finish(
            new AxiosError(
              'stream has been aborted',
              AxiosError.ERR_BAD_RESPONSE,
              undefined,
              request,
            ),
          );
        });
        response.on('error', (error: Error) => {
          finish(AxiosError.from(error, undefined, undefined, request));
        });
        response.on('close', () => {
          if (!response.complete) {
            finish(
              new AxiosError(
                'stream has been aborted',
                AxiosError.ERR_BAD_RESPONSE,
                undefined,
                request,
              ),
            );
          }
        });
        response.on('end', () => {
          const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          finish(undefined, {
            status: response.statusCode ?? 0,
            data: stripBom(bytes.toString('utf8')),
          });
        });
      });
      request.end(body);
    });
}
