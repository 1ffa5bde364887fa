/**
 * The HTTP API end to end for sessions (health, authentication and bad input: requests.test.ts):
 * supertest against the real app, wired to the real Temporal dev server and the stack's real cluster,
 * with a real session worker. Every session a test creates is deleted through the
 * API and checked to leave no object behind.
 */
import request from 'supertest';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { runWorker } from '../../src/worker.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import type { ApiHarness } from '../support/api-harness.js';
import { as, useApiSessions } from '../support/api-sessions.js';
import { sessionObjects, settledObjects } from '../support/cluster.js';
import { stackEnv } from '../support/stack.js';
import { eventually } from '../support/wait.js';

let h: ApiHarness;
const { created, createSession, deleteAndSettle } = useApiSessions((started) => (h = started));

describe('a session through the API', () => {
  test('create waits for running; get, list, extend and delete act on it; nothing is left behind', async () => {
    const createdRes = await createSession(h.keys.alice, {
      config: { cpu_limit: '1', memory_limit: '2Gi', timeout_minutes: 30, env: { EDITOR: 'vim' } },
      github_token: 'ghp_api-test-token-not-real',
      mcp_servers: { mcpServers: { github: { command: 'gh-mcp' } } },
    });
    expect(createdRes.status).toBe(201);
    const session = createdRes.body;
    const names = sessionObjectNames(h.users.alice, session.session_id);
    const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
    expect(session).toEqual(
      expect.objectContaining({
        session_id: expect.stringMatching(/^[a-z0-9]+$/),
        user: h.users.alice,
        status: 'running',
        url: `http://${names.service}.${namespace}.svc.cluster.local:9000`,
        pod_name: names.pod,
        service_name: names.service,
        created_at: expect.any(String),
        expires_at: expect.any(String),
      }),
    );
    expect(createdRes.headers.location).toBe(`/api/v1/sessions/${session.session_id}`);
    expect((Date.parse(session.expires_at) - Date.parse(session.phases.running)) / 60_000).toBeCloseTo(30, 1);
    expect(JSON.stringify(createdRes.body)).not.toContain('ghp_api-test-token-not-real');
    const pod = await h.kube.core.readNamespacedPod({ name: names.pod, namespace });
    const agent = pod.spec?.containers.find((c) => c.name === 'claude-code');
    expect(agent?.resources?.limits).toEqual({ cpu: '1', memory: '2Gi', 'ephemeral-storage': '8Gi' });
    expect(agent?.env).toEqual(expect.arrayContaining([{ name: 'EDITOR', value: 'vim' }]));

    const got = await request(h.app).get(`/api/v1/sessions/${session.session_id}`).set(as(h.keys.alice));
    expect(got.status).toBe(200);
    expect(got.body).toEqual(
      expect.objectContaining({
        session_id: session.session_id,
        status: 'running',
        restarts: 0,
        node_name: pod.spec?.nodeName,
        last_error: null,
        phases: expect.objectContaining({ creating: expect.any(String), running: expect.any(String) }),
      }),
    );

    const mine = await eventually('the session to be listed as running', async () => {
      const res = await request(h.app).get('/api/v1/sessions?status=running').set(as(h.keys.alice));
      return res.body.sessions?.some((s: { session_id: string }) => s.session_id === session.session_id)
        ? res
        : undefined;
    });
    expect(mine.body.sessions).toEqual([
      expect.objectContaining({ session_id: session.session_id, user: h.users.alice, status: 'running' }),
    ]);
    const bobs = await request(h.app).get('/api/v1/sessions').set(as(h.keys.bob));
    expect(bobs.body.sessions).toEqual([]);
    const adminView = await request(h.app).get(`/api/v1/sessions?user=${h.users.alice}`).set(as(h.keys.admin));
    expect(adminView.body.sessions.map((s: { session_id: string }) => s.session_id)).toContain(session.session_id);
    const notAdmin = await request(h.app).get(`/api/v1/sessions?user=${h.users.alice}`).set(as(h.keys.bob));
    expect(notAdmin.status).toBe(403);

    const extended = await request(h.app)
      .post(`/api/v1/sessions/${session.session_id}/extend`)
      .set(as(h.keys.alice))
      .send({ minutes: 15 });
    expect(extended.status).toBe(200);
    expect((Date.parse(extended.body.expires_at) - Date.parse(session.expires_at)) / 60_000).toBeCloseTo(15, 1);
    const tooFar = await request(h.app)
      .post(`/api/v1/sessions/${session.session_id}/extend`)
      .set(as(h.keys.alice))
      .send({ minutes: 10_000 });
    expect(tooFar.status).toBe(409);
    expect(tooFar.body.error.code).toBe('MAX_LIFETIME_EXCEEDED');
    expect(tooFar.body.error.message).toMatch(/maximum lifetime/);
    const negative = await request(h.app)
      .post(`/api/v1/sessions/${session.session_id}/extend`)
      .set(as(h.keys.alice))
      .send({ minutes: -5 });
    expect(negative.status).toBe(400);
    const empty = await request(h.app)
      .post(`/api/v1/sessions/${session.session_id}/extend`)
      .set(as(h.keys.alice))
      .send({});
    expect(empty.status).toBe(400);

    const deleting = await request(h.app).delete(`/api/v1/sessions/${session.session_id}`).set(as(h.keys.alice));
    expect(deleting.status).toBe(202);
    expect(['terminating', 'terminated']).toContain(deleting.body.status);
    const ended = await eventually('the session to be terminated', async () => {
      const res = await request(h.app).get(`/api/v1/sessions/${session.session_id}`).set(as(h.keys.alice));
      return res.body.status === 'terminated' ? res : undefined;
    });
    expect(ended.body).toEqual(
      expect.objectContaining({
        end_reason: 'user',
        ended_at: expect.any(String),
        phases: expect.objectContaining({ terminated: expect.any(String) }),
      }),
    );
    expect(await settledObjects(session.session_id, [])).toEqual([]);

    // A finished session still answers, and cannot be extended.
    const late = await request(h.app)
      .post(`/api/v1/sessions/${session.session_id}/extend`)
      .set(as(h.keys.alice))
      .send({ minutes: 5 });
    expect(late.status).toBe(409);
    const again = await request(h.app).delete(`/api/v1/sessions/${session.session_id}`).set(as(h.keys.alice));
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('terminated');
    // Secrets never reach the logs.
    expect(h.logs()).not.toContain('ghp_api-test-token-not-real');
    expect(h.logs()).not.toContain(h.keys.alice);
  });

  test("another user's session is 404 for get, extend, delete and events; an admin can act on it", async () => {
    const res = await createSession(h.keys.alice, { config: {} }, '?wait=false');
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('creating');
    const id = res.body.session_id;
    const asBob = as(h.keys.bob);
    expect((await request(h.app).get(`/api/v1/sessions/${id}`).set(asBob)).status).toBe(404);
    expect((await request(h.app).post(`/api/v1/sessions/${id}/extend`).set(asBob).send({ minutes: 5 })).status).toBe(
      404,
    );
    expect((await request(h.app).delete(`/api/v1/sessions/${id}`).set(asBob)).status).toBe(404);
    expect((await request(h.app).get(`/api/v1/sessions/${id}/events`).set(asBob)).status).toBe(404);
    // Bob's attempts changed nothing.
    const still = await request(h.app).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
    expect(['creating', 'running']).toContain(still.body.status);

    const byAdmin = await request(h.app).get(`/api/v1/sessions/${id}`).set(as(h.keys.admin));
    expect(byAdmin.status).toBe(200);
    await deleteAndSettle(h.keys.admin, id);
  });

  test('with no worker polling, create answers 202, reads 503, and a delete is recorded and carried out once a worker comes', async () => {
    const taskQueue = `late-worker-${Date.now().toString(36)}`;
    const noWorker = h.appWith({ TEMPORAL_TASK_QUEUE: taskQueue });
    const res = await request(noWorker).post('/api/v1/sessions?wait=false').set(as(h.keys.admin)).send({ config: {} });
    expect(res.status).toBe(202);
    const id = res.body.session_id as string;
    expect(res.body).toEqual(
      expect.objectContaining({
        status: 'creating',
        user: h.users.admin,
        pod_name: sessionObjectNames(h.users.admin, id).pod,
      }),
    );
    const handle = h.client.workflow.getHandle<typeof sessionWorkflow>(sessionWorkflowId(id));
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // Reading or extending it needs a worker to answer: a clear 503, not a hang or a 500.
    const read = await request(noWorker).get(`/api/v1/sessions/${id}`).set(as(h.keys.admin));
    const extend = await request(noWorker)
      .post(`/api/v1/sessions/${id}/extend`)
      .set(as(h.keys.admin))
      .send({ minutes: 5 });
    // Beside each status, what the server logged if it answered 500: its body says only "see the log".
    const answer = (res: request.Response) => ({
      status: res.status,
      code: res.body.error?.code,
      unhandled: h.unhandledErrorsOf(res),
    });
    expect({ read: answer(read), extend: answer(extend) }).toEqual({
      read: { status: 503, code: 'WORKER_UNAVAILABLE', unhandled: [] },
      extend: { status: 503, code: 'WORKER_UNAVAILABLE', unhandled: [] },
    });

    // Deleting it is accepted and written to the history, where the next worker finds it.
    const deleting = await request(noWorker).delete(`/api/v1/sessions/${id}`).set(as(h.keys.admin));
    expect(deleting.status).toBe(202);
    expect(deleting.body).toEqual(expect.objectContaining({ session_id: id, status: 'terminating' }));
    // Even `wait=true` answers once no worker took the request, instead of waiting for one to appear.
    const waiting = await request(noWorker).delete(`/api/v1/sessions/${id}?wait=true`).set(as(h.keys.admin));
    expect(waiting.status).toBe(202);
    expect(waiting.body).toEqual(expect.objectContaining({ session_id: id, status: 'terminating' }));
    const history = await handle.fetchHistory();
    expect(
      history.events?.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'terminateSession'),
    ).toBe(true);

    const stop = new AbortController();
    const late = runWorker({
      config: { ...h.config, temporalTaskQueue: taskQueue, logLevel: 'warn' },
      signal: stop.signal,
    });
    try {
      const final = await handle.result();
      expect(final.status).toBe('terminated');
      expect(final.endReason).toBe('user');
      expect(final.phases.running).toBeUndefined();
    } finally {
      stop.abort();
      await late;
    }
    expect(await settledObjects(id, [])).toEqual([]);
  });

  test('a pod that never becomes Ready answers 504 POD_START_TIMEOUT with a diagnosis and leaves nothing', async () => {
    const quick = h.appWith({ AGENTAPI_K8S_SESSION_POD_START_TIMEOUT: '5' });
    const res = await request(quick)
      .post('/api/v1/sessions')
      .set(as(h.keys.bob))
      .send({ config: { node_selector: { 'example.com/no-such-pool': 'true' } } });
    if (res.body?.error?.session_id) created.push(res.body.error.session_id);
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('POD_START_TIMEOUT');
    expect(res.body.error.message).toMatch(/Unschedulable|node affinity|selector/i);
    const id = res.body.error.session_id;
    expect(await settledObjects(id, [])).toEqual([]);
    const failed = await eventually('the session to be failed', async () => {
      const r = await request(h.app).get(`/api/v1/sessions/${id}`).set(as(h.keys.bob));
      return r.body.status === 'failed' ? r : undefined;
    });
    expect(failed.body.last_error.code).toBe('POD_START_TIMEOUT');
    expect(failed.body.end_reason).toBe('start_timeout');
  });

  test('a session deleted while its create waits answers the create with 409 SESSION_TERMINATED', async () => {
    const waiting = createSession(h.keys.alice, { config: { node_selector: { 'example.com/never': 'true' } } });
    const listed = await eventually('the starting session to be listed', async () => {
      const res = await request(h.app).get('/api/v1/sessions?status=creating').set(as(h.keys.alice));
      return res.body.sessions?.[0]?.session_id as string | undefined;
    });
    const deleting = await request(h.app).delete(`/api/v1/sessions/${listed}`).set(as(h.keys.alice));
    expect([200, 202]).toContain(deleting.status);
    const res = await waiting;
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual(expect.objectContaining({ code: 'SESSION_TERMINATED', session_id: listed }));
    expect(await settledObjects(listed, [])).toEqual([]);
  });

  test('a PVC kept on delete survives (delete_pvc=false), and is gone with delete_pvc=true', async () => {
    // Persistent workspaces exist only where the admin enabled them.
    const withPvcs = h.appWith({ AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true' });
    const kept = await createSession(h.keys.bob, { config: { pvc_enabled: true, pvc_size: '1Gi' } }, '', withPvcs);
    expect(kept.status).toBe(201);
    const names = sessionObjectNames(h.users.bob, kept.body.session_id);
    const ended = await request(h.app)
      .delete(`/api/v1/sessions/${kept.body.session_id}?delete_pvc=false&wait=true`)
      .set(as(h.keys.bob));
    expect(ended.status).toBe(200);
    expect(ended.body.pvc_retained).toBe(true);
    expect(await settledObjects(kept.body.session_id, [`PersistentVolumeClaim/${names.pvc}`])).toEqual([
      `PersistentVolumeClaim/${names.pvc}`,
    ]);

    // The kept claim is reusable by its owner — and only by its owner.
    const stolen = await createSession(h.keys.alice, { config: { pvc_name: names.pvc } }, '', withPvcs);
    expect(stolen.status).toBe(422);
    expect(stolen.body.error.code).toBe('PVC_NOT_OWNED');
    const reused = await createSession(h.keys.bob, { config: { pvc_name: names.pvc } }, '', withPvcs);
    expect(reused.status).toBe(201);
    expect(reused.body.pvc_name).toBe(names.pvc);
    const done = await request(h.app)
      .delete(`/api/v1/sessions/${reused.body.session_id}?wait=true`)
      .set(as(h.keys.bob));
    expect(done.status).toBe(200);
    // A reused claim is never deleted by the session that borrowed it.
    expect(await sessionObjects(kept.body.session_id)).toEqual([`PersistentVolumeClaim/${names.pvc}`]);
    await h.kube.core.deleteNamespacedPersistentVolumeClaim({
      name: names.pvc,
      namespace: stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE,
    });
    expect(await settledObjects(kept.body.session_id, [])).toEqual([]);
  });

  test('the event stream delivers the phases of a real start, then of the shutdown, and ends', async () => {
    const server = h.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const res = await createSession(h.keys.alice, { config: {} }, '?wait=false');
      expect(res.status).toBe(202);
      const id = res.body.session_id;
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/sessions/${id}/events`, {
        headers: as(h.keys.alice),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const { createParser } = await import('eventsource-parser');
      const seen: { event: string; data: { status?: string; seq?: number } }[] = [];
      let deleteSent = false;
      const parser = createParser({
        onEvent: (e) => {
          seen.push({ event: e.event ?? 'message', data: JSON.parse(e.data) });
          if (e.event === 'running' && !deleteSent) {
            deleteSent = true;
            void request(h.app)
              .delete(`/api/v1/sessions/${id}`)
              .set(as(h.keys.alice))
              .then(() => undefined);
          }
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
      const names = seen.map((e) => e.event);
      for (const phase of [
        'secrets_created',
        'configmap_created',
        'pod_created',
        'service_created',
        'pod_ready',
        'running',
        'terminating',
        'terminated',
        'end',
      ]) {
        expect(names).toContain(phase);
      }
      expect(names.indexOf('pod_ready')).toBeLessThan(names.indexOf('running'));
      expect(names.indexOf('running')).toBeLessThan(names.indexOf('terminated'));
      const seqs = seen.filter((e) => typeof e.data.seq === 'number').map((e) => e.data.seq!);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(await settledObjects(id, [])).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
