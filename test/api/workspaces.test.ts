/**
 * `/api/v1/workspaces` against the real stack: users see and delete only their own retained claims;
 * a claim a running session uses cannot be deleted.
 */
import request from 'supertest';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL, USER_ANNOTATION, USER_LABEL } from '../../src/k8s/labels.js';
import { sessionObjectNames, userLabelValue } from '../../src/k8s/names.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ignore404, removeSessionObjects } from '../support/cluster.js';
import { uniqueSuffix } from '../support/stack.js';

let h: ApiHarness;
const as = (key: string) => ({ Authorization: `Bearer ${key}` });
const claims: string[] = [];
const sessions: { user: string; sessionId: string }[] = [];

beforeAll(async () => {
  // Workspaces are claims: the admin has to allow PVCs at all (off by default).
  h = await startApiHarness({ AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true' });
}, 120_000);

afterAll(async () => {
  for (const s of sessions) {
    await request(h.app).delete(`/api/v1/sessions/${s.sessionId}?wait=true&delete_pvc=true`).set(as(h.keys.admin));
    await removeSessionObjects(s);
  }
  for (const name of claims) {
    await h.kube.core
      .deleteNamespacedPersistentVolumeClaim({ name, namespace: h.config.sessionNamespace })
      .catch(ignore404);
  }
  await h?.close();
});

/** A claim left by a session of `user` that has ended (its workflow never existed here). */
async function retainedClaim(user: string): Promise<{ name: string; sessionId: string }> {
  const sessionId = `ended-${uniqueSuffix()}`;
  const name = sessionObjectNames(user, sessionId).pvc;
  await h.kube.core.createNamespacedPersistentVolumeClaim({
    namespace: h.config.sessionNamespace,
    body: {
      metadata: {
        name,
        labels: { [APP_LABEL]: SESSION_APP, [USER_LABEL]: userLabelValue(user), [SESSION_ID_LABEL]: sessionId },
        annotations: { [USER_ANNOTATION]: user },
      },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
    },
  });
  claims.push(name);
  return { name, sessionId };
}

test("A user lists their retained workspaces with name, session, size and creation time, and nobody else's", async () => {
  const mine = await retainedClaim(h.users.alice);
  await retainedClaim(h.users.bob);
  const res = await request(h.app).get('/api/v1/workspaces').set(as(h.keys.alice));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    workspaces: [{ name: mine.name, session_id: mine.sessionId, size: '2Gi', created_at: expect.any(String) }],
  });
  expect(Number.isNaN(Date.parse(res.body.workspaces[0].created_at))).toBe(false);
});

test("Only admins may list another user's workspaces with ?user=", async () => {
  const bobs = await retainedClaim(h.users.bob);
  const asAdmin = await request(h.app).get(`/api/v1/workspaces?user=${h.users.bob}`).set(as(h.keys.admin));
  expect(asAdmin.status).toBe(200);
  expect(asAdmin.body.workspaces.map((w: { name: string }) => w.name)).toContain(bobs.name);
  const asAlice = await request(h.app).get(`/api/v1/workspaces?user=${h.users.bob}`).set(as(h.keys.alice));
  expect(asAlice.status).toBe(403);
  const unknownParam = await request(h.app).get('/api/v1/workspaces?size=1').set(as(h.keys.alice));
  expect(unknownParam.status).toBe(400);
});

test("Deleting a workspace removes the claim; another user's claim is a 404 and survives", async () => {
  const alices = await retainedClaim(h.users.alice);
  const byBob = await request(h.app).delete(`/api/v1/workspaces/${alices.name}`).set(as(h.keys.bob));
  expect(byBob.status).toBe(404);
  expect(byBob.body.error.code).toBe('NOT_FOUND');
  await expect(
    h.kube.core.readNamespacedPersistentVolumeClaim({ name: alices.name, namespace: h.config.sessionNamespace }),
  ).resolves.toBeDefined();

  const byAlice = await request(h.app).delete(`/api/v1/workspaces/${alices.name}`).set(as(h.keys.alice));
  expect(byAlice.status).toBe(204);
  const listed = await request(h.app).get('/api/v1/workspaces').set(as(h.keys.alice));
  expect(listed.body.workspaces.map((w: { name: string }) => w.name)).not.toContain(alices.name);
  const again = await request(h.app).delete(`/api/v1/workspaces/${alices.name}`).set(as(h.keys.alice));
  expect(again.status).toBe(404);
  const missing = await request(h.app).delete('/api/v1/workspaces/no-such-claim').set(as(h.keys.alice));
  expect(missing.status).toBe(404);
  const invalid = await request(h.app).delete('/api/v1/workspaces/Not_A_Name').set(as(h.keys.alice));
  expect(invalid.status).toBe(400);
});

test('The workspace of a running session is not listed and cannot be deleted (409)', async () => {
  const created = await request(h.app)
    .post('/api/v1/sessions')
    .set(as(h.keys.alice))
    .send({ config: { pvc_enabled: true, pvc_size: '1Gi' } });
  expect(created.status).toBe(201);
  sessions.push({ user: h.users.alice, sessionId: created.body.session_id });
  const claim = sessionObjectNames(h.users.alice, created.body.session_id).pvc;

  const listed = await request(h.app).get('/api/v1/workspaces').set(as(h.keys.alice));
  expect(listed.body.workspaces.map((w: { name: string }) => w.name)).not.toContain(claim);
  const res = await request(h.app).delete(`/api/v1/workspaces/${claim}`).set(as(h.keys.alice));
  expect(res.status).toBe(409);
  expect(res.body.error).toMatchObject({ code: 'WORKSPACE_IN_USE', session_id: created.body.session_id });

  // Once the session ends with its claim retained, the claim is a workspace the owner can delete.
  const ended = await request(h.app)
    .delete(`/api/v1/sessions/${created.body.session_id}?wait=true&delete_pvc=false`)
    .set(as(h.keys.alice));
  expect(ended.status).toBe(200);
  const after = await request(h.app).get('/api/v1/workspaces').set(as(h.keys.alice));
  expect(after.body.workspaces.map((w: { name: string }) => w.name)).toContain(claim);
  expect((await request(h.app).delete(`/api/v1/workspaces/${claim}`).set(as(h.keys.alice))).status).toBe(204);
});
