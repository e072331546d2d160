import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import {
  discardRefusedUpload,
  nodeResponse,
  settleRefusedConnection,
  type RefusedUploadLimits,
} from './refused-upload';

const ANSWER = '{"message":"refused"}';

/** A server that refuses every request at once, before reading its body. */
async function refusingServer(
  settle: (request: IncomingMessage, response: ServerResponse) => boolean,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const close = settle(request, response);
    response.writeHead(403, {
      'Content-Type': 'application/json',
      'Content-Length': ANSWER.length,
      ...(close ? { Connection: 'close' } : {}),
    });
    response.end(ANSWER);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

interface Upload {
  /** Everything the server sent. */
  text: string;
  /** The first socket error, if any (a reset connection). */
  error?: string;
  /** Whether the server ended or dropped the connection. */
  closed: boolean;
}

/**
 * Sends the head and a first slice of a `total`-byte body, waits for the answer, then writes
 * `more` more bytes in 16 KB slices (each after the last one is taken), then `then` (raw bytes),
 * and waits `settleMs` for what follows.
 */
function uploadAfterAnswer(
  port: number,
  total: number,
  more: number,
  options: { then?: string; settleMs?: number } = {},
): Promise<Upload> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const result: Upload = { text: '', closed: false };
    let answered = false;
    const finish = (): void => {
      socket.destroy();
      resolve(result);
    };
    socket.on('error', (error: NodeJS.ErrnoException) => {
      result.error ??= error.code ?? error.message;
    });
    socket.on('close', () => {
      result.closed = true;
    });
    const writeRest = async (): Promise<void> => {
      const slice = Buffer.alloc(16 * 1024, 'x');
      for (let sent = 0; sent < more && !socket.destroyed; sent += slice.length) {
        const part = slice.subarray(0, Math.min(slice.length, more - sent));
        await new Promise<void>((done) => socket.write(part, () => done()));
      }
      if (options.then !== undefined && !socket.destroyed) socket.write(options.then);
      setTimeout(finish, options.settleMs ?? 100);
    };
    socket.on('data', (chunk: Buffer) => {
      result.text += chunk.toString('latin1');
      if (!answered && result.text.endsWith(ANSWER)) {
        answered = true;
        void writeRest();
      }
    });
    socket.write(
      `POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${total}\r\n\r\n` +
        'x'.repeat(1024),
    );
  });
}

describe('discardRefusedUpload', () => {
  let running: { server: Server; port: number } | undefined;
  afterEach(async () => {
    running?.server.closeAllConnections();
    await new Promise((resolve) => running?.server.close(resolve));
    running = undefined;
  });

  const discarding =
    (limits: RefusedUploadLimits) => (request: IncomingMessage, response: ServerResponse) => {
      discardRefusedUpload(request, response, limits);
      return false;
    };

  it('reads the rest of the upload, so a client still writing after the answer is not reset, and keeps the connection', async () => {
    running = await refusingServer(discarding({ maxBytes: 1024 * 1024, maxMs: 5000 }));
    const total = 600 * 1024;
    const next = 'GET /next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const upload = await uploadAfterAnswer(running.port, total, total - 1024, { then: next });
    expect(upload.error).toBeUndefined();
    // The upload ended within the bounds: the same connection carries the next request.
    expect(upload.text.match(/HTTP\/1\.1 403 /g)).toHaveLength(2);
    expect(upload.closed).toBe(false);
  });

  it('what it prevents: closing at once resets a client still writing its body', async () => {
    running = await refusingServer(() => true);
    const total = 600 * 1024;
    const upload = await uploadAfterAnswer(running.port, total, total - 1024);
    expect(upload.text).toMatch(/^HTTP\/1\.1 403 /);
    expect(upload.error).toMatch(/EPIPE|ECONNRESET/);
  });

  it('drops the connection past maxBytes more bytes, once the answer is out', async () => {
    running = await refusingServer(discarding({ maxBytes: 64 * 1024, maxMs: 5000 }));
    const total = 4 * 1024 * 1024;
    const upload = await uploadAfterAnswer(running.port, total, total - 1024, { settleMs: 200 });
    expect(upload.text).toMatch(/^HTTP\/1\.1 403 [\s\S]*\{"message":"refused"\}$/);
    expect(upload.closed).toBe(true);
  });

  it('drops the connection maxMs after the refusal when the upload stalls', async () => {
    running = await refusingServer(discarding({ maxBytes: 1024 * 1024, maxMs: 100 }));
    const upload = await uploadAfterAnswer(running.port, 600 * 1024, 0, { settleMs: 400 });
    expect(upload.text).toMatch(/^HTTP\/1\.1 403 /);
    expect(upload.closed).toBe(true);
  });

  it('leaves no listener behind once the upload ends, and does nothing for a complete request', async () => {
    const listeners: number[] = [];
    running = await refusingServer((request, response) => {
      discardRefusedUpload(request, response, { maxBytes: 1024 * 1024, maxMs: 5000 });
      request.once('end', () =>
        setImmediate(() =>
          listeners.push(request.listenerCount('data') + request.listenerCount('close')),
        ),
      );
      return false;
    });
    await uploadAfterAnswer(running.port, 2048, 1024);
    expect(listeners).toEqual([0]);
    const complete = { complete: true, on: jest.fn(), resume: jest.fn() };
    discardRefusedUpload(complete as unknown as IncomingMessage, {} as ServerResponse, {
      maxBytes: 1,
      maxMs: 1,
    });
    expect(complete.on).not.toHaveBeenCalled();
    expect(complete.resume).not.toHaveBeenCalled();
  });
});

describe('settleRefusedConnection', () => {
  const webhook = { maxBodyBytes: 100, bodyTimeoutMs: 1000 };

  it('asks for Connection: close for "close", and for "discard" where request or response is not Node\'s', () => {
    expect(settleRefusedConnection('close', { headers: {} }, {}, webhook)).toBe(true);
    expect(settleRefusedConnection('keep', { headers: {} }, {}, webhook)).toBe(false);
    expect(settleRefusedConnection('discard', { headers: {} }, {}, webhook)).toBe(true);
  });
});

describe('nodeResponse', () => {
  it('finds the Node response in an Express response (itself) and a Fastify reply (raw)', () => {
    const response = { once: () => undefined, writeHead: () => undefined };
    expect(nodeResponse(response)).toBe(response);
    expect(nodeResponse({ raw: response })).toBe(response);
    expect(nodeResponse({ raw: {} })).toBeUndefined();
    expect(nodeResponse(null)).toBeUndefined();
    expect(nodeResponse('response')).toBeUndefined();
  });
});
