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
 * pinned), `npm install --no-save ./nestjs-viber.tgz` (which must add nestjs-viber and only what
 * its dependencies — the command line's commander and cli-progress — bring, no install script,
 * and leave the lock file alone), `npm run build` (tsc, skipLibCheck off so the shipped
 * declarations are type-checked), `npm start` (the app talks to the emulator and exits 0), and
 * the linked bin `nestjs-viber broadcast --dry-run`.
 * npm must not warn EBADENGINE.
 *
 * Each fixture runs on the Node its package.json asks for (`engines.node`): the machine's Node
 * when it fits (nest11-cjs: >=20.19), otherwise Node NODE_FROM_NPM from the npm package
 * `node-linux-<arch>` (the official binary in a tarball, no install script), unpacked once into
 * node_modules/.cache/ (nest12-esm: Nest 12's own dependencies ask for Node 22). npm itself and
 * every script (tsc, the app) then run on that Node.
 *
 * Usage: node scripts/test-consumers.mjs [--keep] [fixture …]
 *   --keep   leave the temporary folder for inspection
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
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
  /^(package\.json|README\.md|LICENSE|docs\/protocol\/[A-Za-z-]+\.md|dist\/(viber|viber-testing|viber-cli)\/.+\.(js|d\.ts))$/;
/** The command line's dependencies: the only `dependencies` of the package. */
const RUNTIME_DEPENDENCIES = ['cli-progress', 'commander'];
const FORBIDDEN_FILE =
  /(^|[/.])(spec|specs|test|tests|e2e-spec|bench|benchmarks?|demo|fixtures)([/.]|$)|(^|\/)src\//;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

/** The Node a fixture gets when the machine's Node does not fit its `engines.node`. */
const NODE_FROM_NPM = '22.23.5';
const nodeCache = join(root, 'node_modules', '.cache', 'nestjs-viber-consumers');

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
function run(
  command,
  commandArgs,
  { cwd = root, capture = false, quiet = false, timeoutMs = 300_000, runEnv = env } = {},
) {
  const result = spawnSync(command, commandArgs, {
    cwd,
    env: runEnv,
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    timeout: timeoutMs,
  });
  if (capture && !quiet) {
    if (result.stdout) process.stdout.write(indent(result.stdout));
    if (result.stderr) process.stdout.write(indent(result.stderr));
  }
  if (result.error) throw new Error(`${command} ${commandArgs.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${commandArgs.join(' ')} exited with ${result.status} in ${cwd}`);
  }
  return { stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** `"x.y.z"` → `[x, y, z]`. */
function versionParts(version) {
  return version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10));
}

function compareVersions(a, b) {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/**
 * Whether `version` satisfies an `engines.node` range made of `>=x.y.z` and `^x.y.z` terms joined
 * by `||` (the forms the fixtures use; anything else is refused rather than guessed).
 */
function satisfies(version, range) {
  return range.split('||').some((term) => {
    const match = /^\s*(>=|\^)\s*(\d+(?:\.\d+){0,2})\s*$/.exec(term);
    if (!match) throw new Error(`engines.node term "${term.trim()}" is not >=x.y.z or ^x.y.z`);
    const [, operator, floor] = match;
    if (compareVersions(version, floor) < 0) return false;
    return operator === '>=' || versionParts(version)[0] === versionParts(floor)[0];
  });
}

/** npm's own script (npm-cli.js), to run npm on another Node binary. */
function npmCliPath() {
  const candidates = [
    process.env.npm_execpath,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  const found = candidates.find((path) => path?.endsWith('npm-cli.js') && existsSync(path));
  if (!found) throw new Error(`npm-cli.js not found (looked at ${candidates.filter(Boolean)})`);
  return found;
}

/**
 * The Node binary of the npm package `node-linux-<arch>@<version>`, unpacked once into
 * node_modules/.cache/ (`npm pack` checks the tarball against the registry's integrity).
 */
function nodeFromNpm(version) {
  const name = `node-linux-${process.arch}`;
  const dir = join(nodeCache, `${name}-${version}`);
  const bin = join(dir, 'bin', 'node');
  if (!existsSync(bin)) {
    const fetchStarted = Date.now();
    mkdirSync(nodeCache, { recursive: true });
    const staging = mkdtempSync(join(nodeCache, `${name}-${version}.partial-`));
    try {
      const packed = spawnSync(
        'npm',
        ['pack', `${name}@${version}`, '--json', '--prefer-offline', '--pack-destination', staging],
        { cwd: staging, env, encoding: 'utf8' },
      );
      if (packed.status !== 0) throw new Error(`npm pack ${name}@${version}: ${packed.stderr}`);
      const [info] = JSON.parse(packed.stdout);
      run('tar', [
        '-xzf',
        join(staging, info.filename),
        '-C',
        staging,
        '--strip-components=1',
        '--no-same-owner',
      ]);
      const manifest = JSON.parse(readFileSync(join(staging, 'package.json'), 'utf8'));
      const scripts = Object.keys(manifest.scripts ?? {}).filter((script) =>
        INSTALL_SCRIPTS.includes(script),
      );
      if (scripts.length > 0) throw new Error(`${name}@${version} has install scripts: ${scripts}`);
      rmSync(join(staging, info.filename));
      chmodSync(staging, 0o755); // mkdtemp's 0700 would hide it from other users
      try {
        renameSync(staging, dir);
      } catch (error) {
        if (!existsSync(bin)) throw error; // else another run unpacked it first
      }
      console.log(
        `test-consumers: unpacked ${name}@${version} (${(info.size / 1048576).toFixed(0)} MB, ` +
          `no install script) into ${dir} in ${seconds(fetchStarted)}`,
      );
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const reported = run(bin, ['--version'], { capture: true, quiet: true }).stdout.trim();
  if (reported !== `v${version}`) throw new Error(`${bin} reports ${reported}, not v${version}`);
  return bin;
}

/**
 * The Node a fixture runs on: the machine's when it satisfies the fixture's `engines.node` (or
 * the fixture names none), otherwise NODE_FROM_NPM from npm.
 * @returns {{ bin: string, version: string, origin: string, env: NodeJS.ProcessEnv }}
 */
function nodeFor(appDir) {
  const range = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')).engines?.node;
  if (range === undefined || satisfies(process.version, range)) {
    return {
      bin: process.execPath,
      version: process.version,
      origin: `this machine's Node${range ? `, fits engines.node "${range}"` : ''}`,
      env,
    };
  }
  if (!satisfies(NODE_FROM_NPM, range)) {
    throw new Error(
      `engines.node "${range}" admits neither ${process.version} nor ${NODE_FROM_NPM}`,
    );
  }
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    throw new Error(
      `engines.node "${range}" does not admit this machine's ${process.version}, and npm has no ` +
        `node-${process.platform}-${process.arch} package: run npm run test:consumers on such a Node`,
    );
  }
  const bin = nodeFromNpm(NODE_FROM_NPM);
  return {
    bin,
    version: `v${NODE_FROM_NPM}`,
    origin:
      `node-linux-${process.arch}@${NODE_FROM_NPM} from npm: engines.node "${range}" ` +
      `does not admit this machine's ${process.version}`,
    // tsc and `node dist/main.js` in the fixture's npm scripts find this Node first.
    env: { ...env, PATH: `${dirname(bin)}${delimiter}${env.PATH ?? ''}` },
  };
}

function indent(text) {
  return text.replace(/^(?=.)/gm, '    ');
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The entries of npm's hidden lock file (`node_modules/...` → entry). */
function installedEntries(appDir) {
  const hidden = JSON.parse(
    readFileSync(join(appDir, 'node_modules', '.package-lock.json'), 'utf8'),
  );
  return Object.fromEntries(Object.entries(hidden.packages).filter(([path]) => path !== ''));
}

/** Installed package paths (`node_modules/...`). */
function installedPackages(appDir) {
  return new Set(Object.keys(installedEntries(appDir)));
}

/**
 * The installed paths nestjs-viber's `dependencies` bring, transitively, resolved the way Node
 * does (the nearest node_modules folder first).
 */
function dependencyClosure(entries, from) {
  const closure = new Set();
  const visit = (path) => {
    for (const name of Object.keys(entries[path]?.dependencies ?? {})) {
      let base = path;
      let found;
      for (;;) {
        const candidate = `${base}/node_modules/${name}`.replace(/^\//, '');
        if (entries[candidate]) {
          found = candidate;
          break;
        }
        const parent = base.lastIndexOf('/node_modules/');
        if (parent === -1) {
          if (entries[`node_modules/${name}`]) found = `node_modules/${name}`;
          break;
        }
        base = base.slice(0, parent);
      }
      if (found && !closure.has(found)) {
        closure.add(found);
        visit(found);
      }
    }
  };
  visit(from);
  return closure;
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
  'dist/viber-cli/main.js',
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
const dependencies = Object.keys(manifest.dependencies ?? {}).sort();
if (dependencies.join() !== RUNTIME_DEPENDENCIES.join()) {
  fail(
    `the packed package.json has dependencies ${dependencies} (expected ${RUNTIME_DEPENDENCIES})`,
  );
}
if (manifest.bin?.['nestjs-viber'] !== './dist/viber-cli/main.js') {
  fail('the packed package.json has no bin nestjs-viber → ./dist/viber-cli/main.js');
}
console.log(
  `test-consumers: packed ${basename(tarball)} (sha256 ${sha256(tarball).slice(0, 16)}…) in ${work}`,
);
timings.push(['pack + checks', seconds(step)]);

// 4. Each fixture app from the tarball.
const results = [];
const nodeVersions = new Map();
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
    const node = nodeFor(appDir);
    nodeVersions.set(fixture, node.version);
    console.log(`    Node ${node.version} (${node.origin})`);
    const nodeTime = seconds(step);
    const cli = npmCliPath();
    /** npm on the fixture's Node; fails on an EBADENGINE warning (the wrong Node). */
    const npm = (npmArgs, options = {}) => {
      const output = run(node.bin, [cli, ...npmArgs], {
        cwd: appDir,
        capture: true,
        runEnv: node.env,
        ...options,
      });
      if (/EBADENGINE/.test(output.stdout + output.stderr)) {
        throw new Error(`npm ${npmArgs[0]} warned EBADENGINE on Node ${node.version}`);
      }
      return output;
    };

    step = Date.now();
    npm(['ci', ...npmFlags]);
    const ciTime = seconds(step);

    step = Date.now();
    const before = installedPackages(appDir);
    const install = npm(['install', '--no-save', ...npmFlags, './nestjs-viber.tgz']);
    const entries = installedEntries(appDir);
    const added = Object.keys(entries).filter((path) => !before.has(path));
    // Only nestjs-viber and what its own dependencies (the command line's) bring.
    const allowed = dependencyClosure(entries, 'node_modules/nestjs-viber');
    const extra = added.filter(
      (path) => path !== 'node_modules/nestjs-viber' && !allowed.has(path),
    );
    if (!added.includes('node_modules/nestjs-viber') || extra.length > 0) {
      throw new Error(
        `installing the tarball added ${added.join(', ') || 'nothing'}; expected nestjs-viber and its dependencies only`,
      );
    }
    const scripted = added.filter((path) => entries[path].hasInstallScript);
    if (scripted.length > 0) throw new Error(`install scripts in ${scripted.join(', ')}`);
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
      `    the tarball added nestjs-viber and ${added.length - 1} packages of its dependencies ` +
        `(${
          added
            .filter((path) => path !== 'node_modules/nestjs-viber')
            .map((path) => path.replace(/^.*node_modules\//, ''))
            .join(', ') || 'already installed'
        }), ` +
        'no install script, lock file unchanged',
    );
    const installTime = seconds(step);

    step = Date.now();
    npm(['run', 'build', '--silent']);
    const buildTime = seconds(step);

    step = Date.now();
    const app = npm(['start', '--silent'], { timeoutMs: 90_000 });
    if (!app.stdout.includes(`Node ${node.version}`)) {
      throw new Error(`the app did not report running on Node ${node.version}`);
    }
    const startTime = seconds(step);

    // The bin, linked by npm and loading the app's Nest: a dry run sends nothing.
    step = Date.now();
    const binPath = join(appDir, 'node_modules', '.bin', 'nestjs-viber');
    const dryRun = spawnSync(
      binPath,
      ['broadcast', '--to', '-', '--text', 'Hi', '--sender', 'Bot', '--dry-run', '--json'],
      { cwd: appDir, env: node.env, encoding: 'utf8', input: 'u1\nu2\n', timeout: 60_000 },
    );
    const requests = dryRun.status === 0 ? JSON.parse(dryRun.stdout).requests : undefined;
    if (requests?.[0]?.body?.broadcast_list?.join() !== 'u1,u2') {
      throw new Error(`the nestjs-viber bin failed (${dryRun.status}): ${dryRun.stderr}`);
    }
    console.log('    node_modules/.bin/nestjs-viber broadcast --dry-run: ok');
    const binTime = seconds(step);

    results.push([
      fixture,
      'passed',
      seconds(fixtureStarted),
      `node ${nodeTime}, npm ci ${ciTime}, tarball ${installTime}, tsc ${buildTime}, run ${startTime}, bin ${binTime}`,
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
  const node = (nodeVersions.get(fixture) ?? '').padEnd(9);
  console.log(
    `  ${fixture.padEnd(14)} ${status.padEnd(7)} Node ${node} ${time.padStart(7)}  (${detail})`,
  );
}
console.log(`  total          ${seconds(started)}`);
if (keep) console.log(`test-consumers: kept ${work}`);
else rmSync(work, { recursive: true, force: true });
process.exit(results.every(([, status]) => status === 'passed') ? 0 : 1);
