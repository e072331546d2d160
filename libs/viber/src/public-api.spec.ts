/**
 * The API report: the names each public entry point exports, with their kind, checked in under
 * `api/`. A change to the public API fails here until the report is updated on purpose:
 * `npm run api:update` rewrites the files (then review the diff: is every new name documented in
 * the README, and is every removed one a breaking change you mean?).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '..', '..', '..');
const ENTRIES = [
  { name: 'nestjs-viber', file: 'libs/viber/src/index.ts', report: 'api/nestjs-viber.api.md' },
  {
    name: 'nestjs-viber/testing',
    file: 'libs/viber-testing/src/index.ts',
    report: 'api/nestjs-viber-testing.api.md',
  },
];

function kindOf(symbol: ts.Symbol): string {
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Class) return 'class';
  if (flags & ts.SymbolFlags.Enum) return 'enum';
  if (flags & ts.SymbolFlags.Function) return 'function';
  if (flags & ts.SymbolFlags.Variable) return 'const';
  if (flags & ts.SymbolFlags.Interface) return 'interface';
  if (flags & ts.SymbolFlags.TypeAlias) return 'type';
  return 'other';
}

function exportsOf(program: ts.Program, file: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(join(root, file));
  if (!source) throw new Error(`${file} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${file} has no exports`);
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((symbol) => {
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return `${kindOf(target)} ${symbol.name}`;
    })
    .sort((a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!));
}

function render(entry: (typeof ENTRIES)[number], names: string[]): string {
  return [
    `# API report: \`${entry.name}\``,
    '',
    `Generated from \`${entry.file}\` by \`npm run api:update\`; checked by \`libs/viber/src/public-api.spec.ts\`.`,
    `${names.length} exports.`,
    '',
    ...names.map((line) => `- ${line}`),
    '',
  ].join('\n');
}

describe('public API report', () => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  )!;
  const program = ts.createProgram(
    ENTRIES.map((entry) => join(root, entry.file)),
    config.options,
  );

  it.each(ENTRIES)('$name exports exactly what $report lists', (entry) => {
    const expected = render(entry, exportsOf(program, entry.file));
    const path = join(root, entry.report);
    if (process.env.API_REPORT_UPDATE === '1') writeFileSync(path, expected);
    const recorded = readFileSync(path, 'utf8');
    if (recorded !== expected) {
      throw new Error(
        `The public API of ${entry.name} changed. If you mean it, run \`npm run api:update\` and commit ${entry.report}.\n\n` +
          `Now:\n${expected}`,
      );
    }
  });

  it('nothing internal is public', () => {
    const names = exportsOf(program, ENTRIES[0]!.file).map((line) => line.split(' ')[1]);
    for (const internal of [
      'ViberBot',
      'ViberExplorer',
      'ViberRouteTable',
      'createViberWebhookController',
      'resolveViberOptions',
      'ValidationContext',
      'isRecord',
      'abortableSleep',
      'SlidingWindowRateLimiter',
      'readRawBody',
      'ViberMessageCallbackDto',
      'parseJsonLossless',
      'getViberBotToken',
    ]) {
      expect(names).not.toContain(internal);
    }
  });
});
