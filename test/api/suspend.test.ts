/**
 * Suspend, resume, idle auto-suspend and wake-on-request, end to end against the real stack: the API on
 * a real port, the session workflow on an in-process worker, pods on KWOK nodes, a stand-in agent behind
 * the proxy (AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE, also what the idle check asks for `/status`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import type express from 'express';
import request from 'supertest';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { readLedger } from '../../src/k8s/quota-ledger.js';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { eventually } from '../support/wait.js';

let h: ApiHarness;
let agent: AgentServer;
const servers: Server[] = [];
/** The API as configured by the harness (idle auto-suspend off). */
let base: string;
/** The same API with AGENTAPI_K8S_SESSION_IDLE_MINUTES=0.1 (6 s): the sessions it creates suspend when idle. */
let idleBase: string;
const created: string[] = [];
const as = (key: string) => ({ Authorization: `Bearer ${key}` });
const withPvc = { config: { pvc_enabled: true, pvc_size: '1Gi' } };

async function listen(app: express.Express): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function createSession(key: string, body: object = withPvc, at = base): Promise<string> {
  const res = await request(at).post('/api/v1/sessions').set(as(key)).send(body);
  expect(res.status).toBe(201);
  created.push(res.body.session_id);
  return res.body.session_id as string;
}

const post = (id: string, action: 'suspend' | 'resume', key = h.keys.alice) =>
  request(base).post(`/api/v1/sessions/${id}/${action}`).set(as(key)).send({});

/** Which of the session's objects exist now. */
async function objects(user: string, id: string) {
  const names = sessionObjectNames(user, id);
  const namespace = h.config.sessionNamespace;
  const exists = (read: () => Promise<unknown>) =>
    read().then(
      () => true,
      (err: { code?: number }) => {
        if (err.code === 404) return false;
        throw err;
      },
    );
  const { core } = h.kube;
  return {
    pod: await exists(() => core.readNamespacedPod({ name: names.pod, namespace })),
    service: await exists(() => core.readNamespacedService({ name: names.service, namespace })),
    configMap: await exists(() => core.readNamespacedConfigMap({ name: names.configMap, namespace })),
    credsSecret: await exists(() => core.readNamespacedSecret({ name: names.credsSecret, namespace })),
    mcpSecret: await exists(() => core.readNamespacedSecret({ name: names.mcpSecret, namespace })),
    pvc: await exists(() => core.readNamespacedPersistentVolumeClaim({ name: names.pvc, namespace })),
  };
}

/**
 * The session's objects once a cleanup that deleted them all has settled: the claim is deleted at once but
 * stays, marked for deletion, until the PVC protection controller sees no pod using it and drops its
 * finalizer. What is left after a minute is returned for the assertion to show.
 */
async function objectsOnceDeleted(user: string, id: string) {
  return eventually(
    `the objects of session ${id} to be gone`,
    async () => {
      const left = await objects(user, id);
      return Object.values(left).some(Boolean) ? undefined : left;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch(() => objects(user, id));
}

/** Every event type the session has recorded so far, from its SSE stream's backlog. */
function eventTypes(id: string): Promise<string[]> {
  return followEvents(id, () => false, 2000);
}

/** Collects the event types of the session's SSE stream until `enough` says so (or `forMs` passed, if given). */
async function followEvents(id: string, enough: (types: string[]) => boolean, forMs = 0): Promise<string[]> {
  const stop = new AbortController();
  const res = await fetch(`${base}/api/v1/sessions/${id}/events`, {
    headers: { ...as(h.keys.alice), 'Last-Event-ID': '0' },
    signal: stop.signal,
  });
  expect(res.status).toBe(200);
  const types: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const parser = createParser({
    onEvent(e) {
      if (e.event && e.event !== 'status') types.push(e.event);
      if (enough(types)) done();
    },
  });
  const decoder = new TextDecoder();
  const pump = (async () => {
    const reader = res.body!.getReader();
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  })().catch(() => undefined);
  if (forMs) setTimeout(done, forMs);
  await finished;
  stop.abort();
  await pump;
  return types;
}

beforeAll(async () => {
  agent = await startAgentServer();
  h = await startApiHarness({
    AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agent.url,
    AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true',
    API_MAX_SESSIONS_PER_USER: '2',
    AGENTAPI_K8S_SESSION_MAX_SUSPENDED_PER_USER: '1',
  });
  base = await listen(h.app);
  idleBase = await listen(h.appWith({ AGENTAPI_K8S_SESSION_IDLE_MINUTES: '0.1' }));
}, 180_000);

afterAll(async () => {
  for (const id of created) {
    await request(base).delete(`/api/v1/sessions/${id}?wait=true&delete_pvc=true`).set(as(h.keys.admin));
  }
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await agent?.close();
  await h?.close();
}, 180_000);

describe('suspend and resume', () => {
  test('a session without a PVC cannot be suspended: 409 NOT_SUSPENDABLE, and it keeps running', async () => {
    const id = await createSession(h.keys.alice, { config: { pvc_enabled: false } });
    const res = await post(id, 'suspend');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NOT_SUSPENDABLE');
    const after = await request(base).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
    expect(after.body.status).toBe('running');
    await request(base).delete(`/api/v1/sessions/${id}?wait=true`).set(as(h.keys.alice));
  });

  test('suspend deletes the pod and Service, keeps Secrets, ConfigMap and PVC; resume brings it back on the same claim', async () => {
    const id = await createSession(h.keys.alice);
    const before = await request(base).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
    const claim = before.body.pvc_name as string;
    expect(claim).toBeTruthy();

    const suspended = await post(id, 'suspend');
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ session_id: id, status: 'suspended', pvc_name: claim });
    expect(await objects(h.users.alice, id)).toEqual({
      pod: false,
      service: false,
      configMap: true,
      credsSecret: true,
      mcpSecret: true,
      pvc: true,
    });
    const got = await request(base).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
    expect(got.body.status).toBe('suspended');
    expect(got.body.phases.suspended).toBeDefined();
    const listed = await eventually('the list to show the session suspended', async () => {
      const res = await request(base).get('/api/v1/sessions?status=suspended').set(as(h.keys.alice));
      return res.body.sessions.find((s: { session_id: string }) => s.session_id === id);
    });
    expect(listed.status).toBe('suspended');
    // The proxy does not wake a session for a request that is not proxied: exec and logs are 409.
    const exec = await request(base)
      .post(`/api/v1/sessions/${id}/exec`)
      .set(as(h.keys.alice))
      .send({ command: ['true'] });
    expect(exec.status).toBe(409);

    const again = await post(id, 'suspend');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SESSION_NOT_RUNNING');

    const resumed = await post(id, 'resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ session_id: id, status: 'running', pvc_name: claim });
    expect(await objects(h.users.alice, id)).toMatchObject({ pod: true, service: true, pvc: true });
    const pod = await h.kube.core.readNamespacedPod({
      name: sessionObjectNames(h.users.alice, id).pod,
      namespace: h.config.sessionNamespace,
    });
    const claims = (pod.spec?.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter(Boolean);
    expect(claims).toEqual([claim]);
    // Same identity: the creation time and restarts did not change; the history shows the cycle.
    const after = await request(base).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
    expect(after.body.created_at).toBe(before.body.created_at);
    expect(after.body.restarts).toBe(0);
    const types = await eventTypes(id);
    expect(types.slice(types.indexOf('suspending'))).toEqual([
      'suspending',
      'suspended',
      'resuming',
      'pod_ready',
      'running',
    ]);

    const notSuspended = await post(id, 'resume');
    expect(notSuspended.status).toBe(409);
    expect(notSuspended.body.error.code).toBe('SESSION_NOT_SUSPENDED');
    await request(base).delete(`/api/v1/sessions/${id}?wait=true&delete_pvc=true`).set(as(h.keys.alice));
  });

  test("another user's session is a 404 for suspend and resume, and is left as it was", async () => {
    const id = await createSession(h.keys.alice);
    for (const action of ['suspend', 'resume'] as const) {
      const res = await post(id, action, h.keys.bob);
      expect(res.status).toBe(404);
    }
    expect((await post(id, 'suspend', h.keys.readOnly)).status).toBe(403);
    const got = await request(base).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
    expect(got.body.status).toBe('running');
    // The admin may act on anyone's session.
    expect((await post(id, 'suspend', h.keys.admin)).status).toBe(200);

    const deleted = await request(base)
      .delete(`/api/v1/sessions/${id}?wait=true&delete_pvc=true`)
      .set(as(h.keys.alice));
    expect(deleted.status).toBe(200);
    expect(deleted.body.status).toBe('terminated');
    expect(deleted.body.pvc_retained).toBe(false);
    expect(await objectsOnceDeleted(h.users.alice, id)).toEqual({
      pod: false,
      service: false,
      configMap: false,
      credsSecret: false,
      mcpSecret: false,
      pvc: false,
    });
  });

  test('suspended sessions have their own limit, and a resume must fit the running quota again', async () => {
    // bob: at most 2 running (API_MAX_SESSIONS_PER_USER) and 1 suspended (…_MAX_SUSPENDED_PER_USER).
    const first = await createSession(h.keys.bob);
    expect((await post(first, 'suspend', h.keys.bob)).status).toBe(200);
    // The suspended one holds no running place: two more start.
    const second = await createSession(h.keys.bob);
    const third = await createSession(h.keys.bob);
    const ledger = await readLedger(h.kube.core, h.config.sessionNamespace, h.users.bob);
    expect(ledger.ledger.find((e) => e.sessionId === first)?.suspended).toBe(true);

    const full = await request(base).post('/api/v1/sessions').set(as(h.keys.bob)).send(withPvc);
    expect(full.status).toBe(429);
    expect(full.body.error.code).toBe('QUOTA_EXCEEDED');
    const resume = await post(first, 'resume', h.keys.bob);
    expect(resume.status).toBe(429);
    expect(resume.body.error.code).toBe('QUOTA_EXCEEDED');
    const suspendAnother = await post(second, 'suspend', h.keys.bob);
    expect(suspendAnother.status).toBe(429);
    expect(suspendAnother.body.error.code).toBe('SUSPENDED_QUOTA_EXCEEDED');

    // Refusals changed nothing; once a running place is free the resume is admitted.
    await request(base).delete(`/api/v1/sessions/${third}?wait=true&delete_pvc=true`).set(as(h.keys.bob));
    const admitted = await post(first, 'resume', h.keys.bob);
    expect(admitted.status).toBe(200);
    expect(admitted.body.status).toBe('running');
    for (const id of [first, second]) {
      await request(base).delete(`/api/v1/sessions/${id}?wait=true&delete_pvc=true`).set(as(h.keys.bob));
    }
  });
});

describe('deadlines while suspended', () => {
  test('the deadline keeps running: a suspended session past it ends terminated (timeout), its claim per the reclaim policy', async () => {
    const id = await createSession(h.keys.alice, {
      config: { pvc_enabled: true, pvc_size: '1Gi', timeout_minutes: 1 },
    });
    expect((await post(id, 'suspend')).status).toBe(200);
    const ended = await eventually(
      'the suspended session to reach its deadline',
      async () => {
        const res = await request(base).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
        return res.body.status === 'terminated' ? res.body : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(ended.end_reason).toBe('timeout');
    // The default reclaim policy (Delete) applies as to any session that times out.
    expect(ended.pvc_retained).toBe(false);
    expect(await objectsOnceDeleted(h.users.alice, id)).toEqual({
      pod: false,
      service: false,
      configMap: false,
      credsSecret: false,
      mcpSecret: false,
      pvc: false,
    });
  }, 180_000);
});

describe('idle auto-suspend and wake on request', () => {
  test('an idle session is suspended (reason idle), and a proxied request wakes it, is held, and is answered', async () => {
    agent.setStatus('running');
    const id = await createSession(h.keys.alice, withPvc, idleBase);
    const proxied = (path: string) => `/api/v1/sessions/${id}/proxy${path}`;
    const fromWorker = () =>
      agent.requests.filter((r) => r.url === '/status' && r.headers['x-forwarded-for'] === undefined).length;
    const checksBefore = fromWorker();

    // A working agent is not idle: the workflow asks it once per idle period and leaves the session running.
    await eventually('the idle check to ask the agent', async () => (fromWorker() > checksBefore ? true : undefined), {
      timeoutMs: 60_000,
    });
    const stillRunning = await request(base).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
    expect(stillRunning.body.status).toBe('running');

    // Follow the event stream the whole time, like a UI would.
    const followed = followEvents(id, (types) => {
      const from = types.indexOf('suspended');
      return from >= 0 && types.indexOf('running', from) > from;
    });

    agent.setStatus('stable');
    const suspended = await eventually(
      'the idle session to be suspended',
      async () => {
        const res = await request(base).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
        return res.body.status === 'suspended' ? res.body : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(suspended.phases.suspended).toBeDefined();
    expect(await objects(h.users.alice, id)).toMatchObject({ pod: false, service: false, pvc: true });

    // Three concurrent requests: one resume, all held until the agent answers them.
    const answers = await Promise.all(
      [1, 2, 3].map(() => request(idleBase).get(proxied('/status')).set(as(h.keys.alice))),
    );
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'stable' });
    }
    const running = await request(base).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
    expect(running.body.status).toBe('running');

    const types = await followed;
    const cycle = types.slice(types.indexOf('suspending'));
    expect(cycle).toEqual(['suspending', 'suspended', 'resuming', 'pod_ready', 'running']);
    const all = await eventTypes(id);
    expect(all.filter((t) => t === 'resuming')).toHaveLength(1);
    await request(base).delete(`/api/v1/sessions/${id}?wait=true&delete_pvc=true`).set(as(h.keys.alice));
  }, 240_000);
});
