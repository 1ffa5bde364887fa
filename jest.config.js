/** Jest runs the TypeScript sources as native ES modules (the Kubernetes client is ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  // Only where tests and sources are. Jest treats every `.snap` file it finds as one of its snapshots and
  // reports unknown ones as obsolete (a failed run): a stack's etcd writes files with that extension, so
  // no state directory, build output or dependency tree may be in its view.
  roots: ['<rootDir>/test', '<rootDir>/src', '<rootDir>/workflows', '<rootDir>/activities', '<rootDir>/bench'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/.stack/', '<rootDir>/dist/', '<rootDir>/test-results/'],
  watchman: false,
  // Tests run against real servers: a session start alone may legitimately take up to its 120 s timeout.
  testTimeout: 180_000,
};
