import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseJsonLossless } from 'nestjs-viber/internal';

/** One callback received by a {@link TestWebhook}. */
export interface ReceivedCallback {
  /** Path with query. */
  url: string;
  /** `sig` query parameter. */
  sig: string | null;
  /** `x-viber-content-signature` header. */
  signature: string | undefined;
  /** Exact body text. */
  rawBody: string;
  /** Body parsed losslessly. */
  body: Record<string, unknown>;
}

/** What the test webhook answers. */
export interface WebhookAnswer {
  status: number;
  body?: string;
}

/** Decides the answer to a callback. */
export type WebhookHandler = (
  callback: ReceivedCallback,
) => WebhookAnswer | void | Promise<WebhookAnswer | void>;

/** A tiny node:http webhook receiver standing in for the bot in emulator tests. */
export class TestWebhook {
  readonly received: ReceivedCallback[] = [];
  handler: WebhookHandler = () => undefined;

  private readonly server: http.Server;

  private constructor() {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const url = request.url ?? '/';
        const callback: ReceivedCallback = {
          url,
          sig: new URL(url, 'http://x').searchParams.get('sig'),
          signature: request.headers['x-viber-content-signature'] as string | undefined,
          rawBody,
          body: parseJsonLossless(rawBody) as Record<string, unknown>,
        };
        this.received.push(callback);
        Promise.resolve(this.handler(callback))
          .then((answer) => {
            const status = answer?.status ?? 200;
            response.writeHead(status, { 'content-type': 'application/json' });
            response.end(answer?.body ?? '');
          })
          .catch(() => {
            response.writeHead(500);
            response.end();
          });
      });
    });
  }

  static async start(handler?: WebhookHandler): Promise<TestWebhook> {
    const webhook = new TestWebhook();
    if (handler) webhook.handler = handler;
    await new Promise<void>((resolve) => webhook.server.listen(0, '127.0.0.1', resolve));
    return webhook;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/viber/webhook`;
  }

  /** Callbacks of one event. */
  events(event: string): ReceivedCallback[] {
    return this.received.filter((callback) => callback.body.event === event);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** The answer of one raw API call. */
export interface RawAnswer {
  httpStatus: number;
  text: string;
  body: Record<string, unknown>;
}

/** Reads a fixture from /work/main/test/fixtures (relative to the repo). */
export function fixtureText(name: string): string {
  return readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8');
}

/** Reads and parses a fixture (plain JSON.parse: request fixtures have no big integers). */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

/** Posts a raw body to an emulator endpoint with node:http (no client library in between). */
export function callApi(
  baseUrl: string,
  endpoint: string,
  body: string | object,
  token: string | null,
  method = 'POST',
): Promise<RawAnswer> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> =
      method === 'GET'
        ? {}
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    if (token !== null) headers['x-viber-auth-token'] = token;
    const request = http.request(
      `${baseUrl}/${endpoint}`,
      { method, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> = {};
          try {
            parsed = parseJsonLossless(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          resolve({ httpStatus: response.statusCode ?? 0, text, body: parsed });
        });
      },
    );
    request.on('error', reject);
    request.end(method === 'GET' ? undefined : payload);
  });
}
