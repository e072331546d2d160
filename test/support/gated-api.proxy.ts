import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy holds back. */
interface HeldRequest {
  endpoint: string;
  forward: () => void;
}

/**
 * A pass-through HTTP proxy in front of an API (the emulator) that can hold requests: the test
 * decides which ones wait (e.g. every `broadcast_message` after the 8th) and releases them when
 * it wants. A held request whose client went away is still forwarded on release (as a request
 * Viber received after the client gave up on it).
 */
export class GatedApiProxy {
  /** Every request seen, by endpoint, in order of arrival. */
  readonly seen: string[] = [];
  private readonly held: HeldRequest[] = [];
  private gate: (endpoint: string, index: number) => boolean = () => false;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(target: string): Promise<GatedApiProxy> {
    const server = createServer();
    const proxy = new GatedApiProxy(server, new URL(target));
    server.on('request', (req, res) => proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The proxy's base URL: the target's path on the proxy's port. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.target.pathname.replace(/\/$/, '')}`;
  }

  /** Holds every request for which `gate(endpoint, index of that endpoint's request)` is true. */
  holdWhen(gate: (endpoint: string, index: number) => boolean): void {
    this.gate = gate;
  }

  /** Requests held right now. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Resolves once at least `count` requests are held. */
  async waitForHeld(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.held.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.held.length} requests held`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Stops holding, and forwards the held requests. */
  release(): void {
    this.gate = () => false;
    for (const request of this.held.splice(0)) request.forward();
  }

  async close(): Promise<void> {
    this.release();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const endpoint = (req.url ?? '').split('?')[0]!.split('/').pop() ?? '';
      const index = this.seen.filter((seen) => seen === endpoint).length;
      this.seen.push(endpoint);
      const body = Buffer.concat(chunks);
      const forward = (): void => {
        const upstream = httpRequest(
          new URL(`${this.target.pathname.replace(/\/$/, '')}/${endpoint}`, this.target),
          { method: req.method, headers: { ...req.headers, host: this.target.host }, agent: false },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => parts.push(chunk));
            answer.on('end', () => {
              if (res.destroyed) return;
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(Buffer.concat(parts));
            });
          },
        );
        upstream.on('error', () => {
          if (!res.destroyed) {
            res.writeHead(502);
            res.end();
          }
        });
        upstream.end(body);
      };
      if (this.gate(endpoint, index)) {
        this.held.push({ endpoint, forward });
        for (const wake of this.waiters.splice(0)) wake();
      } else forward();
    });
  }
}
