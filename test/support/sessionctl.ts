/** Runs the real `sessionctl` binary (bin/sessionctl.mjs) as a user would, with only the given environment. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './stack.js';

export interface SessionctlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runSessionctl(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 150_000,
): Promise<SessionctlRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin', 'sessionctl.mjs'), ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
