/** Tests run on the TypeScript sources through SWC (type checking is `tsc -b`'s job). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
  // test/stranger is the fixture of packed-suite.test.ts: run in its own install, never from here.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/backend-tests/test/stranger/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleNameMapper: {
    '^@wrkr/([^/]+)$': '<rootDir>/packages/$1/src',
    '^@wrkr/([^/]+)/(.+)$': '<rootDir>/packages/$1/src/$2',
  },
  testSequencer: '<rootDir>/scripts/jest-sequencer.js',
  testTimeout: 30000,
};
