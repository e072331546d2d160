#!/usr/bin/env node
/**
 * Builds the publishable npm package `nestjs-viber` into dist/nestjs-viber/ (the folder to
 * `npm pack` / `npm publish`):
 *
 *   dist/nestjs-viber/
 *     package.json              packages/nestjs-viber/package.json (the published manifest)
 *     README.md, LICENSE        packages/nestjs-viber/README.md if present, else the repo's README.md
 *     docs/protocol/*.md        the protocol notes code comments cite
 *     dist/viber/**             libs/viber/src          → `nestjs-viber`
 *     dist/viber-testing/**     libs/viber-testing/src  → `nestjs-viber/testing`
 *                               (with the run-time assets of the sources: their .js files)
 *     dist/viber-cli/**         libs/viber-cli/src      → the `nestjs-viber` bin (main.js)
 *
 * One CommonJS build with declarations (see packages/nestjs-viber/PACKAGING.md for why).
 * The testing kit keeps its `import … from 'nestjs-viber'`: inside the installed package that is a
 * package self-reference resolved through the `exports` map, so both entry points share one copy
 * of the library's classes and symbols.
 *
 * The package's only runtime dependencies are the command line's: `commander` and `cli-progress`
 * (see RUNTIME_DEPENDENCIES); anything else in `dependencies` fails the build.
 *
 * Usage: node scripts/build-package.mjs [--out <dir>] [--pack <dir>]
 *   --out   build into <dir> instead of dist/nestjs-viber (the CLI's e2e tests build their own copy)
 *   --pack  also run `npm pack` into <dir>
 */
/* global console, process */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'packages', 'nestjs-viber');
const outAt = process.argv.indexOf('--out');
const out =
  outAt === -1 ? join(root, 'dist', 'nestjs-viber') : resolve(process.argv[outAt + 1] ?? '');
const tscOut = join(out, '.tsc');
/** The compiled libraries and the file each must produce. */
const LIBS = { viber: 'index.js', 'viber-testing': 'index.js', 'viber-cli': 'main.js' };
/** The command line's dependencies: the only ones the package may have. */
const RUNTIME_DEPENDENCIES = ['cli-progress', 'commander'];

/** @returns {never} */
function fail(message) {
  console.error(`build-package: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status}`);
  return result;
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

if (outAt !== -1 && !process.argv[outAt + 1]) fail('--out needs a folder');
const started = Date.now();
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. Compile both libraries in one program (the testing kit type-checks against the library).
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
run(process.execPath, [tsc, '-p', join(source, 'tsconfig.build.json'), '--outDir', tscOut]);

// 2. Lay out dist/<lib> for each library (tsc writes <lib>/src under its rootDir `libs`).
mkdirSync(join(out, 'dist'));
for (const [lib, entry] of Object.entries(LIBS)) {
  const from = join(tscOut, lib, 'src');
  if (!existsSync(join(from, entry))) fail(`tsc produced no ${lib}/src/${entry}`);
  renameSync(from, join(out, 'dist', lib));
}
const strays = readdirSync(tscOut).filter((name) => !(name in LIBS));
if (strays.length > 0) fail(`unexpected tsc output outside the libraries: ${strays.join(', ')}`);
rmSync(tscOut, { recursive: true, force: true });

// 2b. Run-time assets: the libraries' sources have no JavaScript but files the compiled code reads
// from disk next to itself (tsc does not emit them), e.g. the emulator's chat page script
// (libs/viber-testing/src/emulator/chat-page/client/chat-page.client.js, read by
// chat-page.script.ts). Each is copied to the same place under dist/<lib>.
for (const lib of Object.keys(LIBS)) {
  const sources = join(root, 'libs', lib, 'src');
  for (const file of walk(sources).filter((path) => path.endsWith('.js'))) {
    const target = join(out, 'dist', lib, relative(sources, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }
}
const chatPageScript = join(out, 'dist', 'viber-testing', 'emulator', 'chat-page', 'client');
if (!existsSync(join(chatPageScript, 'chat-page.client.js'))) {
  fail(`the chat page script is missing from ${relative(root, chatPageScript)}`);
}

// 2c. The bin: an executable script with its shebang.
const bin = join(out, 'dist', 'viber-cli', 'main.js');
if (!readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')) {
  fail('dist/viber-cli/main.js does not start with #!/usr/bin/env node');
}
chmodSync(bin, 0o755);

// 3. Manifest, README, LICENSE.
cpSync(join(source, 'package.json'), join(out, 'package.json'));
const readme = existsSync(join(source, 'README.md'))
  ? join(source, 'README.md')
  : join(root, 'README.md');
cpSync(readme, join(out, 'README.md'));
cpSync(join(root, 'LICENSE'), join(out, 'LICENSE'));
// The protocol notes the shipped code comments cite (`docs/protocol/<note>.md`).
cpSync(join(root, 'docs', 'protocol'), join(out, 'docs', 'protocol'), { recursive: true });

// 4. Sanity checks: the manifest's targets exist; nothing test-like or install-time was shipped.
const manifest = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'));
const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin ?? {})];
for (const entry of Object.values(manifest.exports)) {
  if (typeof entry === 'string') targets.push(entry);
  else targets.push(...Object.values(entry));
}
for (const target of targets) {
  if (!existsSync(join(out, target))) fail(`package.json points at missing ${target}`);
}
const forbidden = walk(join(out, 'dist'))
  .map((file) => relative(out, file))
  .filter((file) => /(^|[/.])(spec|test|tests|e2e-spec|bench)([/.]|$)|^dist\/demo\//.test(file));
if (forbidden.length > 0) fail(`test/bench files in the build: ${forbidden.join(', ')}`);
const scripts = Object.keys(manifest.scripts ?? {});
const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare'];
const installScripts = scripts.filter((name) => lifecycle.includes(name));
if (installScripts.length > 0)
  fail(`install scripts in the manifest: ${installScripts.join(', ')}`);
const dependencies = Object.keys(manifest.dependencies ?? {}).sort();
if (dependencies.join() !== RUNTIME_DEPENDENCIES.join()) {
  fail(
    `runtime dependencies must be exactly the command line's (${RUNTIME_DEPENDENCIES.join(', ')}), ` +
      `not: ${dependencies.join(', ') || 'none'}`,
  );
}

const files = walk(join(out, 'dist')).length;
console.log(
  `build-package: ${relative(root, out)} (${manifest.name}@${manifest.version}, ${files} files) ` +
    `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

// 5. Optionally pack.
const packAt = process.argv.indexOf('--pack');
if (packAt !== -1) {
  const destination = resolve(process.argv[packAt + 1] ?? fail('--pack needs a folder'));
  mkdirSync(destination, { recursive: true });
  run('npm', ['pack', '--pack-destination', destination, '--silent'], { cwd: out });
}
