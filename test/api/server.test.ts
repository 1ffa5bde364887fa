/**
 * The API process (`npm run api`): a real process on a real port. On SIGTERM it stops accepting new
 * connections (after a spell of 503 readiness) but lets an in-flight create finish, then exits cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { repoRoot, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

let h: ApiHarness;
let api: ChildProcess | undefined;
let sessionId: string | undefined;
const GATE_NODE = 'kwok-ondemand-a';

async function patchNode(name: string, patch: object): Promise<void> {
  await h.kube.core.patchNode(
    { name, body: patch },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

beforeAll(async () => {
  h = await startApiHarness();
}, 120_000);

afterAll(async () => {
  if (api && api.exitCode === null) process.kill(-api.pid!, 'SIGKILL');
  await h?.close();
});

test('SIGTERM turns /ready to draining, lets an in-flight create finish, refuses new connections, and exits 0', async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  let output = '';
  // What `npm run api` runs, without npm and tsx's wrapper processes in between, so the signal reaches
  // the server alone (a process group signal would reach it once directly and once relayed).
  api = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...h.env, API_PORT: String(port), LOG_LEVEL: 'info', API_SHUTDOWN_DELAY_SECONDS: '3' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  api.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => api!.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  await eventually('the API to answer /health', async () => ((await fetch(`${base}/health`)).ok ? true : undefined), {
    timeoutMs: 60_000,
  });

  // The create's pod can only schedule once the test labels a node, so the create is surely in flight
  // when the signal arrives.
  const gate = `example.com/gate-${uniqueSuffix()}`;
  const inFlight = fetch(`${base}/api/v1/sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${h.keys.alice}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ config: { node_selector: { [gate]: 'open' } } }),
  });
  try {
    await eventually('the session workflow to start', async () => {
      const { count } = await h.client.workflow.count(`SessionUser = '${h.users.alice}'`);
      return count > 0 ? true : undefined;
    });
    api.kill('SIGTERM');
    // First /ready turns 503 so a balancer stops sending, while the listener still answers.
    await eventually('/ready to report draining', async () => {
      const ready = await fetch(`${base}/ready`);
      const body = (await ready.json()) as { status: string };
      return ready.status === 503 && body.status === 'draining' ? true : undefined;
    });
    await eventually('the API to refuse new connections', async () =>
      (await fetch(`${base}/health`).then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    );
    await patchNode(GATE_NODE, { metadata: { labels: { [gate]: 'open' } } });

    const response = await inFlight;
    expect(response.status).toBe(201);
    const session = (await response.json()) as { session_id: string; status: string };
    expect(session.status).toBe('running');
    expect(await exited).toBe(0);
    expect(output).toContain('API stopped');
    sessionId = session.session_id;
  } finally {
    await patchNode(GATE_NODE, { metadata: { labels: { [gate]: null } } });
  }

  // The session outlives the API process: it is the workflow's, not the server's.
  const handle = h.client.workflow.getHandle(`session-${sessionId}`);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  await handle.signal('terminateSession', { reason: 'user' });
  await handle.result();
});
