/**
 * `npm test` runs jest in two lanes side by side (test/stack/jest-lanes.mjs). No test file may fall
 * outside the lanes, and the lanes' results must add up to what one jest run would report — CI's summary
 * and its `N passed, N failed` line are read from that merged file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/stack.js';

const { sideBySide, alone } = JSON.parse(readFileSync(join(repoRoot, 'test/stack/lanes.json'), 'utf8')) as {
  sideBySide: Record<string, string[]>;
  alone: string[];
};

function runLanes(...args: string[]) {
  return runLanesWith({}, ...args);
}

function runLanesWith(extraEnv: NodeJS.ProcessEnv, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'lanes-test-'));
  const outputFile = join(dir, 'result.json');
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', ...extraEnv };
  delete env.SO_TEST_LANE;
  for (const [name, value] of Object.entries(extraEnv)) if (value === undefined) delete env[name];
  const run = spawnSync(
    process.execPath,
    [join(repoRoot, 'test/stack/jest-lanes.mjs'), '--ci', ...args, '--json', `--outputFile=${outputFile}`],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      env,
    },
  );
  let result:
    | { success: boolean; numTotalTestSuites: number; numPassedTests: number; testResults: { name: string }[] }
    | undefined;
  try {
    result = JSON.parse(readFileSync(outputFile, 'utf8'));
  } catch {
    result = undefined;
  }
  rmSync(dir, { recursive: true, force: true });
  return { status: run.status, stdout: run.stdout, result };
}

/** The files jest would run in `lane` (all of them without one), as paths under test/. */
function listTests(lane: string): string[] {
  const run = spawnSync(
    process.execPath,
    ['--experimental-vm-modules', join(repoRoot, 'node_modules/jest/bin/jest.js'), '--listTests'],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, SO_TEST_LANE: lane } },
  );
  expect(run.status).toBe(0);
  return run.stdout
    .split('\n')
    .filter((line) => line.endsWith('.test.ts'))
    .map((line) => line.slice(join(repoRoot, 'test').length + 1))
    .sort();
}

test('every test file jest would run is in exactly one lane, and the ones that run alone in no other', () => {
  const everyFile = listTests('');
  const byLane = Object.fromEntries([...Object.keys(sideBySide), 'alone'].map((lane) => [lane, listTests(lane)]));
  expect(Object.values(byLane).flat().sort()).toEqual(everyFile);
  expect(byLane.alone).toEqual([...alone].sort());
  expect(everyFile).toContain('tooling/jest-lanes.test.ts');
});

test('a file selected by pattern runs in its lane, and the merged result counts it once', () => {
  const run = runLanes('test/unit/names.test.ts');
  expect(run.status).toBe(0);
  expect(run.result).toMatchObject({ success: true, numTotalTestSuites: 1 });
  expect(run.result!.numPassedTests).toBeGreaterThan(0);
  expect(run.result!.testResults.map((r) => r.name)).toEqual([join(repoRoot, 'test/unit/names.test.ts')]);
  expect(run.stdout).toMatch(/^\[cluster\] PASS test\/unit\/names\.test\.ts/m);
});

test('a pattern that matches no file in any lane fails the run', () => {
  const run = runLanes('test/unit/no-such-file-anywhere.test.ts');
  expect(run.status).not.toBe(0);
  expect(run.result?.success).toBe(false);
  expect(run.stdout).toContain('no test file matched in any lane');
});

test('a run builds the workflow bundles once, before its lanes start', () => {
  const run = runLanesWith({ SO_TEST_WORKFLOW_BUNDLES: undefined }, 'test/unit/names.test.ts');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^\[lanes\] workflow bundles for every worker of the run built in \d+ ms$/m);
  expect(run.stdout).not.toContain('building the shared workflow bundles failed');
});
