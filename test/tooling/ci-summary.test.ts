/**
 * `.ci/summary.mjs` closes every CI log: it names what failed and ends with `N passed, N failed`. A CI log
 * is read from its end, so a failed test's cause must be there, not only in the lanes' output above.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/stack.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-summary-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function summarise(result: object, exitCode: number): { status: number | null; stdout: string } {
  const file = join(dir, 'results.json');
  writeFileSync(file, JSON.stringify(result));
  const run = spawnSync(process.execPath, [join(repoRoot, '.ci/summary.mjs'), file, String(exitCode)], {
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout };
}

const passed = (title: string) => ({ status: 'passed', fullName: title, failureMessages: [] });

test('a failed test is named with the first lines of its cause, without colour codes', () => {
  const cause = [
    '\u001b[2mexpect(\u001b[22m\u001b[31mreceived\u001b[39m\u001b[2m).\u001b[22mtoBe\u001b[2m(\u001b[22m\u001b[32mexpected\u001b[39m\u001b[2m)\u001b[22m',
    '',
    'Expected: \u001b[32m0\u001b[39m',
    'Received: \u001b[31m1\u001b[39m',
    ...Array.from({ length: 30 }, (_, i) => `    at frame${i} (test/cli/sessionctl.test.ts:${i}:1)`),
  ].join('\n');
  const run = summarise(
    {
      numPassedTests: 2,
      numFailedTests: 1,
      numPendingTests: 0,
      numTodoTests: 0,
      testResults: [
        {
          name: '/repo/test/cli/sessionctl.test.ts',
          status: 'failed',
          assertionResults: [
            passed('sessionctl creates'),
            { status: 'failed', fullName: 'sessionctl suspends', failureMessages: [cause] },
            passed('sessionctl deletes'),
          ],
        },
      ],
    },
    1,
  );
  expect(run.status).toBe(0);
  const lines = run.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe('failed: /repo/test/cli/sessionctl.test.ts: sessionctl suspends');
  expect(lines).toContain('    Expected: 0');
  expect(lines).toContain('    Received: 1');
  expect(run.stdout).not.toContain('\u001b[');
  // Bounded: the cause's first lines, not its whole stack.
  expect(run.stdout).toContain('frame0');
  expect(run.stdout).not.toContain('frame20');
  expect(lines.at(-1)).toBe('2 passed, 1 failed');
});

test('a run that failed with every test passing still says why and counts a failure', () => {
  const run = summarise(
    {
      numPassedTests: 3,
      numFailedTests: 0,
      numPendingTests: 0,
      numTodoTests: 0,
      testResults: [{ name: '/repo/test/unit/names.test.ts', status: 'passed', assertionResults: [passed('x')] }],
    },
    1,
  );
  expect(run.stdout).toContain('jest exited with code 1 although every test passed');
  expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('3 passed, 1 failed');
});
