/**
 * The orchestrator's Kubernetes clients reuse their apiserver connections: a burst of calls must not
 * open a TLS connection per call (client-node 2.0 builds a new Agent for every call unless pooled).
 * Connections are counted with undici's own diagnostics channel, against the stack's real apiserver.
 */
import diagnostics from 'node:diagnostics_channel';
import * as k8s from '@kubernetes/client-node';
import { createKubeClients } from '../../src/k8s/client.js';
import { stackEnv, stackKubeConfig } from '../support/stack.js';

const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;

async function connectionsOpenedBy(work: () => Promise<unknown>): Promise<number> {
  let opened = 0;
  const onConnected = () => opened++;
  diagnostics.subscribe('undici:client:connected', onConnected);
  try {
    await work();
  } finally {
    diagnostics.unsubscribe('undici:client:connected', onConnected);
  }
  return opened;
}

const twentyReads = (core: k8s.CoreV1Api) => async () => {
  for (let i = 0; i < 20; i++) await core.readNamespace({ name: namespace });
};

test('twenty calls through the orchestrator’s clients share one apiserver connection', async () => {
  const { core } = createKubeClients(stackKubeConfig());
  expect(await connectionsOpenedBy(twentyReads(core))).toBe(1);
});

test('a bare client-node client opens a connection per call (what the pooling removes)', async () => {
  const core = stackKubeConfig().makeApiClient(k8s.CoreV1Api);
  expect(await connectionsOpenedBy(twentyReads(core))).toBe(20);
});
