import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ViberEmulator } from 'nestjs-viber/testing';
import { builtCli, runCli, runCliInTerminal } from '../support/cli-bin';

jest.setTimeout(60_000);

const ESC = String.fromCharCode(27);
/** Any ANSI escape sequence (colors, cursor moves, line erases). */
const ANSI = new RegExp(`${ESC}\\[`);
/** Color and weight escapes (SGR), e.g. ESC [32m. */
const SGR_COLOR = new RegExp(`${ESC}\\[(1|2|3[1-6]|39|22)m`);

describe('nestjs-viber on a terminal and in a pipe (pseudo-terminal via util-linux script)', () => {
  let bin: string;
  let emulator: ViberEmulator;
  let dir: string;
  let env: Record<string, string>;
  const ids = Array.from({ length: 900 }, (_, i) => `terminal-user-${i}`);

  beforeAll(async () => {
    bin = await builtCli();
  }, 300_000);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nestjs-viber-cli-tty-'));
    writeFileSync(join(dir, 'ids.csv'), ids.join('\n'));
    emulator = await ViberEmulator.start({
      deliveryReceipts: false,
      maxLogEntries: 5000,
      webhook: 'http://127.0.0.1:9/viber/webhook',
      users: ids.map((id) => ({ id, subscribed: true })),
    });
    env = { VIBER_TOKEN: emulator.token, VIBER_API_URL: emulator.url };
  });

  afterEach(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const args = (): string[] => [
    'broadcast',
    '--to',
    join(dir, 'ids.csv'),
    '--text',
    'Hello',
    '--out',
    join(dir, 'run'),
  ];

  it('draws the progress bar and colors on a terminal', async () => {
    const { code, output } = await runCliInTerminal(bin, args(), { env });
    expect(code).toBe(0);
    expect(output).toMatch(
      /█+.* 100% \| 900\/900 receivers \| sent 900 \| failed 0 \| \d+\/s \| ETA \d+s/,
    );
    expect(output).toMatch(/0% \| 0\/900 receivers/);
    expect(output).toMatch(SGR_COLOR);
    expect(output).toContain('Broadcast finished');
    expect(emulator.botMessages).toHaveLength(900);
  });

  it('draws neither bar nor colors without a terminal', async () => {
    const { code, stdout, stderr } = await runCli(bin, args(), { env });
    expect(code).toBe(0);
    expect(stderr).toBe('Broadcasting to 900 receivers (3 requests of at most 300)…\n');
    expect(stdout).toMatch(/^Broadcast finished in \d+\.\d s: 900 of 900 receivers sent/);
    expect(stdout + stderr).not.toMatch(ANSI);
    expect(stdout + stderr).not.toContain('ETA');
    expect(emulator.botMessages).toHaveLength(900);
  });

  it('NO_COLOR turns the colors off on a terminal, the bar stays', async () => {
    const { code, output } = await runCliInTerminal(bin, args(), {
      env: { ...env, NO_COLOR: '1' },
    });
    expect(code).toBe(0);
    expect(output).toContain('900/900 receivers');
    expect(output).not.toMatch(SGR_COLOR);
  });
});
