// Jest 30 + ts-jest, four projects:
// - unit: specs beside the code (libs/<lib>/src/**/*.spec.ts): no port, no browser, no Redis.
// - e2e: test/**/*.e2e-spec.ts: real HTTP on 127.0.0.1, child processes, the browser test.
// - redis: test/**/*.redis-spec.ts: need a redis-server on the PATH (npm run test:redis).
// - interop: test/interop/*.e2e-spec.ts: bots written with other SDKs against the emulator; they
//   need test/interop's own install (npm run test:interop does it), so e2e leaves them out.
const moduleNameMapper = {
  '^nestjs-viber$': '<rootDir>/libs/viber/src',
  '^nestjs-viber/internal$': '<rootDir>/libs/viber/src/internal',
  '^nestjs-viber/testing$': '<rootDir>/libs/viber-testing/src',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
};
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  transform,
  // Built package copies declare the name `nestjs-viber` too; jest must not see them.
  // Stryker's sandboxes (.stryker-tmp) are copies of the repo: jest must not see them either.
  modulePathIgnorePatterns: [
    '<rootDir>/dist',
    '<rootDir>/packages',
    '<rootDir>/test/consumers',
    '<rootDir>/.stryker-tmp',
  ],
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/dist/',
    '<rootDir>/packages/',
    '<rootDir>/test/consumers/',
    '<rootDir>/.stryker-tmp/',
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/*/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '<rootDir>/test/interop/'],
    },
    { ...common, displayName: 'redis', testMatch: ['<rootDir>/test/**/*.redis-spec.ts'] },
    { ...common, displayName: 'interop', testMatch: ['<rootDir>/test/interop/*.e2e-spec.ts'] },
  ],
};
