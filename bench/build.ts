/**
 * Compiles the library and the harness to plain JavaScript in a temporary folder before a run,
 * so the measured processes run compiled code as in production: no TypeScript compiler in their
 * memory (it would add ~100 MB of RSS and distort the memory figures) and no compile hook at load.
 * Transpiles file by file, like `ts-node --transpile-only` (type-checking is `npm run typecheck`).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './child-process';

/** How to run a compiled harness script. */
export interface BenchBuild {
  /** Root of the compiled tree (mirrors the repository: `libs/…`, `bench/…`). */
  dir: string;
  /** Node options of every child: the `nestjs-viber` path aliases. */
  execArgv: string[];
  /** Environment of every child: where bare imports resolve from. */
  env: NodeJS.ProcessEnv;
}

function sources(folder: string, into: string[] = []): string[] {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) sources(path, into);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.spec.ts'))
      into.push(path);
  }
  return into;
}

/** Transpiles `libs/` and `bench/` into a fresh temporary folder. */
export function buildBench(): BenchBuild {
  const dir = join(tmpdir(), `nestjs-viber-bench-build-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const configPath = join(REPO_ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT);
  const compilerOptions: ts.CompilerOptions = {
    ...parsed.options,
    sourceMap: false,
    declaration: false,
    noEmit: false,
  };
  for (const file of [...sources(join(REPO_ROOT, 'libs')), ...sources(__dirname)]) {
    const output = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions,
      fileName: file,
    });
    const target = join(dir, relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  // The tsconfig path aliases (`nestjs-viber`, `nestjs-viber/testing`), pointed at the build.
  const register = join(dir, 'register-paths.js');
  writeFileSync(
    register,
    `require(${JSON.stringify(require.resolve('tsconfig-paths'))}).register(${JSON.stringify({
      baseUrl: dir,
      paths: parsed.options.paths ?? {},
    })});\n`,
  );
  return {
    dir,
    execArgv: ['-r', register],
    // The build lives outside the repo: bare imports resolve from the repo's node_modules first
    // (the library's own dependencies), then bench/node_modules (the other SDKs, autocannon).
    env: {
      NODE_PATH: [join(REPO_ROOT, 'node_modules'), join(__dirname, 'node_modules')].join(':'),
    },
  };
}

/** Removes a build. */
export function removeBuild(build: BenchBuild): void {
  rmSync(build.dir, { recursive: true, force: true });
}
