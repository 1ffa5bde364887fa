/** Jest runs the TypeScript sources as native ES modules (the Kubernetes client is ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  watchman: false,
  // Tests run against real servers: a session start alone may legitimately take up to its 120 s timeout.
  testTimeout: 180_000,
};
