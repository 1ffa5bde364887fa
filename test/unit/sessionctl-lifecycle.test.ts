/**
 * `sessionctl suspend` / `resume` when the server's bounded wait ran out (202, the session as it was):
 * the real binary against a stand-in API server that answers as the API does, so a script can tell a
 * finished change from one still under way by the exit code alone.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionBody } from '../../src/api/schemas.js';
import { runSessionctl } from '../support/sessionctl.js';

let server: Server;
let url: string;

const session = (id: string, status: SessionBody['status']): SessionBody => ({
  session_id: id,
  user: 'alice',
  status,
  url: null,
  pod_name: status === 'running' ? `agentapi-session-alice-${id}` : null,
  service_name: null,
  node_name: null,
  created_at: '2026-12-05T09:00:00.000Z',
  expires_at: '2026-12-05T11:00:00.000Z',
  max_expires_at: null,
  ended_at: null,
  end_reason: null,
  restarts: 0,
  phases: { running: '2026-12-05T09:00:02.000Z' },
  last_error: null,
  pvc_name: `agentapi-session-alice-${id}`,
  pvc_retained: null,
  start: 'cold',
});

/** How the API answers each call: `slow` is still where it was when the wait ran out, `quick` got there. */
const answers: Record<string, { status: number; body: SessionBody }> = {
  'POST /api/v1/sessions/slow/suspend': { status: 202, body: session('slow', 'running') },
  'POST /api/v1/sessions/quick/suspend': { status: 200, body: session('quick', 'suspended') },
  'POST /api/v1/sessions/slow/resume': { status: 202, body: session('slow', 'resuming') },
  'POST /api/v1/sessions/quick/resume': { status: 200, body: session('quick', 'running') },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const answer = answers[`${req.method} ${req.url}`];
    req.resume();
    res.writeHead(answer?.status ?? 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer?.body ?? { error: { code: 'NOT_FOUND', message: 'no such session' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sessionctl = (args: string[]) => runSessionctl(args, { SESSIONCTL_URL: url, SESSIONCTL_API_KEY: 'k' }, 60_000);

test.each([
  ['suspend', 'running'],
  ['resume', 'resuming'],
])('%s still under way when the server answered: the session as it is, and exit code 7', async (action, status) => {
  const run = await sessionctl([action, 'slow']);
  expect(run).toMatchObject({ code: 7 });
  expect(run.stdout).toMatch(new RegExp(`^status\\s+${status}$`, 'm'));
  expect(run.stderr).toContain(`error: session slow is still ${status}: the ${action} goes on`);

  const json = await sessionctl([action, 'slow', '-o', 'json']);
  expect(json).toMatchObject({ code: 7 });
  expect(JSON.parse(json.stdout)).toMatchObject({ session_id: 'slow', status });
});

test.each([
  ['suspend', 'suspended'],
  ['resume', 'running'],
])('%s that got there: exit code 0 and no error', async (action, status) => {
  const run = await sessionctl([action, 'quick']);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toMatch(new RegExp(`^status\\s+${status}$`, 'm'));
});
