/**
 * The attacker suite against the real API (real Temporal, real cluster, real worker): every attempt
 * is refused with the documented code, and nothing is created for it — no workflow, no object.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { USER_LABEL } from '../../src/k8s/labels.js';
import { userLabelValue } from '../../src/k8s/names.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { settledObjects } from '../support/cluster.js';
import { stackEnv } from '../support/stack.js';
import { eventually } from '../support/wait.js';

let h: ApiHarness;
let victimSession: string;
const created: string[] = [];
const as = (key: string) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  h = await startApiHarness();
  const res = await request(h.app).post('/api/v1/sessions').set(as(h.keys.alice)).send({ config: {} });
  expect(res.status).toBe(201);
  victimSession = res.body.session_id;
  created.push(victimSession);
}, 180_000);

afterAll(async () => {
  for (const id of created) {
    await request(h.app).delete(`/api/v1/sessions/${id}?wait=true`).set(as(h.keys.admin));
  }
  await h?.close();
});

/** Running session workflows of `user`, from Temporal visibility. */
async function workflowsOf(user: string): Promise<number> {
  const { count } = await h.client.workflow.count(`WorkflowType = 'sessionWorkflow' AND SessionUser = '${user}'`);
  return count;
}

/** Every session object in the namespace labelled as `user`'s. */
async function objectsOf(user: string): Promise<number> {
  const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
  const labelSelector = `app=agentapi-session,${USER_LABEL}=${userLabelValue(user)}`;
  const [pods, secrets, pvcs] = await Promise.all([
    h.kube.core.listNamespacedPod({ namespace, labelSelector }),
    h.kube.core.listNamespacedSecret({ namespace, labelSelector }),
    h.kube.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }),
  ]);
  return pods.items.length + secrets.items.length + pvcs.items.length;
}

describe("another user's session", () => {
  test('is invisible and untouchable on every route', async () => {
    const id = victimSession;
    const attempts = [
      request(h.app).get(`/api/v1/sessions/${id}`).set(as(h.keys.bob)),
      request(h.app).delete(`/api/v1/sessions/${id}`).set(as(h.keys.bob)),
      request(h.app).delete(`/api/v1/sessions/${id}?delete_pvc=true&wait=true`).set(as(h.keys.bob)),
      request(h.app).post(`/api/v1/sessions/${id}/extend`).set(as(h.keys.bob)).send({ minutes: 60 }),
      request(h.app).get(`/api/v1/sessions/${id}/events`).set(as(h.keys.bob)),
    ];
    for (const res of await Promise.all(attempts)) {
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    }
    const listed = await request(h.app)
      .get(`/api/v1/sessions?user=${encodeURIComponent(h.users.alice)}`)
      .set(as(h.keys.bob));
    expect({ status: listed.status, code: listed.body.error?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    const own = await request(h.app).get('/api/v1/sessions').set(as(h.keys.bob));
    expect(own.body.sessions.map((s: { session_id: string }) => s.session_id)).not.toContain(id);
    // The victim's session is exactly as it was.
    const still = await request(h.app).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
    expect(still.body.status).toBe('running');
    expect(still.body.expires_at).toBeTruthy();
  });

  test('a read-only key cannot create, extend or delete', async () => {
    const create = await request(h.app).post('/api/v1/sessions').set(as(h.keys.readOnly)).send({ config: {} });
    const extend = await request(h.app)
      .post(`/api/v1/sessions/${victimSession}/extend`)
      .set(as(h.keys.readOnly))
      .send({ minutes: 5 });
    const remove = await request(h.app).delete(`/api/v1/sessions/${victimSession}`).set(as(h.keys.readOnly));
    for (const res of [create, extend, remove]) expect(res.status).toBe(403);
    expect(await workflowsOf(h.users.readOnly)).toBe(0);
  });
});

describe('storage, image and placement abuse', () => {
  test.each([
    [
      'an unbounded PVC',
      { pvc_enabled: true, pvc_size: '100Ti' },
      { PVC_ENABLED: 'true' },
      400,
      'VALIDATION_ERROR',
      'body.config.pvc_size',
      /MAX_PVC_SIZE/,
    ],
    [
      'a PVC where the admin disabled them',
      { pvc_enabled: true },
      {},
      403,
      'FORBIDDEN_BY_POLICY',
      'body.config.pvc_enabled',
      /PVC_ENABLED/,
    ],
    [
      'an image of its own',
      { image: 'attacker.example/miner:latest' },
      {},
      403,
      'FORBIDDEN_BY_POLICY',
      'body.config.image',
      /ALLOWED_IMAGES/,
    ],
    [
      'a node selector key the admin did not allow',
      { node_selector: { 'node-role.kubernetes.io/control-plane': '' } },
      {},
      403,
      'FORBIDDEN_BY_POLICY',
      'body.config.node_selector.node-role.kubernetes.io/control-plane',
      /ALLOWED_NODE_SELECTOR_KEYS/,
    ],
    [
      'more CPU than the maximum',
      { cpu_limit: '64' },
      {},
      400,
      'VALIDATION_ERROR',
      'body.config.cpu_limit',
      /MAX_CPU_LIMIT/,
    ],
  ])(
    '%s is refused naming the field and the limit, and nothing is created',
    async (_what, config, env, status, code, path, limit) => {
      const app = h.appWith(Object.fromEntries(Object.entries(env).map(([k, v]) => [`AGENTAPI_K8S_SESSION_${k}`, v])));
      const res = await request(app).post('/api/v1/sessions').set(as(h.keys.bob)).send({ config });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
      const detail = (res.body.error.details as { path: string; message: string }[]).find((d) => d.path === path);
      expect(detail?.message).toMatch(limit);
      expect(await workflowsOf(h.users.bob)).toBe(0);
      expect(await objectsOf(h.users.bob)).toBe(0);
    },
  );

  test('retained PVCs beyond AGENTAPI_K8S_SESSION_MAX_RETAINED_PVCS_PER_USER block a new claim', async () => {
    const app = h.appWith({
      AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true',
      AGENTAPI_K8S_SESSION_MAX_RETAINED_PVCS_PER_USER: '1',
    });
    const first = await request(app)
      .post('/api/v1/sessions')
      .set(as(h.keys.bob))
      .send({ config: { pvc_size: '1Gi' } });
    expect(first.status).toBe(201);
    created.push(first.body.session_id);
    const kept = await request(app)
      .delete(`/api/v1/sessions/${first.body.session_id}?delete_pvc=false&wait=true`)
      .set(as(h.keys.bob));
    expect(kept.body.pvc_retained).toBe(true);
    const before = await workflowsOf(h.users.bob);
    const refused = await request(app)
      .post('/api/v1/sessions')
      .set(as(h.keys.bob))
      .send({ config: { pvc_size: '1Gi' } });
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({
      status: 403,
      code: 'FORBIDDEN_BY_POLICY',
    });
    expect(refused.body.error.message).toMatch(/MAX_RETAINED_PVCS_PER_USER/);
    expect(await workflowsOf(h.users.bob)).toBe(before);
    // Reusing the retained claim is what the limit asks for, and stays allowed.
    const reuse = await request(app)
      .post('/api/v1/sessions')
      .set(as(h.keys.bob))
      .send({ config: { pvc_name: kept.body.pvc_name } });
    expect(reuse.status).toBe(201);
    created.push(reuse.body.session_id);
    await request(app)
      .delete(`/api/v1/sessions/${reuse.body.session_id}?delete_pvc=true&wait=true`)
      .set(as(h.keys.bob));
    // A borrowed claim outlives the borrower; its owner's session id labels it.
    await h.kube.core.deleteNamespacedPersistentVolumeClaim({
      name: kept.body.pvc_name,
      namespace: stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE,
    });
    expect(await settledObjects(first.body.session_id, [])).toEqual([]);
  });
});

describe('floods', () => {
  test('a key past its request rate gets 429 RATE_LIMITED with Retry-After; other keys are unaffected', async () => {
    const app = h.appWith({ API_RATE_LIMIT_RPS: '1', API_RATE_LIMIT_BURST: '3' });
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await request(app).get('/api/v1/sessions').set(as(h.keys.readOnly));
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(limited!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await request(app).get('/api/v1/sessions').set(as(h.keys.bob))).status).toBe(200);
  });

  test('a user past the create rate gets 429 and no session', async () => {
    const app = h.appWith({ API_CREATES_PER_USER_PER_MINUTE: '1' });
    // The one allowed create is spent on an invalid body, so the flood's creates would all be real.
    expect(
      (
        await request(app)
          .post('/api/v1/sessions')
          .set(as(h.keys.bob))
          .send({ config: { cpu_limit: '999' } })
      ).status,
    ).toBe(400);
    const before = await workflowsOf(h.users.bob);
    const res = await request(app).post('/api/v1/sessions').set(as(h.keys.bob)).send({ config: {} });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(res.headers['retry-after']).toBeDefined();
    expect(await workflowsOf(h.users.bob)).toBe(before);
  });

  test('a key past its concurrent event streams gets 429 until one closes', async () => {
    const app = h.appWith({ API_MAX_EVENT_STREAMS_PER_KEY: '1' });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const url = `${base}/api/v1/sessions/${victimSession}/events`;
    const first = new AbortController();
    try {
      const open = await fetch(url, { headers: as(h.keys.alice), signal: first.signal });
      expect(open.status).toBe(200);
      const second = await fetch(url, { headers: as(h.keys.alice) });
      expect(second.status).toBe(429);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      first.abort();
      await eventually('the stream slot to be released', async () => {
        const again = new AbortController();
        const res = await fetch(url, { headers: as(h.keys.alice), signal: again.signal });
        again.abort();
        return res.status === 200 ? true : undefined;
      });
    } finally {
      first.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('oversized and malicious input', () => {
  test.each([
    ['a body over 64 KiB', { config: { env: { BIG: 'x'.repeat(70_000) } } }, 400],
    ['a prototype-pollution key', JSON.parse('{"config":{},"__proto__":{"admin":true}}'), 400],
    ['an unknown field', { config: {}, namespace: 'kube-system' }, 400],
    ['an env name with an equals sign', { config: { env: { 'A=B': 'x' } } }, 400],
    ['a secret_env shadowing GITHUB_TOKEN', { secret_env: { GITHUB_TOKEN: 'x' } }, 400],
    ['a node selector value with a newline', { config: { node_selector: { 'example.com/x': 'a\nb' } } }, 400],
    ['an image reference with a shell payload', { config: { image: 'x;rm -rf /' } }, 403],
    ['a pvc_name of another namespace', { config: { pvc_name: '../kube-system/secret' } }, 400],
  ])('%s is refused and nothing is created', async (_what, body, status) => {
    const before = await workflowsOf(h.users.bob);
    const res = await request(h.app).post('/api/v1/sessions').set(as(h.keys.bob)).send(body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBeTruthy();
    expect(await workflowsOf(h.users.bob)).toBe(before);
  });

  test.each([
    [
      'a list filter injecting a visibility query',
      `/api/v1/sessions?user=${encodeURIComponent("x' OR SessionUser != '")}`,
    ],
    ['a path traversal session id', '/api/v1/sessions/..%2F..%2Fsecrets'],
    ['an upper-case session id', '/api/v1/sessions/ABC'],
  ])('%s is a 400 or 404, never a 500', async (_what, path) => {
    const res = await request(h.app).get(path).set(as(h.keys.bob));
    expect([400, 404]).toContain(res.status);
  });

  test('secret_env never comes back in a response or a log line', async () => {
    const secret = `sk-attack-${Date.now()}`;
    const res = await request(h.app)
      .post('/api/v1/sessions?wait=false')
      .set(as(h.keys.alice))
      .send({ config: {}, secret_env: { API_TOKEN: secret } });
    if (res.body.session_id) created.push(res.body.session_id);
    expect([201, 202]).toContain(res.status);
    expect(JSON.stringify(res.body)).not.toContain(secret);
    expect(h.logs()).not.toContain(secret);
    const cms = await h.kube.core.listNamespacedConfigMap({
      namespace: stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE,
      labelSelector: `session-id=${res.body.session_id}`,
    });
    const pods = await eventually('the session pod', async () => {
      const list = await h.kube.core.listNamespacedPod({
        namespace: stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE,
        labelSelector: `session-id=${res.body.session_id}`,
      });
      return list.items.length ? list.items : undefined;
    });
    expect(JSON.stringify(cms.items)).not.toContain(secret);
    expect(JSON.stringify(pods)).not.toContain(secret);
    expect(pods[0]!.spec!.enableServiceLinks).toBe(false);
  });
});
