/**
 * Zero-downtime rollout, locally: two API processes behind a load balancer and two worker processes
 * (all real, on the real stack) are restarted one at a time — SIGTERM, wait for the exit, start again —
 * while clients keep reading and creating/deleting sessions through the balancer. No request may fail,
 * no session may be lost, and every session must end in the state its client asked for.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { generateApiKey } from '../../src/api/auth.js';
import { quotaLedgerName } from '../../src/k8s/quota-ledger.js';
import { loadConfig } from '../../src/config.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { apiEnv } from '../support/api-harness.js';
import { settledObjects } from '../support/cluster.js';
import { createOwnSessionNamespace } from '../support/own-namespace.js';
import { startLoadBalancer, type LoadBalancer } from '../support/load-balancer.js';
import { startApiProcess, startWorkerProcess, type Child } from '../support/processes.js';
import { onStackNodes, stackKubeConfig, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const suffix = uniqueSuffix();
const user = `rollout-${suffix}`;
let dir: string;
let env: Record<string, string>;
let key: string;
let client: Client;
let lb: LoadBalancer;
const apis: { port: number; child: Child }[] = [];
const workers: Child[] = [];
let namespace: Awaited<ReturnType<typeof createOwnSessionNamespace>>;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'so-rollout-'));
  namespace = await createOwnSessionNamespace('so-rollout');
  const made = generateApiKey({
    id: 'rollout',
    user,
    permissions: ['session:create', 'session:read', 'session:update', 'session:delete'],
  });
  key = made.key;
  writeFileSync(join(dir, 'api-keys.json'), JSON.stringify({ keys: [made.entry] }));
  env = {
    ...apiEnv(`session-rollout-${suffix}`, join(dir, 'api-keys.json'), `r:${randomBytes(32).toString('base64')}`),
    // The balancer's health checks (200 ms apart, each up to 2.5 s on a busy machine) see /ready 503
    // well before the listener closes.
    API_SHUTDOWN_DELAY_SECONDS: '5',
    API_MAX_SESSIONS_PER_USER: '50',
    // One key drives the whole load, well past the per-key defaults the attacker suite checks: this test
    // is about restarts, so a 429 here would hide what it measures.
    API_RATE_LIMIT_RPS: '0',
    // Every simulated client and the balancer's health checks share one loopback address here, which no
    // real deployment has: the per-address limit of unauthenticated requests would count them as one.
    API_IP_RATE_LIMIT_RPS: '0',
    API_CREATES_PER_USER_PER_MINUTE: '0',
    API_MAX_EVENT_STREAMS_PER_KEY: '0',
    AGENTAPI_K8S_SESSION_NAMESPACE: namespace.name,
    LOG_LEVEL: 'info',
  };
  client = await createTemporalClient(loadConfig(env));
  const started = await Promise.all([
    startWorkerProcess('worker-1', env),
    startWorkerProcess('worker-2', env),
    ...[1, 2].map(async (n) => {
      const port = await freePort();
      return { port, child: await startApiProcess(`api-${n}`, port, env) };
    }),
  ]);
  workers.push(started[0] as Child, started[1] as Child);
  apis.push(...(started.slice(2) as { port: number; child: Child }[]));
  lb = await startLoadBalancer(apis.map((a) => `http://127.0.0.1:${a.port}`));
  await eventually('both APIs in rotation', async () => (lb.healthy().length === 2 ? true : undefined));
}, 300_000);

afterAll(async () => {
  await lb?.close();
  for (const child of [...apis.map((a) => a.child), ...workers]) child.kill();
  const kube = createKubeClients(stackKubeConfig());
  await kube.core
    .deleteNamespacedConfigMap({ name: quotaLedgerName(user), namespace: env.AGENTAPI_K8S_SESSION_NAMESPACE! })
    .catch(() => undefined);
  await client?.connection.close();
  await namespace?.remove();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  what: string;
  status: number | string;
}

test('restarting each API and worker in turn under load fails no request and loses no session', async () => {
  const outcomes: Outcome[] = [];
  const sessions = new Map<string, 'running' | 'terminated'>();
  let loading = true;
  const call = async (what: string, path: string, init: RequestInit = {}): Promise<Response | undefined> => {
    try {
      const res = await fetch(`${lb.url}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
      });
      outcomes.push({ what, status: res.status });
      return res;
    } catch (err) {
      outcomes.push({ what, status: `network: ${String(err)}` });
      return undefined;
    }
  };

  const reader = async () => {
    while (loading) {
      await (await call('list', '/api/v1/sessions?page_size=5'))?.arrayBuffer();
      await (await call('health', '/health'))?.arrayBuffer();
    }
  };
  const churn = async () => {
    for (let i = 0; loading; i++) {
      const created = await call('create', '/api/v1/sessions', {
        method: 'POST',
        body: JSON.stringify({ config: onStackNodes }),
      });
      const body = (await created?.json().catch(() => undefined)) as
        { session_id?: string; status?: string } | undefined;
      if (!body?.session_id) continue;
      sessions.set(body.session_id, 'running');
      await (await call('get', `/api/v1/sessions/${body.session_id}`))?.arrayBuffer();
      // Each loop keeps its first two sessions running to the end and deletes the rest under load.
      if (i >= 2) {
        const deleted = await call('delete', `/api/v1/sessions/${body.session_id}?wait=true`, { method: 'DELETE' });
        await deleted?.arrayBuffer();
        // 200 once it has ended; 202 when the bounded wait ran out first (it then ends on its own).
        if (deleted?.status === 200 || deleted?.status === 202) sessions.set(body.session_id, 'terminated');
      }
    }
  };
  const load = Promise.all([reader(), reader(), churn(), churn()]);

  const restarts: string[] = [];
  const waitForTraffic = async () => {
    const before = outcomes.length;
    await eventually('requests to flow', async () => (outcomes.length >= before + 5 ? true : undefined), {
      timeoutMs: 120_000,
    });
  };
  await waitForTraffic();
  for (const api of apis) {
    expect(await api.child.stop()).toBe(0);
    api.child = await startApiProcess(`${api.child.name}'`, api.port, env);
    await eventually('the restarted API back in rotation', async () => (lb.healthy().length === 2 ? true : undefined));
    restarts.push(api.child.name);
    await waitForTraffic();
  }
  for (let i = 0; i < workers.length; i++) {
    const old = workers[i]!;
    expect(await old.stop()).toBe(0);
    workers[i] = await startWorkerProcess(`${old.name}'`, env);
    restarts.push(workers[i]!.name);
    await waitForTraffic();
  }
  loading = false;
  await load;

  expect(restarts).toHaveLength(4);
  const failed = outcomes.filter((o) => typeof o.status !== 'number' || o.status >= 500 || o.status === 429);
  expect(failed).toEqual([]);
  expect(outcomes.filter((o) => o.what === 'create' && o.status === 201).length).toBeGreaterThan(0);
  expect(outcomes.filter((o) => o.what === 'delete' && o.status === 200).length).toBeGreaterThan(0);

  // Every session the clients were told about exists and is in the state they asked for.
  for (const [id, expected] of sessions) {
    const handle = client.workflow.getHandle(sessionWorkflowId(id));
    const description = await handle.describe();
    if (expected === 'terminated') {
      await handle.result();
      expect([id, (await handle.describe()).status.name]).toEqual([id, 'COMPLETED']);
      expect(await settledObjects(id, [], namespace.name)).toEqual([]);
    } else {
      expect([id, description.status.name]).toEqual([id, 'RUNNING']);
      const res = await call('get', `/api/v1/sessions/${id}`);
      expect([id, ((await res!.json()) as { status: string }).status]).toEqual([id, 'running']);
    }
  }
  // Clean up the sessions kept running, through the API like a user would.
  for (const [id, expected] of sessions) {
    if (expected === 'running') {
      const res = await call('delete', `/api/v1/sessions/${id}?wait=true`, { method: 'DELETE' });
      expect(res?.status).toBe(200);
    }
  }
}, 900_000);
