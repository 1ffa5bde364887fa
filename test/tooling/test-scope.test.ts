/**
 * The test command must tell the truth after real use of the stack: etcd writes its own `.snap` files, and
 * jest takes any `.snap` file it can see for an obsolete jest snapshot and fails the run. This runs
 * jest itself, as `npm test` does in CI, with such a file planted where a stack's state used to live.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, uniqueSuffix } from '../support/stack.js';

test('an etcd snapshot file inside the checkout does not fail the suite', () => {
  const probeDir = join(repoRoot, '.stack', `jest-probe-${uniqueSuffix()}`, 'member', 'snap');
  const planted = join(probeDir, '0000000000000002-0000000000004e22.snap');
  mkdirSync(probeDir, { recursive: true });
  writeFileSync(planted, 'not a jest snapshot');
  try {
    const run = spawnSync(
      process.execPath,
      [
        '--experimental-vm-modules',
        join(repoRoot, 'node_modules/jest/bin/jest.js'),
        '--ci',
        '--json',
        'test/unit/names.test.ts',
      ],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true', SO_TEST_LANE: '' } },
    );
    const result = JSON.parse(run.stdout) as {
      success: boolean;
      numPassedTests: number;
      snapshot: { failure: boolean; filesRemoved: number };
    };
    expect(result.snapshot).toMatchObject({ failure: false, filesRemoved: 0 });
    expect(result.numPassedTests).toBeGreaterThan(0);
    expect(run.status).toBe(0);
    expect(existsSync(planted)).toBe(true);
  } finally {
    rmSync(join(probeDir, '..', '..'), { recursive: true, force: true });
  }
});
