import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  /** Path without the API prefix, e.g. `send_message`. */
  endpoint: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Raw body text. */
  text: string;
  /** Body parsed with JSON.parse (test bodies carry no 64-bit integers). */
  body: unknown;
}

/** What the server answers: an HTTP reply, or a misbehaviour. */
export type Reply =
  { status?: number; body: string | object; contentType?: string } | 'hang' | 'destroy';

/** Chooses the reply for a request. */
export type Responder = (request: RecordedRequest) => Reply | Promise<Reply>;

const OK: Responder = (request) => ({
  body:
    request.endpoint === 'send_message'
      ? '{"status":0,"status_message":"ok","message_token":5491057495223473139,"chat_hostname":"SN-CHAT-01_","billing_status":0}'
      : { status: 0, status_message: 'ok' },
});

/**
 * A real HTTP server on 127.0.0.1 playing the Viber API in tests: it records every request and
 * answers with whatever the test's responder says (including never answering, or dropping the
 * connection).
 */
export class RecordingApiServer {
  readonly requests: RecordedRequest[] = [];
  private responder: Responder = OK;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {}

  /** Starts a server on an ephemeral port. */
  static async start(): Promise<RecordingApiServer> {
    const server = createServer();
    const instance = new RecordingApiServer(server);
    server.on('connection', (socket) => {
      instance.sockets.add(socket);
      socket.on('close', () => instance.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        const url = req.url ?? '';
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          endpoint: url.replace(/^\/pa\//, '').replace(/\?.*$/, ''),
          url,
          headers: req.headers,
          text,
          body,
        };
        instance.requests.push(recorded);
        void Promise.resolve(instance.responder(recorded)).then((reply) =>
          instance.reply(res, reply),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  /** The API base URL to give the client. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/pa`;
  }

  /** Sets how the server answers from now on. */
  respondWith(responder: Responder): void {
    this.responder = responder;
  }

  /** Forgets recorded requests and restores the default answers. */
  reset(): void {
    this.requests.length = 0;
    this.responder = OK;
  }

  /** Requests to one endpoint. */
  to(endpoint: string): RecordedRequest[] {
    return this.requests.filter((request) => request.endpoint === endpoint);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private reply(res: ServerResponse, reply: Reply): void {
    if (reply === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (reply === 'destroy') {
      res.socket?.destroy();
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json' });
    res.end(text);
  }
}
