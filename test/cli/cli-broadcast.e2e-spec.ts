import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ViberEmulator } from 'nestjs-viber/testing';
import { builtCli, runCli, startCli } from '../support/cli-bin';
import { GatedApiProxy } from '../support/gated-api.proxy';

jest.setTimeout(120_000);

/** Viber-like ids (base64 with `+`, `/` and `=`), one per subscriber. */
function subscriberIds(count: number, tag: string): string[] {
  return Array.from({ length: count }, (_, i) =>
    Buffer.from(`${tag}-subscriber-${i}`).toString('base64'),
  );
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function csvRows(path: string): string[] {
  return readFileSync(path, 'utf8').trim().split('\n');
}

describe('nestjs-viber broadcast (the built bin against the emulator)', () => {
  let bin: string;
  let dir: string;

  beforeAll(async () => {
    bin = await builtCli();
  }, 300_000);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nestjs-viber-cli-broadcast-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** An emulator with these subscribers and a webhook (broadcasts need one), no receipts. */
  async function emulatorWith(ids: readonly string[]): Promise<{
    emulator: ViberEmulator;
    deliveries: Map<string, number>;
  }> {
    const emulator = await ViberEmulator.start({
      deliveryReceipts: false,
      maxLogEntries: 20_000,
      webhook: 'http://127.0.0.1:9/viber/webhook',
      users: ids.map((id) => ({ id, subscribed: true })),
    });
    const deliveries = new Map<string, number>();
    emulator.on('botMessage', (message) => {
      deliveries.set(message.receiver, (deliveries.get(message.receiver) ?? 0) + 1);
    });
    return { emulator, deliveries };
  }

  it('5,000 receivers from a CSV, Ctrl-C halfway, then --resume: every receiver gets the message once', async () => {
    const ids = subscriberIds(5000, 'half');
    const { emulator, deliveries } = await emulatorWith(ids);
    const proxy = await GatedApiProxy.start(emulator.url);
    try {
      const csv = join(dir, 'subscribers.csv');
      writeFileSync(csv, `receiver\n${ids.join('\n')}\n`);
      // The 9th request (2,400 receivers sent by then) waits at the proxy until Ctrl-C.
      proxy.holdWhen((endpoint, index) => endpoint === 'broadcast_message' && index >= 8);
      const env = { VIBER_TOKEN: emulator.token, VIBER_API_URL: proxy.url };
      const first = startCli(
        bin,
        [
          'broadcast',
          '--to',
          csv,
          '--text',
          'Half now, half later',
          '--concurrency',
          '2',
          '--out',
          join(dir, 'run1'),
        ],
        { env, cwd: dir },
      );
      await proxy.waitForHeld(1);
      first.child.kill('SIGINT');
      await first.waitForStderr(/Ctrl-C: stopping\. No new request starts/);
      proxy.release(); // the requests in flight finish
      const stopped = await first.done;

      expect(stopped.code).toBe(130);
      const resumePath = join(dir, 'run1.resume.json');
      expect(stopped.stdout).toContain('Broadcast stopped by Ctrl-C');
      expect(stopped.stdout).toContain(
        'Resume with: nestjs-viber broadcast --resume run1.resume.json',
      );
      expect(existsSync(join(dir, 'run1.uncertain.csv'))).toBe(false);
      expect(existsSync(join(dir, 'run1.failed.csv'))).toBe(false);
      const resume = readJson<{
        receivers: string[];
        total: number;
        message: { text: string; sender: { name: string } };
      }>(resumePath);
      expect(resume.total).toBe(5000);
      expect(resume.message).toEqual({
        type: 'text',
        text: 'Half now, half later',
        sender: { name: 'Emulator Bot' },
      });
      const sentFirst = new Set(deliveries.keys());
      // Eight requests answered before the stop, plus the one or two that were in flight.
      expect(sentFirst.size).toBeGreaterThanOrEqual(2700);
      expect(sentFirst.size).toBeLessThanOrEqual(3000);
      expect(resume.receivers).toHaveLength(5000 - sentFirst.size);
      expect(resume.receivers.filter((id) => sentFirst.has(id))).toEqual([]);

      const resumed = await runCli(
        bin,
        ['broadcast', '--resume', resumePath, '--out', join(dir, 'run2'), '--json'],
        { env, cwd: dir },
      );
      expect(resumed.code).toBe(0);
      const summary = JSON.parse(resumed.stdout) as Record<string, unknown>;
      expect(summary).toMatchObject({
        ok: true,
        interrupted: false,
        receivers: resume.receivers.length,
        sent: resume.receivers.length,
        notSent: 0,
        refused: 0,
        uncertain: 0,
        files: {},
        resumedFrom: resumePath,
      });
      // Every receiver exactly once, across both runs.
      expect(deliveries.size).toBe(5000);
      expect([...deliveries.values()].every((count) => count === 1)).toBe(true);
      expect(ids.every((id) => deliveries.get(id) === 1)).toBe(true);
      expect(emulator.botMessages.every((message) => message.text === 'Half now, half later')).toBe(
        true,
      );

      // A resume file is used once.
      expect(existsSync(resumePath)).toBe(false);
      expect(existsSync(`${resumePath}.done`)).toBe(true);
      const again = await runCli(bin, ['broadcast', '--resume', resumePath], { env, cwd: dir });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('was already resumed');
      expect(deliveries.size).toBe(5000);
    } finally {
      await proxy.close();
      await emulator.close();
    }
  });

  it('Ctrl-C twice abandons the request in flight: its receivers go to the uncertain file, never to the resume file', async () => {
    const ids = subscriberIds(1000, 'twice');
    const { emulator, deliveries } = await emulatorWith(ids);
    const proxy = await GatedApiProxy.start(emulator.url);
    try {
      const csv = join(dir, 'ids.csv');
      writeFileSync(csv, ids.join('\n'));
      proxy.holdWhen((endpoint, index) => endpoint === 'broadcast_message' && index >= 2);
      const env = { VIBER_TOKEN: emulator.token, VIBER_API_URL: proxy.url };
      const run = startCli(
        bin,
        [
          'broadcast',
          '--to',
          csv,
          '--text',
          'Twice',
          '--concurrency',
          '1',
          '--out',
          join(dir, 'run'),
        ],
        { env, cwd: dir },
      );
      await proxy.waitForHeld(1);
      run.child.kill('SIGINT');
      await run.waitForStderr(/Ctrl-C: stopping/);
      run.child.kill('SIGINT');
      await run.waitForStderr(/Ctrl-C again: abandoning the requests in flight/);
      const result = await run.done;
      // Viber received the abandoned request after all (the "maybe delivered" case).
      proxy.release();
      await emulator.waitForBotMessages(900);

      expect(result.code).toBe(130);
      const uncertain = csvRows(join(dir, 'run.uncertain.csv'));
      expect(uncertain).toEqual(['receiver', ...ids.slice(600, 900)]);
      const resume = readJson<{ receivers: string[] }>(join(dir, 'run.resume.json'));
      expect(resume.receivers).toEqual(ids.slice(900));
      expect(result.stdout).toContain(
        '300 receivers uncertain: their request left but no answer came',
      );
      expect(result.stdout).toContain('They are NOT in the resume file');
      expect(result.stdout).toMatch(/uncertain\s+300\s+→ .*run\.uncertain\.csv/);

      const resumed = await runCli(bin, ['broadcast', '--resume', join(dir, 'run.resume.json')], {
        env,
        cwd: dir,
      });
      expect(resumed.code).toBe(0);
      expect(ids.every((id) => deliveries.get(id) === 1)).toBe(true);
    } finally {
      await proxy.close();
      await emulator.close();
    }
  });

  it('receivers Viber refuses are written with their status to the failed file (exit 1)', async () => {
    const { emulator, deliveries } = await emulatorWith(['alice', 'bob']);
    emulator.user({ id: 'carol', subscribed: false });
    try {
      const csv = join(dir, 'people.csv');
      writeFileSync(
        csv,
        'name,user_id\nAlice,alice\nBob,bob\nCarol,carol\nNobody,nobody\nAlice again,alice\n',
      );
      const result = await runCli(
        bin,
        ['broadcast', '--to', csv, '--text', 'Hi', '--sender', 'Shop', '--out', join(dir, 'out')],
        { env: { VIBER_TOKEN: emulator.token, VIBER_API_URL: emulator.url }, cwd: dir },
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('warning: 1 repeated receiver in');
      expect([...deliveries.keys()].sort()).toEqual(['alice', 'bob']);
      expect(csvRows(join(dir, 'out.failed.csv'))).toEqual([
        'receiver,status,status_name,status_message',
        'carol,6,receiverNotSubscribed,Not subscribed',
        'nobody,5,receiverNotRegistered,Not found',
      ]);
      expect(existsSync(join(dir, 'out.resume.json'))).toBe(false);
      expect(result.stdout).toMatch(
        /refused\s+2\s+receiverNotSubscribed 1, receiverNotRegistered 1/,
      );
    } finally {
      await emulator.close();
    }
  });

  it('--dry-run validates the message and prints the requests it would make, sending nothing', async () => {
    const ids = subscriberIds(650, 'dry');
    const csv = join(dir, 'ids.csv');
    writeFileSync(csv, ids.join('\n'));
    const message = join(dir, 'message.json');
    writeFileSync(message, JSON.stringify({ type: 'url', media: 'https://example.com/sale' }));
    // No token, no API: a dry run with --sender needs neither.
    const result = await runCli(bin, [
      'broadcast',
      '--to',
      csv,
      '--message',
      message,
      '--sender',
      'Shop',
      '--dry-run',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      dryRun: boolean;
      requests: Array<{
        method: string;
        url: string;
        body: { broadcast_list: string[]; type: string; sender: unknown };
      }>;
    };
    expect(report.dryRun).toBe(true);
    expect(report.requests.map((request) => request.url)).toEqual(
      Array(3).fill('https://chatapi.viber.com/pa/broadcast_message'),
    );
    expect(report.requests.map((request) => request.body.broadcast_list.length)).toEqual([
      300, 300, 50,
    ]);
    expect(report.requests.flatMap((request) => request.body.broadcast_list)).toEqual(ids);
    expect(report.requests[0]!.body).toMatchObject({
      type: 'url',
      media: 'https://example.com/sale',
      sender: { name: 'Shop' },
    });

    const text = await runCli(bin, [
      'broadcast',
      '--to',
      csv,
      '--text',
      'Hi',
      '--sender',
      'Shop',
      '--dry-run',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      'Dry run: the message is valid; nothing was sent. 650 receivers would take 3 requests',
    );
    expect(text.stdout).toContain('… 295 more …');

    // A message over the documented limits: exit 2, the field and the limit named.
    writeFileSync(message, JSON.stringify({ type: 'text', text: 'x'.repeat(7001) }));
    const invalid = await runCli(bin, [
      'broadcast',
      '--to',
      csv,
      '--message',
      message,
      '--sender',
      'Shop',
      '--dry-run',
    ]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(
      /error: The message breaks Viber's documented limits \(nothing was sent\): text .*7000/,
    );
  });

  it('refuses wrong usage with exit 2 and says what to do', async () => {
    const csv = join(dir, 'ids.csv');
    writeFileSync(csv, 'a\nb\n');
    const env = { VIBER_TOKEN: 'not-used', VIBER_API_URL: 'http://127.0.0.1:9/pa' };
    const noReceivers = await runCli(bin, ['broadcast', '--text', 'x'], { env });
    expect(noReceivers.code).toBe(2);
    expect(noReceivers.stderr).toContain('No receivers: give --to ids.csv');
    const noMessage = await runCli(bin, ['broadcast', '--to', csv], { env });
    expect(noMessage.code).toBe(2);
    expect(noMessage.stderr).toContain('No message');
    const redis = await runCli(
      bin,
      ['broadcast', '--to', csv, '--text', 'x', '--redis', 'redis://127.0.0.1:6379'],
      { env },
    );
    expect(redis.code).toBe(2);
    expect(redis.stderr).toContain('--redis is not available yet');
    const mixed = await runCli(bin, ['broadcast', '--resume', 'x.resume.json', '--text', 'x'], {
      env,
    });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('leave out --text');
  });

  it('reads the receivers from stdin with --to -', async () => {
    const { emulator, deliveries } = await emulatorWith(['u1', 'u2', 'u3']);
    try {
      const result = await runCli(
        bin,
        ['broadcast', '--to', '-', '--text', 'From a pipe', '--out', join(dir, 'x')],
        {
          env: { VIBER_TOKEN: emulator.token, VIBER_API_URL: emulator.url },
          input: 'u1\nu2\nu3\n',
          cwd: dir,
        },
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Broadcast finished');
      expect([...deliveries.keys()].sort()).toEqual(['u1', 'u2', 'u3']);
    } finally {
      await emulator.close();
    }
  });
});
