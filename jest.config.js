import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// test/realnode/ needs a stack started with STACK_REAL_NODE=1 (root, containerd, a bridge): it runs exactly
// when the running stack's env file says it has the real node (CI turns it on), and is left out otherwise.
const envFile = process.env.SO_STACK_DIR
  ? join(process.env.SO_STACK_DIR, 'env')
  : join(import.meta.dirname, '.stack', 'env');
const realNode = existsSync(envFile) && /^STACK_REAL_NODE=1$/m.test(readFileSync(envFile, 'utf8'));

/** Jest runs the TypeScript sources as native ES modules (the Kubernetes client is ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(realNode ? [] : ['<rootDir>/test/realnode/'])],
  watchman: false,
  // Tests run against real servers: a session start alone may legitimately take up to its 120 s timeout.
  testTimeout: 180_000,
};
