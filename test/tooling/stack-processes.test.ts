/**
 * The stack knows its components by recorded pid (test/stack/processes.sh). `npm test` and `.ci/run` ask it
 * whether the stack is up before they start one: a component it no longer recognises makes them start a
 * second stack on the same ports, which fails before any test runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/stack.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stack-processes-'));
});
afterEach(() => {
  // By pid, not stop_process: a test may have made the process unrecognisable on purpose.
  const pidFile = join(dir, 'pids/demo.pid');
  if (existsSync(pidFile)) spawnSync('kill', ['-KILL', readFileSync(pidFile, 'utf8').trim()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs bash with processes.sh sourced into it, as stack.sh does. */
function stack(script: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(
    'bash',
    [
      '-c',
      `set -euo pipefail; pids=$1/pids logs=$1/logs
       log() { printf '[stack] %s\\n' "$*" >&2; }
       die() { printf '[stack] error: %s\\n' "$*" >&2; exit 1; }
       source "$2"
       ${script}`,
      'bash',
      dir,
      join(repoRoot, 'test/stack/processes.sh'),
    ],
    { encoding: 'utf8' },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const running = () => stack('is_running demo').status === 0;

test('a component that execs into another program after it started is still recognised as running', async () => {
  // Like `setsid env PATH=… tsx enforcer.ts`: the command line read just after the start is not the final one.
  expect(stack(`start_process demo bash -c 'sleep 1; exec sleep 60'`).status).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const pid = readFileSync(join(dir, 'pids/demo.pid'), 'utf8').trim();
  expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).toBe('sleep');
  expect(running()).toBe(true);

  // ...and so `stop_process` stops it rather than leaving it behind.
  expect(stack('stop_process demo').stderr).toContain(`stopped demo (pid ${pid})`);
  expect(running()).toBe(false);
  expect(spawnSync('kill', ['-0', pid]).status).not.toBe(0);
});

test('a recorded pid now held by another process is not taken for the component', () => {
  expect(stack(`start_process demo sleep 60`).status).toBe(0);
  expect(running()).toBe(true);
  // What a recycled pid looks like: alive, but started at another time than the one recorded.
  const startFile = join(dir, 'pids/demo.start');
  writeFileSync(startFile, `${Number(readFileSync(startFile, 'utf8')) - 1}\n`);
  expect(running()).toBe(false);
});

test('a component that exits at once fails the start, with its log', () => {
  const start = stack(`start_process demo bash -c 'echo cannot bind 127.0.0.1:6443 >&2; exit 1'`);
  expect(start.status).toBe(1);
  expect(start.stderr).toContain('cannot bind 127.0.0.1:6443');
  expect(start.stderr).toContain('demo exited at start');
  expect(running()).toBe(false);
});
