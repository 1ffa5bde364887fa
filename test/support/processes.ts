/**
 * The orchestrator's real processes (`src/server.ts`, `src/worker.ts`) as children of a test, started
 * the way `npm run api` / `npm run worker` start them but without npm's wrapper, so a signal reaches the
 * process itself. Each runs in its own process group; `kill` ends only that group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from './stack.js';
import { eventually } from './wait.js';

export interface Child {
  name: string;
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then wait for a clean exit; returns the exit code. */
  stop(): Promise<number | null>;
  kill(): void;
}

export function startChild(name: string, script: string, env: Record<string, string>): Child {
  let output = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    name,
    proc,
    output: () => output,
    exited,
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) process.kill(-proc.pid!, 'SIGKILL');
    },
  };
}

/** A worker process; resolves once it polls its task queue. */
export async function startWorkerProcess(name: string, env: Record<string, string>): Promise<Child> {
  const child = startChild(name, 'src/worker.ts', env);
  await eventually(
    `${name} to be ready`,
    async () => {
      if (child.proc.exitCode !== null) throw new Error(`${name} exited: ${child.output()}`);
      return child.output().includes('worker ready') ? true : undefined;
    },
    { timeoutMs: 120_000 },
  );
  return child;
}

/** An API process on `port`; resolves once its /ready answers 200. */
export async function startApiProcess(name: string, port: number, env: Record<string, string>): Promise<Child> {
  const child = startChild(name, 'src/server.ts', { ...env, API_PORT: String(port) });
  await eventually(
    `${name} to be ready`,
    async () => {
      if (child.proc.exitCode !== null) throw new Error(`${name} exited: ${child.output()}`);
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      return res.status === 200 ? true : undefined;
    },
    { timeoutMs: 120_000 },
  );
  return child;
}
