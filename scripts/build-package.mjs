#!/usr/bin/env node
/**
 * Builds the publishable npm package `nestjs-viber` into dist/nestjs-viber/ (the folder to
 * `npm pack` / `npm publish`):
 *
 *   dist/nestjs-viber/
 *     package.json              packages/nestjs-viber/package.json (the published manifest)
 *     README.md, LICENSE        packages/nestjs-viber/README.md if present, else the repo's README.md
 *     dist/viber/**             libs/viber/src          → `nestjs-viber`
 *     dist/viber-testing/**     libs/viber-testing/src  → `nestjs-viber/testing`
 *                               (with the run-time assets of the sources: their .js files)
 *
 * One CommonJS build with declarations (see packages/nestjs-viber/PACKAGING.md for why).
 * The testing kit keeps its `import … from 'nestjs-viber'`: inside the installed package that is a
 * package self-reference resolved through the `exports` map, so both entry points share one copy
 * of the library's classes and symbols.
 *
 * Usage: node scripts/build-package.mjs [--pack <dir>]   (--pack also runs `npm pack` into <dir>)
 */
/* global console, process */
import { spawnSync } from 'node:child_process';
import {
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
const out = join(root, 'dist', 'nestjs-viber');
const tscOut = join(out, '.tsc');

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

const started = Date.now();
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. Compile both libraries in one program (the testing kit type-checks against the library).
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
run(process.execPath, [tsc, '-p', join(source, 'tsconfig.build.json')]);

// 2. Lay out dist/viber and dist/viber-testing (tsc writes <lib>/src under its rootDir `libs`).
mkdirSync(join(out, 'dist'));
for (const lib of ['viber', 'viber-testing']) {
  const from = join(tscOut, lib, 'src');
  if (!existsSync(join(from, 'index.js'))) fail(`tsc produced no ${relative(root, from)}/index.js`);
  renameSync(from, join(out, 'dist', lib));
}
const strays = readdirSync(tscOut).filter((name) => !['viber', 'viber-testing'].includes(name));
if (strays.length > 0) fail(`unexpected tsc output outside the libraries: ${strays.join(', ')}`);
rmSync(tscOut, { recursive: true, force: true });

// 2b. Run-time assets: the libraries' sources have no JavaScript but files the compiled code reads
// from disk next to itself (tsc does not emit them), e.g. the emulator's chat page script
// (libs/viber-testing/src/emulator/chat-page/client/chat-page.client.js, read by
// chat-page.script.ts). Each is copied to the same place under dist/<lib>.
for (const lib of ['viber', 'viber-testing']) {
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

// 3. Manifest, README, LICENSE.
cpSync(join(source, 'package.json'), join(out, 'package.json'));
const readme = existsSync(join(source, 'README.md'))
  ? join(source, 'README.md')
  : join(root, 'README.md');
cpSync(readme, join(out, 'README.md'));
cpSync(join(root, 'LICENSE'), join(out, 'LICENSE'));

// 4. Sanity checks: the manifest's targets exist; nothing test-like or install-time was shipped.
const manifest = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'));
const targets = [manifest.main, manifest.types];
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
if (manifest.dependencies && Object.keys(manifest.dependencies).length > 0) {
  fail(`runtime dependencies are not expected: ${Object.keys(manifest.dependencies).join(', ')}`);
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
