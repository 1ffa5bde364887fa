/**
 * Isolation that heals: someone (a careless admin, a compromised tool) deletes the session NetworkPolicy or
 * opens it up. The next reconciler run puts it back as configured, so sessions are exposed for at most one
 * reconciler interval instead of until the next worker start.
 */
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Client } from '@temporalio/client';
import { createReconcilerActivities } from '../../activities/reconciler.js';
import { loadConfig } from '../../src/config.js';
import { createKubeClients } from '../../src/k8s/client.js';
import {
  SESSION_NETWORK_POLICY_NAME,
  WARM_PROVISION_NETWORK_POLICY_NAME,
  buildSessionNetworkPolicies,
} from '../../src/k8s/network-policy.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { createNamespace, deleteNamespace } from '../support/private-namespace.js';
import { stackKubeConfig, stackServiceEnv, uniqueSuffix } from '../support/stack.js';

const namespace = `so-np-restore-${uniqueSuffix()}`;
const config = loadConfig({
  ...stackServiceEnv(`np-restore-${uniqueSuffix()}`, `k1:${Buffer.alloc(32, 9).toString('base64')}`),
  AGENTAPI_K8S_SESSION_NAMESPACE: namespace,
});
const kube = createKubeClients(stackKubeConfig());
const networking = kube.kc.makeApiClient(k8s.NetworkingV1Api);
let temporal: Client;

/** One reconciler run, as the scheduled workflow starts it. */
async function reconcile(): Promise<void> {
  const acts = createReconcilerActivities({
    clients: kube,
    temporal,
    taskQueue: config.temporalTaskQueue,
    logger: pino({ level: 'silent' }),
    networkPolicy: config,
  });
  await acts.reconcileSessionObjects({ namespace, graceMs: 60_000, retainedPvcTtlMs: 60_000, dryRun: true });
}

const specOf = async (name: string) => (await networking.readNamespacedNetworkPolicy({ name, namespace })).spec;

beforeAll(async () => {
  await createNamespace(namespace);
  temporal = await createTemporalClient(config);
});

afterAll(async () => {
  await temporal?.connection.close();
  await deleteNamespace(namespace);
});

test('a deleted session NetworkPolicy is back after one reconciler run', async () => {
  await reconcile();
  const [isolation, warm] = buildSessionNetworkPolicies(config);
  await networking.deleteNamespacedNetworkPolicy({ name: SESSION_NETWORK_POLICY_NAME, namespace });
  await networking.deleteNamespacedNetworkPolicy({ name: WARM_PROVISION_NETWORK_POLICY_NAME, namespace });
  await reconcile();
  expect(await specOf(SESSION_NETWORK_POLICY_NAME)).toEqual(
    expect.objectContaining({ podSelector: isolation!.spec!.podSelector, egress: isolation!.spec!.egress }),
  );
  expect(await specOf(WARM_PROVISION_NETWORK_POLICY_NAME)).toEqual(
    expect.objectContaining({ podSelector: warm!.spec!.podSelector, egress: warm!.spec!.egress }),
  );
});

test('an altered one (egress opened to everything) is put back as configured', async () => {
  await reconcile();
  const current = await networking.readNamespacedNetworkPolicy({ name: SESSION_NETWORK_POLICY_NAME, namespace });
  await networking.replaceNamespacedNetworkPolicy({
    name: SESSION_NETWORK_POLICY_NAME,
    namespace,
    body: { ...current, spec: { ...current.spec!, egress: [{}] } },
  });
  expect((await specOf(SESSION_NETWORK_POLICY_NAME))!.egress).toEqual([{}]);
  await reconcile();
  expect((await specOf(SESSION_NETWORK_POLICY_NAME))!.egress).toEqual(
    buildSessionNetworkPolicies(config)[0]!.spec!.egress,
  );
});
