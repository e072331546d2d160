/**
 * One outgoing client in its own process: `node … bench/outgoing-client.ts <client> <apiOrigin>`.
 * Clients: `limit` (bare node:http with a keep-alive agent: JSON out, bigint-safe JSON in, no
 * validation, no retries: the floor of this machine), `nestjs-viber` (its `ViberClient` from
 * `ViberModule.forRoot`, as an app injects it),
 * `viber-bot` (its `Bot`, the API URL patched at run time) and `messaging-api-viber` (its
 * `origin` option). IPC: `send` (N messages to distinct receivers, bounded concurrency),
 * `broadcast` (one message to N receivers), `exit`.
 */
import 'reflect-metadata';
import { Agent, request } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { ViberClient, ViberModule } from 'nestjs-viber';
import { BENCH_TOKEN, FIXED_MESSAGE_TOKEN } from './callbacks';
import { serveIpc, signalReady, type IpcMessage } from './child-process';

/** The clients this script can run. */
export const OUTGOING_CLIENTS = [
  'limit',
  'nestjs-viber',
  'viber-bot',
  'messaging-api-viber',
] as const;
/** One of {@link OUTGOING_CLIENTS}. */
export type OutgoingClient = (typeof OUTGOING_CLIENTS)[number];

/** How a broadcast is sent. */
export type BroadcastStyle =
  /** The library's own broadcast call. */
  | 'library'
  /** The caller splits the receivers into requests of 300 and sends 10 at a time (no pacing). */
  | 'chunked-by-caller';

/** A distinct Viber-like user id per index. */
export function receiverId(index: number): string {
  return `${index.toString(36).padStart(10, '0')}AbCdEfGhIjKl==`;
}

/** One adapter per client: the same operations, each done the way its users do them. */
interface ClientAdapter {
  /** Sends one text message; resolves to the `message_token` the client returned. */
  send(receiver: string, text: string): Promise<unknown>;
  /** One broadcast call of the library (undefined: the library has none). */
  broadcast?(receivers: string[], text: string): Promise<{ sent: number; failed: number }>;
  /** One broadcast request of at most 300 receivers (for callers that chunk themselves). */
  broadcastChunk?(receivers: string[], text: string): Promise<unknown>;
  close(): Promise<void>;
}

async function bareClient(apiUrl: string): Promise<ClientAdapter> {
  const agent = new Agent({ keepAlive: true });
  const base = new URL(apiUrl);
  const post = (endpoint: string, body: object): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const json = JSON.stringify(body);
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method: 'POST',
          path: `${base.pathname}/${endpoint}`,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(json),
            'X-Viber-Auth-Token': BENCH_TOKEN,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const answer = JSON.parse(
              text.replace(/"(?:[^"\\]|\\.)*"|-?\d{16,}/g, (m) => (m[0] === '"' ? m : `"${m}"`)),
            ) as Record<string, unknown>;
            if (answer.status !== 0) reject(new Error(String(answer.status_message)));
            else resolve(answer);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(json);
    });
  const sender = { name: 'Bench Bot' };
  return {
    send: async (receiver, text) =>
      (await post('send_message', { receiver, sender, type: 'text', text })).message_token,
    broadcastChunk: (receivers, text) =>
      post('broadcast_message', { broadcast_list: receivers, sender, type: 'text', text }),
    close: async () => agent.destroy(),
  };
}

async function nestjsViber(apiUrl: string): Promise<ClientAdapter> {
  @Module({
    imports: [ViberModule.forRoot({ token: BENCH_TOKEN, sender: { name: 'Bench Bot' }, apiUrl })],
  })
  class BenchClientModule {}
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    BenchClientModule,
    { logger: ['error', 'warn'] },
  );
  await app.init();
  const client = app.get(ViberClient);
  return {
    send: async (receiver, text) => (await client.sendMessage(receiver, text)).message_token,
    broadcast: async (receivers, text) => {
      const result = await client.broadcast(receivers, text);
      return { sent: result.sent, failed: result.failed_list.length };
    },
    close: () => app.close(),
  };
}

async function viberBot(apiUrl: string): Promise<ClientAdapter> {
  const { Bot, Message } = await import('viber-bot');
  const bot = new Bot({ authToken: BENCH_TOKEN, name: 'Bench Bot', avatar: '' });
  // viber-bot has no base-URL option: the module constant API_URL is handed to its client,
  // which keeps it in `_url`. Patch that field to reach the local fake API.
  bot._client._url = apiUrl;
  return {
    send: async (receiver, text) => {
      const tokens = await bot.sendMessage({ id: receiver }, new Message.Text(text));
      return tokens[0];
    },
    close: async () => undefined,
  };
}

async function messagingApiViber(apiUrl: string): Promise<ClientAdapter> {
  const { ViberClient: MavClient } = await import('messaging-api-viber');
  // `origin` replaces https://chatapi.viber.com; the client appends /pa/ itself.
  const client = new MavClient({
    accessToken: BENCH_TOKEN,
    sender: { name: 'Bench Bot' },
    origin: apiUrl.replace(/\/pa$/, ''),
  });
  return {
    send: async (receiver, text) => (await client.sendText(receiver, text)).messageToken,
    broadcast: async (receivers, text) => {
      const answer = await client.broadcastText(receivers, text);
      const failed = answer.failedList?.length ?? 0;
      return { sent: receivers.length - failed, failed };
    },
    broadcastChunk: (receivers, text) => client.broadcastText(receivers, text),
    close: async () => undefined,
  };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` running at once. */
async function pool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 160);
}

async function main(): Promise<void> {
  const client = process.argv[2] as OutgoingClient;
  const apiUrl = process.argv[3]!;
  const factories: Record<OutgoingClient, (url: string) => Promise<ClientAdapter>> = {
    limit: bareClient,
    'nestjs-viber': nestjsViber,
    'viber-bot': viberBot,
    'messaging-api-viber': messagingApiViber,
  };
  const factory = factories[client];
  if (!factory) throw new Error(`client must be one of ${OUTGOING_CLIENTS.join(', ')}`);
  const adapter = await factory(apiUrl);

  serveIpc(
    {
      /** `count` sends to distinct receivers (offset by `first`), `concurrency` at a time. */
      send: async (message: IpcMessage) => {
        const count = Number(message.count);
        const first = Number(message.first ?? 0);
        let ok = 0;
        let failed = 0;
        let exactTokens = 0;
        let firstError: string | undefined;
        let sampleToken: string | undefined;
        const started = process.hrtime.bigint();
        await pool(count, Number(message.concurrency), async (index) => {
          try {
            const token = await adapter.send(receiverId(first + index), 'Your order has shipped');
            ok++;
            sampleToken ??= String(token);
            if (String(token) === FIXED_MESSAGE_TOKEN) exactTokens++;
          } catch (error) {
            failed++;
            firstError ??= errorText(error);
          }
        });
        const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
        return { wallMs, ok, failed, exactTokens, sampleToken, firstError };
      },
      /** One message to `count` receivers. */
      broadcast: async (message: IpcMessage) => {
        const receivers = Array.from({ length: Number(message.count) }, (_, i) => receiverId(i));
        const style = message.style as BroadcastStyle;
        const text = 'Spring sale: 20% off everything';
        const started = process.hrtime.bigint();
        let sent = 0;
        let failed = 0;
        let error: string | undefined;
        try {
          if (style === 'library') {
            if (!adapter.broadcast) return { unsupported: true };
            ({ sent, failed } = await adapter.broadcast(receivers, text));
          } else {
            if (!adapter.broadcastChunk) return { unsupported: true };
            const chunks: string[][] = [];
            for (let i = 0; i < receivers.length; i += 300)
              chunks.push(receivers.slice(i, i + 300));
            await pool(chunks.length, 10, async (index) => {
              try {
                await adapter.broadcastChunk!(chunks[index]!, text);
                sent += chunks[index]!.length;
              } catch (chunkError) {
                failed += chunks[index]!.length;
                error ??= errorText(chunkError);
              }
            });
          }
        } catch (caught) {
          failed = receivers.length - sent;
          error = errorText(caught);
        }
        const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
        return { wallMs, sent, failed, error };
      },
    },
    () => adapter.close(),
  );
  signalReady();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
