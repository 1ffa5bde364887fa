/**
 * A namespace and Nodes of a test's own on the shared stack. Workers watch one session namespace, so a
 * test whose workers use a private one is never disturbed by (and never disturbs) other tests' workers;
 * its nodes carry a NoSchedule taint so the scheduler places no other test's pod on a node it deletes.
 */
import * as k8s from '@kubernetes/client-node';
import { buildSessionPod } from '../../src/k8s/manifests.js';
import type { SessionSpec } from '../../workflows/contract/spec.js';
import { ignore404 } from './cluster.js';
import { ensureSessionIdentity } from './session-identity.js';
import { stackKubeConfig } from './stack.js';

const core = stackKubeConfig().makeApiClient(k8s.CoreV1Api);

export async function createNamespace(name: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name, labels: { 'session-orchestrator/test': 'true' } } } });
}

export async function deleteNamespace(name: string): Promise<void> {
  await core.deleteNamespace({ name }).catch(ignore404);
}

/** A KWOK-managed node only this test uses. */
export async function createNode(name: string): Promise<void> {
  await core.createNode({
    body: {
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: { type: 'kwok-test', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' },
      },
      spec: { taints: [{ key: 'session-orchestrator/test-node', value: name, effect: 'NoSchedule' }] },
      status: {
        allocatable: { cpu: '32', memory: '256Gi', 'ephemeral-storage': '1Ti', pods: '110' },
        capacity: { cpu: '32', memory: '256Gi', 'ephemeral-storage': '1Ti', pods: '110' },
      },
    },
  });
}

export async function deleteNode(name: string): Promise<void> {
  await core.deleteNode({ name }).catch(ignore404);
}

/** Adds a taint to a node (merging with the ones it has). */
export async function taintNode(name: string, key: string): Promise<void> {
  const node = await core.readNode({ name });
  node.spec = { ...node.spec, taints: [...(node.spec?.taints ?? []), { key, effect: 'NoSchedule' }] };
  await core.replaceNode({ name, body: node });
}

/**
 * The session's real pod manifest, bound to `nodeName` directly (no scheduler), in the spec's namespace;
 * after the session's credentials Secret and the identity the pod runs as, which the namespace's deletion
 * removes with it.
 */
export async function createSessionPodOn(spec: SessionSpec, nodeName: string): Promise<k8s.V1Pod> {
  await ensureSessionIdentity(spec);
  const pod = buildSessionPod(spec);
  pod.spec = { ...pod.spec!, nodeName };
  return core.createNamespacedPod({ namespace: spec.namespace, body: pod });
}
