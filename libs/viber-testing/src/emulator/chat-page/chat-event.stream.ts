import type * as http from 'node:http';
import { stringifyJson } from '../raw-json.util';

/** How often an idle event stream gets a comment line, so that proxies keep it open. */
const HEARTBEAT_MS = 15_000;

/** One Server-Sent Event. */
export interface ServerSentEvent {
  /** The `event:` name. */
  event: string;
  /** Serialized as one `data:` line of JSON. */
  data: unknown;
}

/**
 * The chat page's Server-Sent Events hub: keeps the open `text/event-stream` responses and
 * writes every published event to each of them. {@link close} ends them all (the emulator calls
 * it from `close()`, so no socket or timer is left behind).
 */
export class ChatEventStream {
  private readonly clients = new Set<http.ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  /** Number of connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /** Turns `response` into an event stream, sends `initial` events, and keeps it until it closes. */
  open(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    initial: readonly ServerSentEvent[],
  ): void {
    if (this.closed) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('The Viber emulator is closing');
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 1000\n\n');
    for (const item of initial) write(response, item);
    this.clients.add(response);
    const drop = (): void => {
      this.clients.delete(response);
      if (this.clients.size === 0) this.stopHeartbeat();
    };
    request.on('close', drop);
    response.on('close', drop);
    this.startHeartbeat();
  }

  /** Sends an event to every connected client. */
  publish(event: string, data: unknown): void {
    if (this.closed || this.clients.size === 0) return;
    for (const client of this.clients) write(client, { event, data });
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.closed = true;
    this.stopHeartbeat();
    for (const client of this.clients) {
      if (!client.writableEnded) client.end();
      client.destroy();
    }
    this.clients.clear();
  }

  private startHeartbeat(): void {
    if (this.heartbeat !== undefined) return;
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) {
        if (!client.writableEnded && !client.destroyed) client.write(': ping\n\n');
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat === undefined) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

function write(response: http.ServerResponse, item: ServerSentEvent): void {
  if (response.writableEnded || response.destroyed) return;
  // JSON text has no raw line breaks, so one `data:` line carries it.
  response.write(`event: ${item.event}\ndata: ${stringifyJson(item.data)}\n\n`);
}
