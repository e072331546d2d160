import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJsonLossless } from 'nestjs-viber/internal';
import { HARD_BODY_LIMIT } from '../emulator.defaults';
import type { ApiHttpRequest, RoutedApiAnswer } from '../endpoints/api.router';
import { stringifyJson } from '../raw-json.util';
import type { EmulatorApiRequest } from '../viber-emulator.types';

/** The chat page's side of the server (the chat page router). */
export interface ChatPageRoutes {
  /** Whether a path belongs to the chat page. */
  matches(path: string): boolean;
  /** Answers a request whose path {@link matches}. */
  handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    path: string,
    body: string,
  ): Promise<void>;
}

/** Where the transport sends what it reads. */
export interface EmulatorHttpRoutes {
  /** The web chat page and its `/_emulator/` endpoints. */
  chatPage: ChatPageRoutes;
  /** Everything else: the Viber API. */
  api: { route(request: ApiHttpRequest): Promise<RoutedApiAnswer> };
  /** Told about each API request once it was answered (the request log). */
  onApiRequest: (record: EmulatorApiRequest) => void;
}

/**
 * The emulator's HTTP server: reads each request's body, hands chat page paths to the chat page
 * and everything else to the API router, writes the API's JSON answers (raw 64-bit numbers),
 * reports each API exchange, then runs the answer's follow-up work. An unexpected error answers
 * HTTP 500 with its message.
 */
export class EmulatorHttpTransport {
  private readonly server: http.Server;
  private listening = false;

  constructor(private readonly routes: EmulatorHttpRoutes) {
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(error instanceof Error ? error.message : String(error));
        }
      });
    });
  }

  /** The port the server listens on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Starts listening on `host:port` (port 0: any free port). */
  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listening = true;
  }

  /** Stops the server and closes every connection (nothing when it never listened). */
  async close(): Promise<void> {
    if (!this.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const { text, bytes } = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://emulator').pathname.replace(/\/+$/, '');
    if (this.routes.chatPage.matches(path)) {
      await this.routes.chatPage.handle(request, response, path, text);
      return;
    }
    const method = request.method ?? 'GET';
    const { endpoint, answer } = await this.routes.api.route({
      method,
      path,
      headers: request.headers,
      text,
      bytes,
    });
    const responseBody = stringifyJson(answer.body);
    response.writeHead(answer.httpStatus, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(responseBody),
    });
    response.end(responseBody);
    this.routes.onApiRequest({
      endpoint: endpoint ?? path,
      method,
      rawBody: text,
      body: safeParse(text),
      status: typeof answer.body.status === 'number' ? answer.body.status : -1,
      statusMessage: String(answer.body.status_message ?? ''),
      httpStatus: answer.httpStatus,
      responseBody,
      warnings: answer.warnings ?? [],
      timestamp: Date.now(),
    });
    answer.after?.();
  }
}

function safeParse(text: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    return undefined;
  }
}

/** Reads a request body; only the first {@link HARD_BODY_LIMIT} bytes are kept. */
function readBody(request: http.IncomingMessage): Promise<{ text: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= HARD_BODY_LIMIT) chunks.push(chunk);
    });
    request.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), bytes }));
    request.on('error', reject);
  });
}
