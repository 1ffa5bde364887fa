/**
 * Warm starts through the API on the real stack: a create whose request matches a configured
 * warm pool takes one of its Ready pods, a create that does not (or finds the pool empty) starts cold, and
 * the claimed pod gets its session's credentials once through the provisioning endpoint.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import request from 'supertest';
import { SESSION_ID_LABEL, USER_LABEL } from '../../src/k8s/labels.js';
import { sessionObjectNames, userLabelValue } from '../../src/k8s/names.js';
import { isPodReady } from '../../src/k8s/pod-status.js';
import { PROVISION_TOKEN_KEY, WarmState, WARM_STATE_LABEL } from '../../src/k8s/warm-pod.js';
import { warmPoolWorkflowId } from '../../workflows/contract/warm-pool.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { isAvailable, poolPods, removePool, untilReadyAvailable } from '../support/warm.js';
import { pino } from 'pino';
import { createProvisionApp } from '../../src/api/provision-server.js';

const suffix = uniqueSuffix();
/** Refilled by its pool workflow: the pool every plain create of this file matches. */
const POOL = `a${suffix}`.slice(0, 20);
/** Same image, but only for sessions that ask for the agent nodes: the concurrency test's pool. */
const BURST_POOL = `b${suffix}`.slice(0, 20);
const BURST_SELECTOR = { 'node-role.kubernetes.io/agent': '' };
const BURST_SIZE = 3;

let h: ApiHarness;
let dir: string;
const created: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'so-warm-'));
  const poolsFile = join(dir, 'pools.json');
  writeFileSync(
    poolsFile,
    JSON.stringify({
      pools: [
        { name: POOL, min: 2, max: 2 },
        { name: BURST_POOL, min: BURST_SIZE, max: BURST_SIZE, nodeSelector: BURST_SELECTOR },
      ],
    }),
  );
  h = await startApiHarness({
    // An image of this file's own: no other test's pool has this template, and no other test claims ours.
    AGENTAPI_K8S_SESSION_IMAGE: `example.invalid/agentapi:warm-${suffix}`,
    AGENTAPI_K8S_SESSION_WARM_POOLS_FILE: poolsFile,
    AGENTAPI_K8S_SESSION_WARM_PROVISION_URL: 'http://127.0.0.1:1/internal/v1/provision',
    API_MAX_SESSIONS_PER_USER: '10',
  });
  await Promise.all([untilReadyAvailable(POOL, 2), untilReadyAvailable(BURST_POOL, BURST_SIZE)]);
}, 180_000);

afterAll(async () => {
  for (const id of created.splice(0)) {
    await request(h.app).delete(`/api/v1/sessions/${id}?wait=true`).set(as(h.keys.admin));
  }
  for (const pool of [POOL, BURST_POOL]) {
    await h.client.workflow
      .getHandle(warmPoolWorkflowId(pool))
      .terminate('test done')
      .catch(() => undefined);
    await removePool(pool);
  }
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
}, 300_000);

const as = (key: string) => ({ Authorization: `Bearer ${key}` });

async function create(key: string, body: object): Promise<request.Response> {
  const res = await request(h.app).post('/api/v1/sessions').set(as(key)).send(body);
  const id = (res.body?.session_id ?? res.body?.error?.session_id) as string | undefined;
  if (id) created.push(id);
  return res;
}

/** The session's SSE events up to `running` (replayed from the start), by event name with their data. */
async function eventsUntilRunning(key: string, id: string): Promise<{ event: string; message?: string }[]> {
  const server = h.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  const abort = new AbortController();
  const seen: { event: string; message?: string }[] = [];
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/sessions/${id}/events`, {
      headers: as(key),
      signal: abort.signal,
    });
    const { createParser } = await import('eventsource-parser');
    const parser = createParser({
      onEvent: (e) => {
        const data = JSON.parse(e.data) as { message?: string };
        seen.push({ event: e.event ?? 'message', ...(data.message ? { message: data.message } : {}) });
        if (e.event === 'running') abort.abort();
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
  return seen;
}

async function readPod(name: string): Promise<k8s.V1Pod | undefined> {
  return h.kube.core
    .readNamespacedPod({ name, namespace: h.config.sessionNamespace })
    .catch((err: { code?: number }) => {
      if (err.code === 404) return undefined;
      throw err;
    });
}

async function provisionToken(podName: string): Promise<string> {
  const secret = await h.kube.core.readNamespacedSecret({
    name: `${podName}-provision`,
    namespace: h.config.sessionNamespace,
  });
  return Buffer.from(secret.data![PROVISION_TOKEN_KEY]!, 'base64').toString('utf8');
}

describe('a create that matches a warm pool', () => {
  let session: request.Response['body'];

  test('takes a Ready pod of the pool: start is "warm", the pod now carries the session labels, and the pool refills', async () => {
    const before = new Set((await poolPods(POOL)).filter(isAvailable).map((p) => p.metadata!.name!));
    const res = await create(h.keys.alice, { github_token: 'ghp_warm-start-token', mcp_servers: { a: { url: 'x' } } });
    expect(res.status).toBe(201);
    session = res.body;
    expect(session.status).toBe('running');
    expect(session.start).toBe('warm');
    expect(before.has(session.pod_name)).toBe(true);

    const pod = (await readPod(session.pod_name))!;
    expect(pod.metadata!.labels![SESSION_ID_LABEL]).toBe(session.session_id);
    expect(pod.metadata!.labels![USER_LABEL]).toBe(userLabelValue(h.users.alice));
    expect(pod.metadata!.labels![WARM_STATE_LABEL]).toBe(WarmState.Claimed);

    const got = await request(h.app).get(`/api/v1/sessions/${session.session_id}`).set(as(h.keys.alice));
    expect(got.body.start).toBe('warm');
    const listed = await request(h.app).get('/api/v1/sessions').set(as(h.keys.alice));
    const mine = (listed.body.sessions as { session_id: string; start: string }[]).find(
      (s) => s.session_id === session.session_id,
    );
    expect(mine?.start).toBe('warm');
    const events = await eventsUntilRunning(h.keys.alice, session.session_id);
    const types = events.map((e) => e.event);
    expect(types).toContain('warm_claimed');
    expect(types).not.toContain('cold_start');
    expect(events.find((e) => e.event === 'warm_claimed')?.message).toContain(session.pod_name);

    // The Service the session's URL names selects the claimed pod.
    const service = await h.kube.core.readNamespacedService({
      name: sessionObjectNames(h.users.alice, session.session_id).service,
      namespace: h.config.sessionNamespace,
    });
    expect(Object.entries(service.spec!.selector!).every(([key, value]) => pod.metadata!.labels![key] === value)).toBe(
      true,
    );

    // The pool replaces the claimed pod: two Ready available pods again, neither of them the claimed one.
    const refilled = await untilReadyAvailable(POOL, 2);
    expect(refilled.map((p) => p.metadata!.name)).not.toContain(session.pod_name);
  }, 120_000);

  test("the claimed pod fetches its session's credentials once with its own token, and a second fetch is refused", async () => {
    const token = await provisionToken(session.pod_name);
    // On the worker's provisioning listener, not the API's.
    const provisioning = createProvisionApp({ config: h.config, kube: h.kube, logger: pino({ level: 'silent' }) });
    const first = await request(provisioning)
      .post('/internal/v1/provision')
      .set(as(token))
      .send({ pod_name: session.pod_name });
    expect(first.status).toBe(200);
    expect(first.body.session_id).toBe(session.session_id);
    expect(first.body.github_token).toBe('ghp_warm-start-token');
    expect(JSON.parse(first.body.mcp_servers)).toEqual({ a: { url: 'x' } });
    const again = await request(provisioning)
      .post('/internal/v1/provision')
      .set(as(token))
      .send({ pod_name: session.pod_name });
    expect(again.status).toBe(410);
  });

  test('its delete removes the claimed pod and every object, and the pod never returns to the pool', async () => {
    // As if a claim attempt that timed out had still won a second pod for the session after its retry won
    // the first: that pod belongs to nobody else and must go with the session too.
    const spare = (await untilReadyAvailable(POOL, 2))[0]!;
    await h.kube.core.replaceNamespacedPod({
      name: spare.metadata!.name!,
      namespace: h.config.sessionNamespace,
      body: {
        ...spare,
        metadata: {
          ...spare.metadata,
          labels: {
            ...spare.metadata!.labels,
            [WARM_STATE_LABEL]: WarmState.Claimed,
            [SESSION_ID_LABEL]: session.session_id,
            [USER_LABEL]: userLabelValue(h.users.alice),
          },
        },
      },
    });
    const res = await request(h.app).delete(`/api/v1/sessions/${session.session_id}?wait=true`).set(as(h.keys.alice));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('terminated');
    for (const name of [session.pod_name as string, spare.metadata!.name!]) {
      await eventually(`claimed pod ${name} deleted`, async () =>
        (await readPod(name)) === undefined ? true : undefined,
      );
    }
    const names = sessionObjectNames(h.users.alice, session.session_id);
    const ns = h.config.sessionNamespace;
    await expect(h.kube.core.readNamespacedService({ name: names.service, namespace: ns })).rejects.toMatchObject({
      code: 404,
    });
    await expect(h.kube.core.readNamespacedSecret({ name: names.credsSecret, namespace: ns })).rejects.toMatchObject({
      code: 404,
    });
    await expect(h.kube.core.readNamespacedSecret({ name: names.mcpSecret, namespace: ns })).rejects.toMatchObject({
      code: 404,
    });
    const pool = await poolPods(POOL);
    expect(pool.map((p) => p.metadata!.name)).not.toContain(session.pod_name);
    expect(pool.map((p) => p.metadata!.name)).not.toContain(spare.metadata!.name);
    await untilReadyAvailable(POOL, 2);
  }, 120_000);
});

test('a create that cannot take a warm pod (plain env) starts cold with a pod of its own, and the pool keeps its pods', async () => {
  const before = (await poolPods(POOL)).filter(isAvailable).map((p) => p.metadata!.name!);
  const res = await create(h.keys.bob, { config: { env: { FOO: 'bar' } } });
  expect(res.status).toBe(201);
  expect(res.body.start).toBe('cold');
  expect(res.body.pod_name).toBe(sessionObjectNames(h.users.bob, res.body.session_id).pod);
  const events = await eventsUntilRunning(h.keys.bob, res.body.session_id);
  expect(events.map((e) => e.event)).not.toContain('warm_claimed');
  const cold = events.find((e) => e.event === 'cold_start');
  expect(cold?.message).toMatch(/plain env/);
  expect(
    (await poolPods(POOL))
      .filter(isAvailable)
      .map((p) => p.metadata!.name!)
      .sort(),
  ).toEqual(before.sort());
}, 120_000);

test(`${BURST_SIZE * 2} concurrent creates on a pool of ${BURST_SIZE}: exactly ${BURST_SIZE} warm on distinct pool pods, the rest cold, all running`, async () => {
  // Without its workflow the pool does not refill during the burst, so the pool size is a hard bound.
  await h.client.workflow.getHandle(warmPoolWorkflowId(BURST_POOL)).terminate('burst without refill');
  const pool = new Set((await untilReadyAvailable(BURST_POOL, BURST_SIZE)).map((p) => p.metadata!.name!));
  const keys = [h.keys.alice, h.keys.bob];
  const results = await Promise.all(
    Array.from({ length: BURST_SIZE * 2 }, (_, i) =>
      create(keys[i % 2]!, { config: { node_selector: BURST_SELECTOR } }),
    ),
  );
  for (const res of results) {
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('running');
  }
  const warm = results.filter((r) => r.body.start === 'warm').map((r) => r.body.pod_name as string);
  const cold = results.filter((r) => r.body.start === 'cold');
  expect(warm).toHaveLength(BURST_SIZE);
  expect(cold).toHaveLength(BURST_SIZE);
  expect(new Set(warm).size).toBe(BURST_SIZE);
  expect(warm.every((name) => pool.has(name))).toBe(true);
  // The cluster agrees: each claimed pod carries exactly the session that was told it got it, and is Ready.
  for (const res of results.filter((r) => r.body.start === 'warm')) {
    const pod = (await readPod(res.body.pod_name))!;
    expect(pod.metadata!.labels![SESSION_ID_LABEL]).toBe(res.body.session_id);
    expect(isPodReady(pod)).toBe(true);
  }
  expect((await poolPods(BURST_POOL)).filter(isAvailable)).toHaveLength(0);
}, 180_000);
