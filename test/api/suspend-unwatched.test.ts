/**
 * A suspend while no informer watches the session's pods — the informers' Lease is held by a replica
 * that is gone (a leader killed a moment ago keeps its Lease for up to its duration). The workflow never
 * hears of its pod's deletion and looks at the pod itself once the stop grace and its margin have passed;
 * the API's answer must wait for that look, not give up at the moment it is due.
 */
import * as k8s from '@kubernetes/client-node';
import request from 'supertest';
import { informerLeaseName } from '../../src/k8s/leader-informers.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ignore404 } from '../support/cluster.js';
import { stackEnv, stackKubeConfig, uniqueSuffix } from '../support/stack.js';

const coordination = stackKubeConfig().makeApiClient(k8s.CoordinationV1Api);
const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const taskQueue = `session-api-unwatched-${uniqueSuffix()}`;
const lease = informerLeaseName(taskQueue);
const GONE_LEADER = 'a-replica-that-was-killed';

let h: ApiHarness | undefined;
let created: string | undefined;
const as = (key: string) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  const now = new k8s.V1MicroTime();
  await coordination.createNamespacedLease({
    namespace,
    body: {
      metadata: { name: lease },
      spec: { holderIdentity: GONE_LEADER, leaseDurationSeconds: 3600, acquireTime: now, renewTime: now },
    },
  });
  h = await startApiHarness({
    TEMPORAL_TASK_QUEUE: taskQueue,
    AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true',
    // A short grace, so the workflow's own look comes 17 s after the deletion instead of 45 s.
    AGENTAPI_K8S_SESSION_POD_STOP_TIMEOUT: '2',
  });
}, 180_000);

afterAll(async () => {
  if (created && h) {
    await request(h.app).delete(`/api/v1/sessions/${created}?wait=true&delete_pvc=true`).set(as(h.keys.admin));
  }
  await h?.close();
  await coordination.deleteNamespacedLease({ name: lease, namespace }).catch(ignore404);
}, 180_000);

test('a suspend the informers never see answers 200 suspended once the workflow has looked at the pod', async () => {
  const app = h!.app;
  // Without the informer's podReady the start is confirmed by the workflow's own look, too.
  const made = await request(app)
    .post('/api/v1/sessions')
    .set(as(h!.keys.alice))
    .send({ config: { pvc_enabled: true, pvc_size: '1Gi' } });
  expect(made.status).toBe(201);
  expect(made.body.status).toBe('running');
  created = made.body.session_id as string;

  const suspended = await request(app).post(`/api/v1/sessions/${created}/suspend`).set(as(h!.keys.alice)).send({});
  expect({ status: suspended.status, body: suspended.body }).toMatchObject({
    status: 200,
    body: { session_id: created, status: 'suspended' },
  });
  const names = sessionObjectNames(h!.users.alice, created);
  const { core } = h!.kube;
  await expect(core.readNamespacedPod({ name: names.pod, namespace })).rejects.toMatchObject({ code: 404 });
  expect((await core.readNamespacedPersistentVolumeClaim({ name: names.pvc, namespace })).metadata?.name).toBe(
    names.pvc,
  );
  // The premise: no replica of this deployment watched the pods while it ran.
  const held = await coordination.readNamespacedLease({ name: lease, namespace });
  expect(held.spec?.holderIdentity).toBe(GONE_LEADER);
});
