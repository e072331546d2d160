import { ViberEmulator } from 'nestjs-viber/testing';
import { builtCli, runCli, startCli } from '../support/cli-bin';
import { TestWebhook } from '../support/test-webhook.helper';
import { freePort } from '../support/viber-test-app';

jest.setTimeout(60_000);

describe('nestjs-viber commands (the built bin against the emulator)', () => {
  let bin: string;
  let emulator: ViberEmulator;
  let env: Record<string, string>;

  beforeAll(async () => {
    bin = await builtCli();
  }, 300_000);

  beforeEach(async () => {
    emulator = await ViberEmulator.start({
      deliveryReceipts: false,
      users: [
        { id: 'alice', name: 'Alice', subscribed: true, onlineStatus: 0 },
        { id: 'bob', name: 'Bob', subscribed: true, onlineStatus: 1 },
      ],
    });
    env = { VIBER_TOKEN: emulator.token, VIBER_API_URL: emulator.url };
  });

  afterEach(async () => {
    await emulator.close();
  });

  it('account --json prints get_account_info as JSON; without --json a readable table', async () => {
    const json = await runCli(bin, ['account', '--json'], { env });
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    const account = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(account).toMatchObject({
      status: 0,
      id: emulator.account.id,
      name: 'Emulator Bot',
      subscribers_count: 2,
    });

    const text = await runCli(bin, ['account'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Emulator Bot\n/);
    expect(text.stdout).toMatch(/\n {2}name {9}Emulator Bot\n/);
    expect(text.stdout).toMatch(/\n {2}webhook {6}\(none: the bot receives nothing\)\n/);
    expect(text.stdout).toMatch(/\n {2}subscribers {2}2\n/);
  });

  it('webhook set | info | remove; a webhook that fails the check exits 1 and points at the doctor', async () => {
    const webhook = await TestWebhook.start();
    try {
      const set = await runCli(
        bin,
        ['webhook', 'set', webhook.url, '--events', 'delivered,seen', '--send-name'],
        { env },
      );
      expect(set.code).toBe(0);
      expect(set.stdout).toContain(`Webhook set: ${webhook.url}`);
      expect(webhook.events('webhook')).toHaveLength(1);
      expect(emulator.webhook).toMatchObject({
        url: webhook.url,
        eventTypes: ['delivered', 'seen'],
        sendName: true,
      });

      const info = await runCli(bin, ['webhook', 'info', '--json'], { env });
      expect(JSON.parse(info.stdout)).toEqual({
        webhook: webhook.url,
        event_types: ['delivered', 'seen'],
      });

      webhook.handler = () => ({ status: 500 });
      const failing = await runCli(bin, ['webhook', 'set', webhook.url], { env });
      expect(failing.code).toBe(1);
      expect(failing.stderr).toContain('error: Viber refused set_webhook: status 1 (invalidUrl)');
      expect(failing.stderr).toContain(
        `Run \`nestjs-viber webhook doctor ${webhook.url}\` to see why.`,
      );

      const badEvent = await runCli(
        bin,
        ['webhook', 'set', webhook.url, '--events', 'delivered,typing'],
        { env },
      );
      expect(badEvent.code).toBe(2);
      expect(badEvent.stderr).toContain('Unknown event type typing');

      const removed = await runCli(bin, ['webhook', 'remove'], { env });
      expect(removed.code).toBe(0);
      expect(emulator.webhook).toBeUndefined();
      const none = await runCli(bin, ['webhook', 'info'], { env });
      expect(none.stdout).toContain('No webhook is set');
    } finally {
      await webhook.close();
    }
  });

  it('user, online and send', async () => {
    emulator.setWebhook('http://127.0.0.1:9/viber/webhook');
    const user = await runCli(bin, ['user', 'alice', '--json'], { env });
    expect(user.code).toBe(0);
    expect(JSON.parse(user.stdout)).toMatchObject({ id: 'alice', name: 'Alice' });

    const online = await runCli(bin, ['online', 'alice', 'bob', '--json'], { env });
    expect(JSON.parse(online.stdout)).toEqual([
      expect.objectContaining({ id: 'alice', online_status: 0 }),
      expect.objectContaining({ id: 'bob', online_status: 1 }),
    ]);
    const table = await runCli(bin, ['online', 'alice', 'bob'], { env });
    expect(table.stdout.split('\n').slice(0, 3)).toEqual([
      'id     status   last online',
      'alice  online   -',
      expect.stringMatching(/^bob {4}offline {2}(-|\d{4}-)/),
    ]);

    const sent = await runCli(bin, ['send', 'alice', 'Hello from the command line'], { env });
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^Sent to alice: message_token \d+\n$/);
    const named = await runCli(bin, ['send', 'bob', 'Hi', '--sender', 'Support', '--json'], {
      env,
    });
    expect(JSON.parse(named.stdout)).toMatchObject({
      ok: true,
      receiver: 'bob',
      message_token: expect.any(String),
    });
    const dryRun = await runCli(
      bin,
      ['send', 'alice', 'Not sent', '--dry-run', '--json', '--sender', 'Bot'],
      { env },
    );
    expect(dryRun.code).toBe(0);
    expect(JSON.parse(dryRun.stdout)).toEqual({
      dryRun: true,
      requests: [
        {
          method: 'POST',
          url: `${emulator.url}/send_message`,
          bytes: expect.any(Number),
          body: { type: 'text', text: 'Not sent', sender: { name: 'Bot' }, receiver: 'alice' },
        },
      ],
    });
    expect(
      emulator.botMessages.map((message) => [
        message.receiver,
        message.text,
        message.message.sender,
      ]),
    ).toEqual([
      ['alice', 'Hello from the command line', { name: 'Emulator Bot' }],
      ['bob', 'Hi', { name: 'Support' }],
    ]);
  });

  it('exit codes: 1 when Viber says no, 3 when nothing answers, 2 for wrong usage; the token is never printed', async () => {
    const secret = 'never-print-me-0123456789-abcdefghij';
    const refused = await runCli(bin, ['account'], { env: { ...env, VIBER_TOKEN: secret } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'error: Viber refused get_account_info: status 2 (invalidAuthToken)',
    );
    expect(refused.stderr).toContain('hint: The token is not valid');
    const refusedJson = await runCli(bin, ['account', '--json', '--token', secret], {
      env: { VIBER_API_URL: emulator.url },
    });
    expect(JSON.parse(refusedJson.stdout)).toEqual({
      ok: false,
      exitCode: 1,
      error: expect.objectContaining({ kind: 'viber', status: 2, statusName: 'invalidAuthToken' }),
    });
    for (const run of [refused, refusedJson]) expect(run.stdout + run.stderr).not.toContain(secret);

    const closed = `http://127.0.0.1:${await freePort()}/pa`;
    const network = await runCli(bin, ['account', '--api-url', closed], { env });
    expect(network.code).toBe(3);
    expect(network.stderr).toContain(`hint: Nothing listens at ${closed}`);

    const unknownOption = await runCli(bin, ['account', '--frobnicate'], { env });
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("error: unknown option '--frobnicate'");
    const noToken = await runCli(bin, ['account'], { env: { VIBER_API_URL: emulator.url } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('A bot token is needed');
    const help = await runCli(bin, ['broadcast', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('--resume <file>');
  });

  it('emulator: a standalone emulator for any bot, printing the token, the API URL and the chat URL', async () => {
    const running = startCli(bin, [
      'emulator',
      '--port',
      '0',
      '--json',
      '--users',
      'carol,dave',
      '--bot-name',
      'Standalone',
    ]);
    try {
      const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setInterval(() => {
          const line = running.stdout().split('\n')[0];
          if (line && running.stdout().includes('\n')) {
            clearInterval(timer);
            resolve(JSON.parse(line) as Record<string, unknown>);
          }
        }, 50);
        void running.done.then((result) => {
          clearInterval(timer);
          reject(new Error(`emulator exited: ${result.stderr}`));
        });
      });
      expect(first).toMatchObject({
        event: 'listening',
        apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/pa$/),
        chatUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
        token: expect.any(String),
        tokenFrom: 'generated',
        webhook: null,
      });
      // Any client can use it: here another run of the bin, and a bare fetch.
      const account = await runCli(bin, ['account', '--json'], {
        env: { VIBER_TOKEN: first.token as string, VIBER_API_URL: first.apiUrl as string },
      });
      expect(JSON.parse(account.stdout)).toMatchObject({
        name: 'Standalone',
        subscribers_count: 2,
      });
      const page = await fetch(first.chatUrl as string);
      expect(page.status).toBe(200);
      running.child.kill('SIGINT');
      const result = await running.done;
      expect(result.code).toBe(0);
      const events = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event: string; endpoint?: string });
      expect(events.map((event) => event.endpoint ?? event.event)).toEqual([
        'listening',
        'get_account_info',
        'closed',
      ]);
    } finally {
      running.child.kill('SIGKILL');
    }
  });

  it('emulator with a given token does not print it', async () => {
    const token = 'given-token-0123456789-abcdefghijkl';
    const running = startCli(bin, ['emulator', '--port', '0'], { env: { VIBER_TOKEN: token } });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (running.stdout().includes('Press Ctrl-C to stop.')) {
            clearInterval(timer);
            resolve();
          }
        }, 50);
        void running.done.then(() => reject(new Error('emulator exited')));
      });
      expect(running.stdout()).toContain('(the one you gave: VIBER_TOKEN / --token)');
      expect(running.stdout()).toMatch(/API URL {4}http:\/\/127\.0\.0\.1:\d+\/pa/);
      running.child.kill('SIGINT');
      const result = await running.done;
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(token);
    } finally {
      running.child.kill('SIGKILL');
    }
  });
});
