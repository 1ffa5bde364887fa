/**
 * sessionctl as a user runs it: the real binary (bin/sessionctl.mjs) as a child process, against the real
 * API on a real port, wired to the stack's Temporal and cluster. A stand-in agent answers behind the proxy.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachUpgrades } from '../../src/api/proxy.js';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { runSessionctl, type SessionctlRun } from '../support/sessionctl.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';

let h: ApiHarness;
let agent: AgentServer;
let server: Server;
let url: string;
let id: string | undefined;

function sessionctl(args: string[], env: Record<string, string> = {}): Promise<SessionctlRun> {
  return runSessionctl(args, { SESSIONCTL_URL: url, SESSIONCTL_API_KEY: h.keys.alice, ...env });
}

beforeAll(async () => {
  h = await startApiHarness();
  agent = await startAgentServer();
  const app = h.appWith({ AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agent.url });
  server = createServer(app);
  attachUpgrades(server, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  if (id) await sessionctl(['delete', id], { SESSIONCTL_API_KEY: h.keys.admin });
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await agent?.close();
  await h?.close();
});

describe('sessionctl', () => {
  test('create waits until the session runs and prints it as JSON', async () => {
    const run = await sessionctl(['create', '--timeout-minutes', '30', '-o', 'json']);
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ code: 0 });
    const session = JSON.parse(run.stdout);
    expect(session.status).toBe('running');
    expect(session.session_id).toMatch(/^[a-z0-9-]+$/);
    id = session.session_id;
  });

  test('create --progress always draws the start as a progress bar that reaches 100%', async () => {
    const run = await sessionctl(['create', '--progress', 'always']);
    // On a failure the CLI's own message says why (it once failed in CI with nothing to read).
    expect([run.code, run.code === 0 ? '' : run.stderr]).toEqual([0, '']);
    const created = /^id\s+(\S+)$/m.exec(run.stdout)?.[1];
    expect(created).toBeDefined();
    expect(run.stdout).toMatch(/^status\s+running$/m);
    expect(run.stderr).toMatch(/100% \| running/);
    expect(run.stderr).toMatch(/0% \| creating/);
    expect(await sessionctl(['delete', created!])).toMatchObject({ code: 0 });
  });

  test('list shows the session in a table, and as JSON with -o json', async () => {
    const table = await sessionctl(['list']);
    expect(table).toMatchObject({ code: 0 });
    const header = table.stdout.split('\n')[0]!;
    expect(header).toMatch(/ID\s+USER\s+STATUS\s+CREATED\s+CLOSED/);
    const row = table.stdout.split('\n').find((line) => line.includes(id!));
    expect(row).toMatch(/running/);
    const json = await sessionctl(['list', '--output', 'json']);
    expect(JSON.parse(json.stdout).sessions.map((s: { session_id: string }) => s.session_id)).toContain(id);
  });

  test('get prints the session; extend moves its deadline', async () => {
    const before = JSON.parse((await sessionctl(['get', id!, '-o', 'json'])).stdout);
    expect(before.status).toBe('running');
    const extended = await sessionctl(['extend', id!, '--minutes', '10', '-o', 'json']);
    expect(extended).toMatchObject({ code: 0 });
    const result = JSON.parse(extended.stdout);
    expect(Date.parse(result.expires_at)).toBeGreaterThan(Date.parse(before.expires_at));
    const human = await sessionctl(['get', id!]);
    expect(human.stdout).toMatch(new RegExp(`^id\\s+${id}$`, 'm'));
    expect(human.stdout).toMatch(/^status\s+running$/m);
  });

  test('open prints the proxy URL, which reaches the agent with the same key', async () => {
    const run = await sessionctl(['open', id!]);
    expect(run).toMatchObject({ code: 0 });
    const proxyUrl = run.stdout.trim();
    expect(proxyUrl).toBe(`${url}/api/v1/sessions/${id}/proxy/`);
    const res = await fetch(`${proxyUrl}status`, { headers: { Authorization: `Bearer ${h.keys.alice}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'stable' });
  });

  test("exec prints the command's output and exits with its exit code", async () => {
    const run = await sessionctl(['exec', id!, '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 4']);
    expect(run.stdout).toBe('to-out\n');
    expect(run.stderr).toBe('to-err\n');
    expect(run).toMatchObject({ code: 4 });
    const json = await sessionctl(['exec', id!, '-o', 'json', '--', 'echo', 'hi']);
    expect(json).toMatchObject({ code: 0 });
    expect(JSON.parse(json.stdout)).toMatchObject({ exit_code: 0, stdout: 'hi\n' });
  });

  test('logs prints the container log', async () => {
    const marker = `cli-log-${uniqueSuffix()}`;
    appendFileSync(stackEnv().STACK_KWOK_LOGS_FILE, `${new Date().toISOString()} stdout F ${marker}\n`);
    const run = await sessionctl(['logs', id!, '--tail', '5']);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(marker);
  });

  test("suspend and resume print the server's error clearly when the server refuses", async () => {
    // This session has no PVC: whether or not the server has the routes yet, it cannot be suspended.
    for (const action of ['suspend', 'resume']) {
      const run = await sessionctl([action, id!]);
      expect(run.code).not.toBe(0);
      expect([3, 4]).toContain(run.code);
      expect(run.stderr).toMatch(/^error: [A-Z_]+: \S.*/);
      expect(run.stdout).toBe('');
    }
  });

  test('suspend and resume a session with a workspace, as JSON and as text', async () => {
    // Workspaces are off on the main server (its sessions must not be suspendable): a second one allows them.
    const pvcServer = createServer(h.appWith({ AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true' }));
    await new Promise<void>((resolve) => pvcServer.listen(0, '127.0.0.1', resolve));
    const env = { SESSIONCTL_URL: `http://127.0.0.1:${(pvcServer.address() as AddressInfo).port}` };
    const sessionctlWithPvc = (args: string[]) => sessionctl(args, env);
    const made = await sessionctlWithPvc(['create', '--pvc', '--progress', 'never', '-o', 'json']);
    expect(made).toMatchObject({ code: 0 });
    const withPvc = JSON.parse(made.stdout).session_id as string;
    try {
      const suspended = await sessionctlWithPvc(['suspend', withPvc, '-o', 'json']);
      expect(suspended).toMatchObject({ code: 0 });
      expect(JSON.parse(suspended.stdout)).toMatchObject({ session_id: withPvc, status: 'suspended' });
      const twice = await sessionctlWithPvc(['suspend', withPvc]);
      expect(twice).toMatchObject({ code: 4 });
      expect(twice.stderr).toContain('SESSION_NOT_RUNNING');
      const resumed = await sessionctlWithPvc(['resume', withPvc]);
      expect(resumed).toMatchObject({ code: 0 });
      expect(resumed.stdout).toMatch(/^status\s+running$/m);
    } finally {
      await sessionctlWithPvc(['delete', withPvc, '--delete-pvc']);
      pvcServer.closeAllConnections();
      await new Promise<void>((resolve) => pvcServer.close(() => resolve()));
    }
  });

  test('exit codes tell scripts what went wrong', async () => {
    expect(await sessionctl(['get', 'no-such-session'])).toMatchObject({ code: 3 });
    expect(await sessionctl(['get', id!], { SESSIONCTL_API_KEY: 'not-a-key' })).toMatchObject({ code: 5 });
    expect(await sessionctl(['get', id!], { SESSIONCTL_API_KEY: h.keys.bob })).toMatchObject({ code: 3 });
    expect(await sessionctl(['get', id!], { SESSIONCTL_URL: 'http://127.0.0.1:1' })).toMatchObject({ code: 6 });
    const usage = await sessionctl(['extend', id!]);
    expect(usage).toMatchObject({ code: 2 });
    expect(usage.stderr).toContain('--minutes');
  });

  test('delete ends the session; afterwards exec is a conflict (exit 4)', async () => {
    const run = await sessionctl(['delete', id!, '-o', 'json']);
    expect(run).toMatchObject({ code: 0 });
    expect(JSON.parse(run.stdout).status).toBe('terminated');
    const exec = await sessionctl(['exec', id!, '--', 'true']);
    expect(exec).toMatchObject({ code: 4 });
    expect(exec.stderr).toContain('SESSION_ENDED');
    id = undefined;
  });
});
