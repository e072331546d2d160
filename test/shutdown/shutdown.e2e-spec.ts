import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'node:http';
import { RecordingApiServer } from '../support/recording-api.server';
import { textMessage } from '../support/callbacks';
import { TEST_TOKEN, postSigned } from '../support/viber-test-app';

/** Collects a child's stdout lines and lets the test wait for one. */
class Lines {
  readonly all: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(child: ChildProcess) {
    let rest = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      this.all.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
  async waitFor(predicate: (lines: string[]) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.all)) {
      if (Date.now() > deadline)
        throw new Error(`timed out; output so far: ${this.all.join(' | ')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

describe('graceful shutdown on SIGTERM', () => {
  it('finishes 100 in-flight slow handlers, refuses later callbacks and exits 0', async () => {
    const api = await RecordingApiServer.start();
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        join(__dirname, '../support/shutdown-app.ts'),
      ],
      {
        cwd: join(__dirname, '..', '..'),
        env: {
          ...process.env,
          VIBER_TOKEN: TEST_TOKEN,
          VIBER_API_URL: api.url,
          TS_NODE_PROJECT: 'tsconfig.json',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const lines = new Lines(child);
    try {
      await lines.waitFor((all) => all.some((l) => l.startsWith('listening ')));
      const port = lines.all.find((l) => l.startsWith('listening '))!.split(' ')[1];
      const webhook = `http://127.0.0.1:${port}/viber/webhook`;

      // 100 callbacks whose handlers each take a second.
      const inFlight = Array.from({ length: 100 }, (_, i) =>
        postSigned(webhook, textMessage(`u${i}`, `slow ${i}`), TEST_TOKEN),
      );
      await lines.waitFor((all) => all.filter((l) => l === 'started').length === 100);

      child.kill('SIGTERM');
      await lines.waitFor((all) => all.includes('shutting-down'));

      // A callback after the signal is refused: 503 while draining, or no connection at all.
      const late = await new Promise<number | 'refused'>((resolve) => {
        const req = request(
          webhook,
          { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', () => resolve('refused'));
        req.end(textMessage('late', 'after'));
      });
      expect([503, 'refused']).toContain(late);

      const answers = await Promise.all(inFlight);
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 100 }, () => 200));
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(lines.all).toContain('done 100');
      expect(lines.all).not.toContain('after-handled');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await api.close();
    }
  }, 90_000);
});
