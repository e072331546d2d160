import { EventEmitter } from 'node:events';
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

  it('leaves no listener behind once a real upload ends', async () => {
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
  });
});

/** A request and response as plain emitters, to drive each event by hand. */
function fakeExchange(): {
  request: IncomingMessage;
  response: ServerResponse;
  destroyed: jest.Mock;
  listeners: () => number;
} {
  const destroyed = jest.fn();
  const request = Object.assign(new EventEmitter(), {
    complete: false,
    resume: jest.fn(),
    socket: { destroy: destroyed },
  });
  const response = Object.assign(new EventEmitter(), {
    writableFinished: false,
    destroyed: false,
    writeHead: () => undefined,
  });
  const listeners = (): number =>
    ['data', 'end', 'close'].reduce((sum, name) => sum + request.listenerCount(name), 0);
  return {
    request: request as unknown as IncomingMessage,
    response: response as unknown as ServerResponse,
    destroyed,
    listeners,
  };
}

describe('discardRefusedUpload, event by event', () => {
  const limits = { maxBytes: 10, maxMs: 1000 };
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each(['end', 'close'])(
    'stops at the request\'s "%s": no listener left, no drop later',
    (event) => {
      const { request, response, destroyed, listeners } = fakeExchange();
      discardRefusedUpload(request, response, limits);
      expect(request.resume).toHaveBeenCalledTimes(1);
      expect(listeners()).toBe(3);
      request.emit(event);
      expect(listeners()).toBe(0);
      jest.advanceTimersByTime(limits.maxMs * 2);
      expect(destroyed).not.toHaveBeenCalled();
    },
  );

  it('does nothing for a request already complete (nothing more is coming)', () => {
    const { request, response, destroyed, listeners } = fakeExchange();
    Object.assign(request, { complete: true });
    discardRefusedUpload(request, response, limits);
    expect(listeners()).toBe(0);
    expect(request.resume).not.toHaveBeenCalled();
    jest.advanceTimersByTime(limits.maxMs);
    expect(destroyed).not.toHaveBeenCalled();
  });

  it('takes exactly maxBytes, and drops the connection one byte past them, not before the answer is out', () => {
    const { request, response, destroyed, listeners } = fakeExchange();
    discardRefusedUpload(request, response, limits);
    request.emit('data', Buffer.alloc(6));
    request.emit('data', Buffer.alloc(4));
    expect(listeners()).toBe(3);
    request.emit('data', Buffer.alloc(1));
    expect(listeners()).toBe(0);
    expect(destroyed).not.toHaveBeenCalled();
    response.emit('finish');
    expect(destroyed).toHaveBeenCalledTimes(1);
  });

  it('drops it when the answer fails instead (the response closes unfinished)', () => {
    const { request, response, destroyed } = fakeExchange();
    discardRefusedUpload(request, response, limits);
    jest.advanceTimersByTime(limits.maxMs - 1);
    expect(destroyed).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(destroyed).not.toHaveBeenCalled();
    response.emit('close');
    expect(destroyed).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['finished', { writableFinished: true, destroyed: false }],
    ['destroyed', { writableFinished: false, destroyed: true }],
  ])('drops it at once when the answer is already %s', (_, state) => {
    const { request, response, destroyed } = fakeExchange();
    Object.assign(response, state);
    discardRefusedUpload(request, response, limits);
    jest.advanceTimersByTime(limits.maxMs);
    expect(destroyed).toHaveBeenCalledTimes(1);
  });

  it('settleRefusedConnection discards within four times maxBodyBytes on Node objects (no header)', () => {
    const { request, response, destroyed } = fakeExchange();
    const webhook = { maxBodyBytes: 100, bodyTimeoutMs: 1000 };
    const viaFastify = { headers: {}, raw: request } as unknown as Parameters<
      typeof settleRefusedConnection
    >[1];
    expect(settleRefusedConnection('discard', viaFastify, { raw: response }, webhook)).toBe(false);
    request.emit('data', Buffer.alloc(400));
    Object.assign(response, { writableFinished: true });
    expect(destroyed).not.toHaveBeenCalled();
    request.emit('data', Buffer.alloc(1));
    expect(destroyed).toHaveBeenCalledTimes(1);
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
    expect(nodeResponse({ once: () => undefined })).toBeUndefined();
    expect(nodeResponse({ writeHead: () => undefined })).toBeUndefined();
    expect(nodeResponse(null)).toBeUndefined();
    expect(nodeResponse(undefined)).toBeUndefined();
    expect(nodeResponse('response')).toBeUndefined();
  });
});
