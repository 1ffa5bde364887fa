/**
 * deploy/base/rbac.yaml is enough for warm pools: filling a pool (token Secret owned by its pod), claiming a pod
 * and delivering a session's credentials, all as the worker's ServiceAccount with RBAC on. The provisioning
 * listener runs in the worker; the API's ServiceAccount could not answer it (it reads no Secret).
 */
import { pino } from 'pino';
import request from 'supertest';
import type { Client } from '@temporalio/client';
import { createSessionActivities } from '../../activities/index.js';
import { claimWarmPod } from '../../activities/warm-claim.js';
import { createWarmPoolActivities } from '../../activities/warm-pool.js';
import { createProvisionApp } from '../../src/api/provision-server.js';
import { PROVISION_PATH } from '../../src/api/provision-routes.js';
import { loadConfig } from '../../src/config.js';
import type { KubeClients } from '../../src/k8s/client.js';
import { PROVISION_TOKEN_KEY } from '../../src/k8s/warm-pod.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { removeSessionObjects } from '../support/cluster.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { applyDeployRbac, type AppliedRbac } from '../support/rbac.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { kube as admin, removePool, untilReadyAvailable, warmProfile } from '../support/warm.js';

const profile = warmProfile({ min: 1, max: 1 });
const spec = testSessionSpec({ ...profile.template, user: `rbac-${uniqueSuffix()}@example.com` });
const config = loadConfig(stackServiceEnv('unused', `k1:${Buffer.alloc(32, 5).toString('base64')}`));
let kube: KubeClients;
let apiKube: KubeClients;
let client: Client;
let rbac: AppliedRbac;

beforeAll(async () => {
  rbac = await applyDeployRbac(uniqueSuffix());
  kube = createKubeClients(await rbac.identity('session-orchestrator-worker'));
  apiKube = createKubeClients(await rbac.identity('session-orchestrator-api'));
  client = await createTemporalClient(config);
}, 60_000);

afterAll(async () => {
  await rbac?.remove();
  await removePool(profile.name);
  await removeSessionObjects(spec);
  await client?.connection.close();
});

test('with deploy/base/rbac.yaml the worker fills a pool and claims a warm pod, and its provisioning listener delivers the credentials once', async () => {
  const silent = pino({ level: 'silent' });
  const warm = createWarmPoolActivities({ clients: kube, provisionUrl: 'http://127.0.0.1/x', logger: silent });
  const [podName] = (await warm.reconcileWarmPool(profile, 1)).created;
  await untilReadyAvailable(profile.name, 1);
  const secret = await admin.core.readNamespacedSecret({ name: `${podName}-provision`, namespace: spec.namespace });
  expect(secret.metadata?.ownerReferences?.map((o) => `${o.kind}/${o.name}`)).toEqual([`Pod/${podName}`]);

  const sessionActs = createSessionActivities({ clients: kube, logger: silent });
  await sessionActs.ensureCredentialsSecret(spec);
  await sessionActs.ensureMcpSecret(spec);
  await sessionActs.ensureSessionConfigMap(spec);
  const claimed = await claimWarmPod(kube.core, {
    sessionId: spec.sessionId,
    user: spec.user,
    template: profile.template,
  });
  expect(claimed?.podName).toBe(podName);

  const token = Buffer.from(secret.data![PROVISION_TOKEN_KEY]!, 'base64').toString('utf8');
  const send = (kubeOf: KubeClients) =>
    request(createProvisionApp({ config, kube: kubeOf, logger: silent }))
      .post(PROVISION_PATH)
      .set('Authorization', `Bearer ${token}`)
      .send({ pod_name: podName });
  // As the API's identity the answer cannot be read (no Secret access): nothing is delivered, nothing marked.
  expect((await send(apiKube)).status).toBe(500);
  expect((await send(kube)).status).toBe(200);
  expect((await send(kube)).status).toBe(410);
});
