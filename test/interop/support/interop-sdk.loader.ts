import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The interop package (test/interop/package.json): the other SDKs, pinned, with its own lock. */
const INTEROP_DIR = join(__dirname, '..');

/** The SDKs the interop tests run bots with. */
export type InteropSdk = 'viber-bot' | 'messaging-api-viber';

function manifestOf(sdk: InteropSdk): string {
  const manifest = join(INTEROP_DIR, 'node_modules', sdk, 'package.json');
  if (!existsSync(manifest)) {
    throw new Error(
      `${sdk} is not installed in test/interop: run \`npm run test:interop\` ` +
        '(it runs `npm --prefix test/interop ci` first)',
    );
  }
  return manifest;
}

/**
 * Loads an SDK from test/interop/node_modules with Node's own `require` (not jest's module
 * registry, and not the repository's dependencies: the SDKs are not dependencies of
 * nestjs-viber). `npm run test:interop` installs them first (`npm --prefix test/interop ci`).
 */
export function loadInteropSdk(sdk: InteropSdk): unknown {
  manifestOf(sdk);
  return createRequire(join(INTEROP_DIR, 'package.json'))(sdk);
}

/** Loads a dependency of an SDK as the SDK itself resolves it (e.g. viber-bot's `express`). */
export function loadSdkDependency(sdk: InteropSdk, name: string): unknown {
  return createRequire(manifestOf(sdk))(name);
}
