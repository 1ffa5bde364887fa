/**
 * `npm run bench` as a user runs it against the stack, at a scale of a few sessions: every scenario runs,
 * the floor is measured beside it, and the report and its charts are written where `--out` says. The
 * figures of a run this small say nothing about the targets (the report says so); what this guards is that
 * the benchmark still runs end to end and leaves nothing of its own behind.
 */
import { spawn } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSelector, runUsers } from '../../bench/env.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { repoRoot, stackEnv, stackKubeConfig } from '../support/stack.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'so-bench-smoke-'));
});

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'bench', '--', ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...stackEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('npm run bench runs every scenario beside its floor and writes the report and its charts', async () => {
  const { code, output } = await runBench([
    ...['--sequential', '3', '--burst', '6', '--concurrency', '3', '--users', '2', '--hold', '8'],
    ...['--probes', '1', '--sse-sessions', '2', '--sse-streams', '4', '--idle-seconds', '1'],
    ...['--history-sessions', '1', '--wait-seconds', '120', '--compiled', 'false', '--label', 'smoke'],
    ...['--sample-ms', '200'],
    ...['--out', out],
  ]);
  // The run's own log says which step failed; jest shows it beside the assertion.
  expect([code, code === 0 ? '' : output.slice(-4000)]).toEqual([0, '']);

  const report = readFileSync(join(out, 'BENCHMARKS.md'), 'utf8');
  expect(report).toContain('SMOKE SCALE');
  const row = (pattern: RegExp) => report.split('\n').find((line) => pattern.test(line));
  // Each scenario's figure with the floor measured in the same run beside it.
  expect(row(/^\| sequential \(n=3\) \| create → running p50 \| \d+ ms \| \d+ ms \|/)).toBeDefined();
  expect(row(/^\| burst \(6, 3 in flight, 2 users\) \| all running \| [\d.]+ s \| [\d.]+ s /)).toBeDefined();
  expect(row(/^\| {2}\| `\?wait=false` answer p95 \| \d+ ms \|/)).toBeDefined();
  expect(row(/^\| hold \(8 running\) \| worker RSS \| \d+ MiB \|/)).toBeDefined();
  expect(
    row(/^\| {2}\| apiserver watch connections \(pods\) \| \d+ \(\d+\) \| at 0 sessions: \d+ \(\d+\) \|/),
  ).toBeDefined();
  // The floor's one create at load beside its one create at 0: what the load costs Kubernetes alone.
  expect(
    row(
      /^\| {2}\| floor: one create → Ready at load, p50 of 1 \| \d+ ms \| at 0 sessions: \d+ ms \| — \(at load \/ at 0: floor [\d.]+×, API [\d.]+×\) \|/,
    ),
  ).toBeDefined();
  expect(
    row(
      /^\| {2}\| floor: of which until the pod is bound to a node \(scheduler\) \| [\d.]+ ms \| at 0 sessions: [\d.]+ ms \|/,
    ),
  ).toBeDefined();
  expect(row(/^\| SSE \(4 streams over 2 sessions\) \| API \+ worker CPU while idle \| [\d.]+ % /)).toBeDefined();
  expect(row(/^\| {2}\| step → client p95 \(4\/4 delivered\) \| \d+ ms \|/)).toBeDefined();
  expect(report).toContain('## History per session');
  // Each measured create's history was read: the sequential ones and the probes at 0 and at load.
  expect(
    row(/^\| part \| sequential \(n=3\) \| one create at 0 \(n=1\) \| one create at load \(n=1\) \|$/),
  ).toBeDefined();
  expect(row(/^\| workflow start → running \| \d+ ms \| \d+ ms \| \d+ ms \|$/)).toBeDefined();
  expect(row(/^\| activities: running \(the Kubernetes calls\) \| \d+ ms \| \d+ ms \| \d+ ms \|$/)).toBeDefined();
  // The worker's SDK gauges were scraped through the run: while 8 sessions are held running their
  // workflows sit in the sticky cache (a busy slot is too brief to be sure a sample catches one).
  expect(row(/^\| hold \| \d+ \| \d+ of 40 \(\d+ %\) \| \d+ of 100 \(\d+ %\) \| [1-9]\d* of 500 /)).toBeDefined();

  for (const chart of ['latency.png', 'burst-running.png', 'rss.png']) {
    expect([chart, readFileSync(join(out, chart)).subarray(0, 8).equals(PNG_SIGNATURE)]).toEqual([chart, true]);
  }

  // The run cleaned up after itself: nothing labelled with its users (nor its floor's) is left.
  const runId = /run (b[0-9a-z]+):/.exec(output)?.[1];
  expect(runId).toBeDefined();
  const labelSelector = runSelector(runUsers(runId!, 2));
  const { core, kc } = createKubeClients(stackKubeConfig());
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
  const left = await Promise.all([
    core.listNamespacedPod({ namespace, labelSelector }),
    core.listNamespacedSecret({ namespace, labelSelector }),
    core.listNamespacedConfigMap({ namespace, labelSelector }),
    core.listNamespacedService({ namespace, labelSelector }),
    core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }),
    // Each session's credentials-sync identity, the floor's included.
    core.listNamespacedServiceAccount({ namespace, labelSelector }),
    rbac.listNamespacedRole({ namespace, labelSelector }),
    rbac.listNamespacedRoleBinding({ namespace, labelSelector }),
  ]);
  expect(left.flatMap((list) => list.items.map((o) => `${o.kind ?? ''} ${o.metadata?.name ?? ''}`))).toEqual([]);
}, 600_000);

test('a run larger than the stack’s nodes can hold is refused before it creates anything, naming the fix', async () => {
  const { code, output } = await runBench([
    '--scenarios',
    'hold',
    '--hold',
    '100000',
    '--floor',
    'false',
    '--out',
    out,
  ]);
  expect(code).toBe(1);
  expect(output).toMatch(/this run holds up to 100001 session pods at once, but the stack's \d+ schedulable nodes/);
  expect(output).toContain('STACK_NODES=40 npm run stack:up');
  // No run was prepared: the first thing a run logs is its id.
  expect(output).not.toMatch(/run b[0-9a-z]+:/);
}, 120_000);
