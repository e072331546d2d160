/**
 * The emulator's waits stay under jest's own 5 s timeout, so a test that waits for a bot that
 * never answers fails with the emulator's message (what to check, what to raise), not jest's
 * generic one; and closing the emulator never hangs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ViberEmulator, ViberEmulatorError } from 'nestjs-viber/testing';

describe('reply waits', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // A webhook that answers the set_webhook check, then never answers anything else.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (body.includes('"event":"webhook"')) res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/viber`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a bot that never answers: user.send rejects with the emulator’s message before jest’s timeout, and close() does not hang', async () => {
    const emulator = await ViberEmulator.start({ webhook: url, retrySchedule: [] });
    const alice = emulator.user('alice');
    const error = await alice.send('hello').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViberEmulatorError);
    expect((error as Error).message).toBe(
      "The bot did not answer alice's message callback within 3000 ms (replies.timeoutMs): is the app listening at the emulator's webhook, and are its handlers still running? Raise replies.timeoutMs (user.send(text, { timeoutMs }) or the emulator's replies option) for slow handlers.",
    );
    await emulator.close();
  });
});
