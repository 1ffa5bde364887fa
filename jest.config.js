import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// test/realnode/ needs a stack started with STACK_REAL_NODE=1 (root, containerd, a bridge): it runs exactly
// when the running stack's env file says it has the real node (CI turns it on), and is left out otherwise.
// The stack's state directory: the same default as test/stack/paths.sh and test/support/stack.ts.
const stackDir =
  process.env.SO_STACK_DIR ??
  join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'session-orchestrator', 'stack');
const envFile = join(stackDir, 'env');
const realNode = existsSync(envFile) && /^STACK_REAL_NODE=1$/m.test(readFileSync(envFile, 'utf8'));

// `npm test` runs the suites in two lanes side by side and then the few that must run alone
// (test/stack/jest-lanes.mjs, test/stack/lanes.json); SO_TEST_LANE says which this jest process runs.
// Without it, jest runs every file.
const { sideBySide, alone } = JSON.parse(readFileSync(join(import.meta.dirname, 'test/stack/lanes.json'), 'utf8'));
const lane = process.env.SO_TEST_LANE;
if (lane && lane !== 'alone' && !sideBySide[lane]) {
  throw new Error(`SO_TEST_LANE=${lane}: not one of ${[...Object.keys(sideBySide), 'alone'].join(', ')}`);
}
const testMatch =
  lane === 'alone'
    ? alone.map((file) => `<rootDir>/test/${file}`)
    : (lane ? sideBySide[lane] : ['**']).map((directory) => `<rootDir>/test/${directory}/**/*.test.ts`);
// The browser suites, left out only on request (SO_TEST_BROWSER=0, see test/stack/prerequisites.sh).
const browserSuites = ['<rootDir>/test/e2e/temporal-ui.test.ts'];
const browserIgnores = process.env.SO_TEST_BROWSER === '0' ? browserSuites : [];
const laneIgnores = lane && lane !== 'alone' ? alone.map((file) => `<rootDir>/test/${file}`) : [];

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
  testMatch,
  modulePathIgnorePatterns: ['<rootDir>/.stack/', '<rootDir>/dist/', '<rootDir>/test-results/'],
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(realNode ? [] : ['<rootDir>/test/realnode/']),
    ...browserIgnores,
    ...laneIgnores,
  ],
  watchman: false,
  // Tests run against real servers: a session start alone may legitimately take up to its 120 s timeout.
  testTimeout: 180_000,
};
