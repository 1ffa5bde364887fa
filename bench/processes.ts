/**
 * The API and the worker as real child processes — compiled, as the image runs them (`node
 * dist/src/server.js`), or `node --import tsx src/server.ts` — without any wrapper process, so the pid whose
 * /proc we read is the service itself; plus a sampler of their memory and CPU over the run.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { repoRoot, stackDir } from '../test/support/stack.js';
import { readProc } from './proc.js';

export interface Service {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts `script` (relative to the repo) with `env` added to this process's environment; `compiled` runs
 * its build in dist/ (see {@link compileServices}).
 */
export function startService(
  name: string,
  script: string,
  env: Record<string, string>,
  logDir: string,
  profileDir?: string,
  compiled = false,
): Service {
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  // A CPU profile is written when the process exits, which both services do on SIGTERM.
  const profile = profileDir
    ? // A 10 ms interval keeps the profile of an hour-long run to a few hundred thousand samples.
      ['--cpu-prof', '--cpu-prof-interval=10000', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  // Compiled: what the image runs (`node dist/src/server.js`); else through tsx, straight from the sources.
  const entry = compiled ? [join('dist', script.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', script];
  const child = spawn(process.execPath, [...profile, ...entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C of the benchmark must not stop the services before the benchmark
    // has used them to clean up; the benchmark stops them itself, and kills them if it exits first.
    detached: true,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  return {
    name,
    child,
    pid: child.pid!,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ResourcePoint {
  /** Seconds since the sampler started. */
  t: number;
  phase: string;
  apiRssMiB: number;
  workerRssMiB: number;
  /** The machine's 1-minute load average (it is shared: the floor and the services run in the same load). */
  load1: number;
  /** CPU seconds used so far by the API, the worker and each stack process, by name. */
  cpu: Record<string, number>;
}

const STACK_PROCESSES = ['temporal', 'kube-apiserver', 'etcd', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

/** The stack's server processes (their pid files in the stack's state directory), for CPU per phase. */
function stackProcesses(): { name: string; pid: number }[] {
  return STACK_PROCESSES.flatMap((name) => {
    try {
      return [{ name, pid: Number(readFileSync(join(stackDir, 'pids', `${name}.pid`), 'utf8').trim()) }];
    } catch {
      return [];
    }
  });
}

/** Samples the services' RSS every `intervalMs`, labelled with the phase of the run it was taken in. */
export class ResourceSampler {
  readonly points: ResourcePoint[] = [];
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly stack = stackProcesses();
  phase = 'start';

  constructor(
    private readonly api: Service,
    private readonly worker: Service,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): ResourcePoint | undefined {
    const a = readProc(this.api.pid);
    const w = readProc(this.worker.pid);
    if (!a || !w) return undefined;
    const point = {
      t: (performance.now() - this.started) / 1000,
      phase: this.phase,
      apiRssMiB: a.rssBytes / 2 ** 20,
      workerRssMiB: w.rssBytes / 2 ** 20,
      load1: os.loadavg()[0]!,
      cpu: Object.fromEntries([
        ['api', a.cpuSeconds],
        ['worker', w.cpuSeconds],
        ...this.stack.map((p) => [p.name, readProc(p.pid)?.cpuSeconds ?? NaN]),
      ]) as Record<string, number>,
    };
    this.points.push(point);
    return point;
  }

  /** CPU seconds each service has used so far. */
  cpu(): { api: number; worker: number } {
    return { api: readProc(this.api.pid)?.cpuSeconds ?? NaN, worker: readProc(this.worker.pid)?.cpuSeconds ?? NaN };
  }

  /** Share of one core each service used over `seconds` of wall time from now. */
  async cpuOver(seconds: number, signal: AbortSignal): Promise<{ api: number; worker: number }> {
    const before = this.cpu();
    const t0 = performance.now();
    await sleep(seconds * 1000, signal);
    const after = this.cpu();
    const wall = (performance.now() - t0) / 1000;
    return { api: (after.api - before.api) / wall, worker: (after.worker - before.worker) / wall };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The workflow bundle {@link compileServices} writes; the worker loads it as the image's does. */
export const compiledWorkflowBundle = join(repoRoot, 'dist', 'workflow-bundle.js');

/** Compiles the repository into dist/ exactly as the Dockerfile does, so the services run as deployed. */
export function compileServices(): void {
  execFileSync(
    process.execPath,
    [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--outDir', 'dist', '--rootDir', '.'],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  execFileSync(process.execPath, [join(repoRoot, 'dist/src/build-workflow-bundle.js'), compiledWorkflowBundle], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}

/**
 * Whether `p` settles within `ms`: false once the bound passes. The bound's timer is cleared when `p`
 * settles first, so nothing fires later (a late timer once reported waits that had completed).
 */
export async function settlesWithin(p: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<boolean> {
  const settled = new AbortController();
  const bound = sleep(ms, signal ? AbortSignal.any([signal, settled.signal]) : settled.signal).then(
    () => false,
    () => false,
  );
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      bound,
    ]);
  } finally {
    settled.abort();
  }
}
