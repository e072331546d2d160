// @ts-check
/**
 * Mutation testing of the critical paths: `npm run test:mutation` (all listed files) or
 * `npm run test:mutation -- --mutate libs/viber/src/client/viber-rate-limiter.ts` (one file).
 * Not run in CI: a full run takes half an hour and more. Scores are recorded in README.md
 * ("Mutation testing"). Only the jest `unit` project runs: no port, browser or redis-server needed.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Stryker's jest runner puts its per-test coverage environment on the root config only, so the
 * `unit` project of jest.config.js is lifted to the root. `rootDir` is left out on purpose: the
 * runner reads jest.config.js again inside each sandbox, where its `__dirname` (and so every
 * `<rootDir>` mapping) is the sandbox, never this checkout.
 */
const { projects } = require('./jest.config.js');
const unitProject = projects.find((project) => project.displayName === 'unit');
if (!unitProject) throw new Error('stryker.config.mjs: jest.config.js has no "unit" project');
const { rootDir: _rootDir, displayName: _displayName, ...unit } = unitProject;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    // The webhook: admission (every check before the body is parsed), the Nest guard over it,
    // what becomes of a refused upload, the signature, the raw-body reading; then the callback
    // parser and its compiled DTO checks.
    'libs/viber/src/webhook/webhook-admission.ts',
    'libs/viber/src/webhook/viber-signature.guard.ts',
    'libs/viber/src/webhook/refused-upload.ts',
    'libs/viber/src/webhook/viber-signature.ts',
    'libs/viber/src/webhook/raw-body.ts',
    'libs/viber/src/webhook/viber-callback.parser.ts',
    'libs/viber/src/webhook/dto-validator.compiler.ts',
    'libs/viber/src/json/lossless-json.ts',
    // The client: retry policy and rate limiter.
    'libs/viber/src/client/viber-retry.policy.ts',
    'libs/viber/src/client/viber-rate-limiter.ts',
    'libs/viber/src/dedupe/in-memory-dedupe.store.ts',
    'libs/viber/src/dedupe/redis-dedupe.store.ts',
    'libs/viber/src/validation/min-api-version.ts',
    // Broadcast accounting: the client's (every receiver once in sent, failed_list or
    // uncertain_list: SettledReceivers and chunk, then broadcast, its streamed variant and
    // sendBroadcastBatch; the rest of the client is plumbing tested end to end) and the queue's
    // progress counts. Line ranges move with the code: check them when viber-client.ts changes.
    'libs/viber/src/client/viber-client.ts:149-162',
    'libs/viber/src/client/viber-client.ts:317-566',
    'libs/viber/src/queue/broadcast-progress.ts',
  ],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      ...unit,
      // `[]`, not `undefined`: the options reach the test runner as JSON, where an undefined key
      // vanishes and the file's two projects would come back (every spec run twice, with
      // jest's own environment instead of Stryker's).
      projects: [],
      // The fuzz spec is an e2e spec and outside the unit project's testMatch already; it is
      // listed here too so that no change of testMatch can let its luck into the score.
      testPathIgnorePatterns: [
        ...unit.testPathIgnorePatterns,
        '<rootDir>/test/webhook-fuzz\\.e2e-spec\\.ts$',
      ],
    },
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { logTests: false, reportTests: false },
  // Folders no spec or type check needs; the sandbox copy stays small.
  ignorePatterns: [
    'dist',
    'coverage',
    'docs',
    'bench',
    'packages',
    'test/consumers',
    'test-artifacts',
    'reports',
  ],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
};
