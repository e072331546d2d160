/** Jest 30 + ts-jest. Unit specs live next to the code (libs/**) ; e2e specs over real HTTP live in test/. */
const moduleNameMapper = {
  '^nestjs-viber$': '<rootDir>/libs/viber/src',
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
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
