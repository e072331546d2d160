/**
 * The README's code is part of the tests. Every TypeScript block is either a complete file
 * (first line `// file: <example>/<path>.ts`) or marked as a fragment on purpose (an HTML comment
 * `<!-- fragment -->` right before it). The files are written under test/readme/generated/,
 * type-checked together with the strict settings of a Nest starter (`isolatedModules`,
 * `emitDecoratorMetadata`), and run: every `*.spec.ts` among them runs as part of this test, and
 * the apps run against the emulator below. A README edit that breaks any of it fails here.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { startChildApp } from '../support/child-app';
import { freePort } from '../support/viber-test-app';

/** Polls an async condition until it holds (rejects after `timeoutMs`). */
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ROOT = join(__dirname, '..', '..');
const GENERATED = join(__dirname, 'generated');

/** One TypeScript block of the README. */
interface Block {
  line: number;
  code: string;
  file?: string;
  fragment: boolean;
}

function readmeBlocks(): Block[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks: Block[] = [];
  const fence = /^( *)```(ts|typescript)\n([\s\S]*?)^\1```/gm;
  for (const match of text.matchAll(fence)) {
    const indent = match[1]!.length;
    const code = match[3]!
      .split('\n')
      .map((line) => line.slice(indent))
      .join('\n');
    const before = text.slice(0, match.index).trimEnd();
    const file = /^\/\/ file: (\S+\.ts)\n/.exec(code)?.[1];
    blocks.push({
      line: text.slice(0, match.index).split('\n').length,
      code,
      file,
      fragment: before.endsWith('<!-- fragment -->'),
    });
  }
  return blocks;
}

const blocks = readmeBlocks();
const files = blocks.filter((block) => block.file !== undefined);

// Write the files at load time: the specs among them are required below, so their tests register.
rmSync(GENERATED, { recursive: true, force: true });
for (const block of files) {
  const path = join(GENERATED, block.file!);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, block.code);
}

describe('README.md code', () => {
  it('every TypeScript block is a complete file or marked as a fragment', () => {
    const unmarked = blocks.filter((block) => block.file === undefined && !block.fragment);
    expect(unmarked.map((block) => `README.md:${block.line}`)).toEqual([]);
    const marked = blocks.filter((block) => block.file !== undefined && block.fragment);
    expect(marked.map((block) => `README.md:${block.line}`)).toEqual([]);
    const names = files.map((block) => block.file);
    expect(new Set(names).size).toBe(names.length);
  });

  it('the files compile with strict settings, isolatedModules and emitDecoratorMetadata', () => {
    const program = ts.createProgram(
      files.map((block) => join(GENERATED, block.file!)),
      {
        strict: true,
        isolatedModules: true,
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
        target: ts.ScriptTarget.ES2022,
        // As Nest's starter: module and resolution nodenext (the files are CommonJS here).
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        esModuleInterop: true,
        skipLibCheck: true,
        noEmit: true,
        types: ['node', 'jest'],
        baseUrl: ROOT,
        paths: {
          'nestjs-viber': ['libs/viber/src'],
          'nestjs-viber/testing': ['libs/viber-testing/src'],
          'nestjs-viber/internal': ['libs/viber/src/internal'],
        },
      },
    );
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || d.file.fileName.startsWith(GENERATED))
      .map((d) => {
        const where = d.file
          ? `${d.file.fileName.slice(GENERATED.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
          : '';
        return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  });

  it('develop-offline/main.ts runs: the bot and its emulator, with the chat page', async () => {
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const app = startChildApp('../readme/generated/develop-offline/main.ts', [], {
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
    });
    try {
      const line = await app.waitForLine((l) => l.startsWith('Chat with the bot: '), {
        timeoutMs: 30_000,
      });
      const chatUrl = line.slice('Chat with the bot: '.length);
      expect(chatUrl).toBe(`http://127.0.0.1:${emulatorPort}/`);
      const page = await fetch(chatUrl);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>');
      // set_webhook runs once the app listens: the emulator soon knows the bot's webhook.
      const webhook = `http://127.0.0.1:${port}/viber/webhook`;
      await waitFor(async () => {
        const info = (await (await fetch(`${chatUrl}_emulator/info`)).json()) as {
          webhook: string | null;
        };
        return info.webhook === webhook;
      });
    } finally {
      app.kill();
      await app.exited;
    }
  }, 60_000);
});

// The README's tests run here, as written.
for (const block of files.filter((b) => b.file!.endsWith('.spec.ts'))) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(join(GENERATED, block.file!));
}
