import { spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';

/** Debian's Chromium (`apt-get install -y chromium`, as `.ci/run` does). */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** The npm package that ships a Chromium build inside its tarball (a devDependency). */
const NPM_CHROMIUM = '@sparticuz/chromium';

const CACHE = join(__dirname, '..', '..', 'node_modules', '.cache');

/** A Chromium for playwright-core's `chromium.launch()`. */
export interface TestChromium {
  /** The browser binary (`executablePath`). */
  readonly executablePath: string;
  /** The browser process's environment (`env`); undefined: playwright's default. */
  readonly env?: Record<string, string>;
  /** Where it comes from, for the test log. */
  readonly origin: string;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The Chromium the browser tests drive, in this order:
 *
 * 1. `CHROMIUM_PATH`, when set (it must be an executable file);
 * 2. the system's Chromium at `/usr/bin/chromium` (Debian's package, which CI installs);
 * 3. the Linux x64 Chromium (headless shell) that the devDependency `@sparticuz/chromium` ships
 *    inside its npm tarball (brotli-compressed, no install script, nothing downloaded): unpacked
 *    once into `node_modules/.cache/sparticuz-chromium-<version>/` with the shared libraries (NSS,
 *    expat) and fonts the package carries for machines that lack them.
 *
 * Never skips: when none is available it throws, saying what to install.
 */
export async function resolveChromium(): Promise<TestChromium> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== '') {
    if (!isExecutableFile(configured)) {
      throw new Error(`CHROMIUM_PATH=${configured} is not an executable file`);
    }
    return { executablePath: configured, origin: `CHROMIUM_PATH (${configured})` };
  }
  if (isExecutableFile(SYSTEM_CHROMIUM)) {
    return {
      executablePath: SYSTEM_CHROMIUM,
      origin: `the system's Chromium (${SYSTEM_CHROMIUM})`,
    };
  }
  return npmChromium();
}

async function npmChromium(): Promise<TestChromium> {
  const missing = `No Chromium for the browser test: ${SYSTEM_CHROMIUM} is not installed`;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `${missing}, and ${NPM_CHROMIUM} ships a Linux x64 build only (this is ` +
        `${process.platform} ${process.arch}): install Chromium or Chrome and set CHROMIUM_PATH`,
    );
  }
  let packageDir: string;
  try {
    packageDir = join(dirname(require.resolve(NPM_CHROMIUM)), '..', '..');
  } catch (error) {
    throw new Error(
      `${missing}, and the devDependency ${NPM_CHROMIUM} is not installed (run npm install, or ` +
        `apt-get install -y chromium): ${(error as Error).message}`,
    );
  }
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const dir = join(CACHE, `sparticuz-chromium-${version}`);
  const executablePath = join(dir, 'chromium');
  if (!existsSync(executablePath)) await unpack(join(packageDir, 'bin'), dir);
  return {
    executablePath,
    env: {
      ...(Object.fromEntries(
        Object.entries(process.env).filter(([, value]) => value !== undefined),
      ) as Record<string, string>),
      // The package's NSS and expat libraries, which Chromium loads and a bare machine lacks.
      LD_LIBRARY_PATH: [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH]
        .filter(Boolean)
        .join(':'),
      FONTCONFIG_FILE: join(dir, 'fonts.conf'),
    },
    origin: `${NPM_CHROMIUM} ${version} from npm (${SYSTEM_CHROMIUM} is not installed)`,
  };
}

/** Unpacks a brotli-compressed tar file of the package into `into` (with the system's tar). */
function untar(file: string, into: string): void {
  mkdirSync(into, { recursive: true });
  const tar = spawnSync('tar', ['-x', '--no-same-owner', '-C', into], {
    input: brotliDecompressSync(readFileSync(file)),
  });
  if (tar.error) throw tar.error;
  if (tar.status !== 0) throw new Error(`tar -x of ${file} failed: ${tar.stderr}`);
}

/**
 * Unpacks the package's files into `dir`, laid out as the package itself lays them out in
 * `/tmp` on AWS Lambda: `chromium` (from `chromium.br`) with the SwiftShader libraries beside it,
 * `fonts/`, and `al2023/lib/` (NSS and expat). Done in a staging folder renamed into place when
 * complete, so an interrupted run leaves no half-written browser behind. (The package's own
 * `executablePath()` unpacks into the shared `/tmp` and reuses any `/tmp/chromium` it finds.)
 */
async function unpack(bin: string, dir: string): Promise<void> {
  for (const file of ['chromium.br', 'swiftshader.tar.br', 'fonts.tar.br', 'al2023.tar.br']) {
    if (!existsSync(join(bin, file))) {
      throw new Error(`${NPM_CHROMIUM} has no ${file} in ${bin}: did its layout change?`);
    }
  }
  mkdirSync(CACHE, { recursive: true });
  const staging = mkdtempSync(`${dir}.partial-`);
  try {
    await pipeline(
      createReadStream(join(bin, 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(join(staging, 'chromium'), { mode: 0o755 }),
    );
    untar(join(bin, 'swiftshader.tar.br'), staging);
    untar(join(bin, 'fonts.tar.br'), join(staging, 'fonts'));
    untar(join(bin, 'al2023.tar.br'), join(staging, 'al2023'));
    // The package's fonts/fonts.conf names /tmp/fonts; this one names the fonts where they are.
    writeFileSync(
      join(staging, 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        `  <dir>${join(dir, 'fonts')}</dir>`,
        '  <dir>/usr/share/fonts</dir>',
        '  <dir>/usr/local/share/fonts</dir>',
        `  <cachedir>${join(dir, 'fonts-cache')}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    chmodSync(staging, 0o755); // mkdtemp made it 0700
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!existsSync(join(dir, 'chromium'))) throw error; // else another run was first
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
