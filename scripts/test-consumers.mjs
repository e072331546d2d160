#!/usr/bin/env node
/* global console, process */
/**
 * Consumer tests of the published package: builds it (scripts/build-package.mjs), checks what
 * `npm pack --dry-run` would ship, packs it, and installs the tarball into each fixture app of
 * test/consumers/ in a temporary folder:
 *
 *   nest11-cjs   Nest 11, CommonJS, Express, class-validator 0.14
 *   nest12-esm   Nest 12, ESM ("type": "module"), Fastify, class-validator 0.15
 *   nest11-queue Nest 11, CommonJS, Express, with the optional peers (BullMQ 5, ioredis,
 *                @nestjs/bullmq 11) and the queue on, against a redis-server it starts
 *
 * The first two install no optional peer: they prove an app without the `queue` option needs none.
 *
 * For each: `npm ci` from the fixture's committed lock file (everything but the tarball is
 * pinned), `npm install --no-save ./nestjs-viber.tgz` (which must add exactly one package and no
 * install script, and leave the lock file alone), `npm run build` (tsc, skipLibCheck off so the
 * shipped declarations are type-checked), `npm start` (the app talks to the emulator and exits 0).
 *
 * Usage: node scripts/test-consumers.mjs [--keep] [fixture …]
 *   --keep   leave the temporary folder for inspection
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = join(root, 'dist', 'nestjs-viber');
const fixturesDir = join(root, 'test', 'consumers');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.filter((arg) => !arg.startsWith('--'));
const fixtures = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && (only.length === 0 || only.includes(entry.name)))
  .map((entry) => entry.name)
  .sort();
if (fixtures.length === 0) fail(`no fixture in ${fixturesDir} matches ${only.join(', ')}`);

/** Paths `npm pack` may ship; anything else (tests, benchmarks, the demo app, sources) fails. */
const ALLOWED_FILE =
  /^(package\.json|README\.md|LICENSE|dist\/(viber|viber-testing)\/.+\.(js|d\.ts))$/;
const FORBIDDEN_FILE =
  /(^|[/.])(spec|specs|test|tests|e2e-spec|bench|benchmarks?|demo|fixtures)([/.]|$)|(^|\/)src\//;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

// Child npm processes must not inherit the lifecycle environment of `npm run test:consumers`.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) =>
      !/^npm_(package|lifecycle)_/i.test(key) &&
      !['npm_config_local_prefix', 'npm_config_global_prefix', 'INIT_CWD'].includes(key),
  ),
);
env.npm_config_update_notifier = 'false';

/** @returns {never} */
function fail(message) {
  console.error(`test-consumers: ${message}`);
  process.exit(1);
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Runs a command; its output is printed (and returned when `capture`). Throws on failure. */
function run(command, commandArgs, { cwd = root, capture = false, timeoutMs = 300_000 } = {}) {
  const result = spawnSync(command, commandArgs, {
    cwd,
    env,
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    timeout: timeoutMs,
  });
  if (capture) {
    if (result.stdout) process.stdout.write(indent(result.stdout));
    if (result.stderr) process.stdout.write(indent(result.stderr));
  }
  if (result.error) throw new Error(`${command} ${commandArgs.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${commandArgs.join(' ')} exited with ${result.status} in ${cwd}`);
  }
  return { stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function indent(text) {
  return text.replace(/^(?=.)/gm, '    ');
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Installed package paths (`node_modules/...`) from npm's hidden lock file. */
function installedPackages(appDir) {
  const hidden = JSON.parse(
    readFileSync(join(appDir, 'node_modules', '.package-lock.json'), 'utf8'),
  );
  return new Set(Object.keys(hidden.packages).filter((path) => path !== ''));
}

/** The `npm pack --json` answer for the package folder (one package). */
function pack(extraArgs) {
  const npmArgs = ['pack', '--json', ...extraArgs];
  const result = spawnSync('npm', npmArgs, { cwd: packageDir, env, encoding: 'utf8' });
  if (result.status !== 0) fail(`npm ${npmArgs.join(' ')} failed:\n${result.stderr}`);
  const [info] = JSON.parse(result.stdout);
  return info;
}

const started = Date.now();
const timings = [];

// 1. Build the package.
let step = Date.now();
console.log('test-consumers: building the package');
try {
  run(process.execPath, [join(root, 'scripts', 'build-package.mjs')]);
} catch (error) {
  fail(error.message);
}
timings.push(['build package', seconds(step)]);

// 2. What would be published: `npm pack --dry-run`.
step = Date.now();
const dryRun = pack(['--dry-run']);
const shipped = dryRun.files.map((file) => file.path);
const unexpected = shipped.filter((path) => !ALLOWED_FILE.test(path) || FORBIDDEN_FILE.test(path));
if (unexpected.length > 0)
  fail(`npm pack --dry-run lists unexpected files:\n  ${unexpected.join('\n  ')}`);
for (const required of [
  'package.json',
  'README.md',
  'LICENSE',
  'dist/viber/index.js',
  'dist/viber/index.d.ts',
  'dist/viber-testing/index.js',
  'dist/viber-testing/index.d.ts',
  'dist/viber-testing/emulator/chat-page/client/chat-page.client.js',
]) {
  if (!shipped.includes(required)) fail(`npm pack --dry-run does not list ${required}`);
}
console.log(
  `test-consumers: npm pack --dry-run: ${dryRun.name}@${dryRun.version}, ${shipped.length} files, ` +
    `${(dryRun.size / 1024).toFixed(0)} kB packed, ${(dryRun.unpackedSize / 1024).toFixed(0)} kB unpacked; ` +
    'no tests, benchmarks, demo or sources',
);

// 3. Pack into a temporary folder and check the tarball's manifest.
const work = mkdtempSync(join(tmpdir(), 'nestjs-viber-consumers-'));
const packed = pack(['--pack-destination', work]);
const tarball = join(work, packed.filename);
run('tar', ['-xzf', tarball, '-C', work, 'package/package.json']);
const manifest = JSON.parse(readFileSync(join(work, 'package', 'package.json'), 'utf8'));
const scripts = Object.keys(manifest.scripts ?? {}).filter((name) =>
  INSTALL_SCRIPTS.includes(name),
);
if (scripts.length > 0) fail(`the packed package.json has install scripts: ${scripts.join(', ')}`);
if (Object.keys(manifest.dependencies ?? {}).length > 0) {
  fail(`the packed package.json has runtime dependencies: ${Object.keys(manifest.dependencies)}`);
}
console.log(
  `test-consumers: packed ${basename(tarball)} (sha256 ${sha256(tarball).slice(0, 16)}…) in ${work}`,
);
timings.push(['pack + checks', seconds(step)]);

// 4. Each fixture app from the tarball.
const results = [];
for (const fixture of fixtures) {
  const fixtureStarted = Date.now();
  const appDir = join(work, fixture);
  console.log(`\ntest-consumers: ${fixture}`);
  try {
    cpSync(join(fixturesDir, fixture), appDir, {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
    });
    cpSync(tarball, join(appDir, 'nestjs-viber.tgz'));
    const lockHash = sha256(join(appDir, 'package-lock.json'));
    const npmFlags = ['--no-audit', '--no-fund', '--prefer-offline'];

    step = Date.now();
    run('npm', ['ci', ...npmFlags], { cwd: appDir, capture: true });
    const ciTime = seconds(step);

    step = Date.now();
    const before = installedPackages(appDir);
    const install = run('npm', ['install', '--no-save', ...npmFlags, './nestjs-viber.tgz'], {
      cwd: appDir,
      capture: true,
    });
    const added = [...installedPackages(appDir)].filter((path) => !before.has(path));
    if (added.length !== 1 || added[0] !== 'node_modules/nestjs-viber') {
      throw new Error(
        `installing the tarball added ${added.join(', ') || 'nothing'}; expected only nestjs-viber`,
      );
    }
    if (/install-scripts[\s\S]*nestjs-viber/.test(install.stdout + install.stderr)) {
      throw new Error('npm reported install scripts for nestjs-viber');
    }
    const installed = JSON.parse(
      readFileSync(join(appDir, 'node_modules', 'nestjs-viber', 'package.json'), 'utf8'),
    );
    if (Object.keys(installed.scripts ?? {}).some((name) => INSTALL_SCRIPTS.includes(name))) {
      throw new Error('the installed nestjs-viber has install scripts');
    }
    if (sha256(join(appDir, 'package-lock.json')) !== lockHash) {
      throw new Error('installing the tarball changed the committed lock file');
    }
    console.log(
      '    the tarball added exactly one package (nestjs-viber), no install script, lock file unchanged',
    );
    const installTime = seconds(step);

    step = Date.now();
    run('npm', ['run', 'build', '--silent'], { cwd: appDir, capture: true });
    const buildTime = seconds(step);

    step = Date.now();
    run('npm', ['start', '--silent'], { cwd: appDir, capture: true, timeoutMs: 90_000 });
    const startTime = seconds(step);

    results.push([
      fixture,
      'passed',
      seconds(fixtureStarted),
      `npm ci ${ciTime}, tarball ${installTime}, tsc ${buildTime}, run ${startTime}`,
    ]);
  } catch (error) {
    console.error(`    FAILED: ${error.message}`);
    results.push([fixture, 'FAILED', seconds(fixtureStarted), error.message]);
  }
}

// 5. Report.
console.log('\ntest-consumers: summary');
for (const [name, time] of timings) console.log(`  ${name.padEnd(14)} ${time}`);
for (const [fixture, status, time, detail] of results) {
  console.log(`  ${fixture.padEnd(14)} ${status.padEnd(7)} ${time.padStart(7)}  (${detail})`);
}
console.log(`  total          ${seconds(started)}`);
if (keep) console.log(`test-consumers: kept ${work}`);
else rmSync(work, { recursive: true, force: true });
process.exit(results.every(([, status]) => status === 'passed') ? 0 : 1);
