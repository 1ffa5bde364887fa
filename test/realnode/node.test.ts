/**
 * The real node beside the KWOK nodes: a kubelet of the control plane's version on containerd registers
 * it, KWOK does not manage it, and its taint keeps away every pod that does not ask for it.
 */
import * as k8s from '@kubernetes/client-node';
import { createKubeClients } from '../../src/k8s/client.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { kubeConfig, realNodeEnv } from './support.js';

const node = realNodeEnv();
const { core } = createKubeClients(kubeConfig);
const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;

describe('the real node', () => {
  test('is a kubelet of the control plane version on containerd, labelled and tainted, and not managed by KWOK', async () => {
    const n = await core.readNode({ name: node.name });
    const version = await kubeConfig.makeApiClient(k8s.VersionApi).getCode();
    expect(n.status?.nodeInfo?.kubeletVersion).toBe(version.gitVersion);
    expect(n.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\/1\./);
    expect(n.metadata?.labels).toEqual(expect.objectContaining({ type: 'real', [node.label]: 'true' }));
    expect(n.spec?.taints).toEqual([{ key: node.label, value: 'true', effect: 'NoSchedule' }]);
    // KWOK manages only nodes annotated kwok.x-k8s.io/node=fake; the kubelet alone reports this one.
    expect(n.metadata?.annotations?.['kwok.x-k8s.io/node']).toBeUndefined();
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toEqual(expect.objectContaining({ status: 'True', reason: 'KubeletReady' }));
    const lease = await kubeConfig
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: node.name, namespace: 'kube-node-lease' });
    expect(lease.spec?.holderIdentity).toBe(node.name);
  });

  test('a pod that selects the node is scheduled there only when it tolerates the taint', async () => {
    const suffix = uniqueSuffix();
    const pod = (name: string, tolerations: k8s.V1Toleration[]): k8s.V1Pod => ({
      metadata: { name },
      spec: {
        nodeSelector: { type: 'real' },
        tolerations,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'c',
            image: node.sidecarImage,
            imagePullPolicy: 'Never',
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 999,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
          },
        ],
      },
    });
    const without = `realnode-untolerated-${suffix}`;
    const withToleration = `realnode-tolerated-${suffix}`;
    try {
      await core.createNamespacedPod({ namespace, body: pod(without, []) });
      await core.createNamespacedPod({
        namespace,
        body: pod(withToleration, [{ key: node.label, operator: 'Exists', effect: 'NoSchedule' }]),
      });
      const unschedulable = await eventually(`${without} to be reported unschedulable`, async () => {
        const p = await core.readNamespacedPod({ name: without, namespace });
        return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable');
      });
      expect(unschedulable.message).toContain('untolerated taint');
      expect((await core.readNamespacedPod({ name: without, namespace })).spec?.nodeName).toBeUndefined();
      const running = await eventually(
        `${withToleration} to run`,
        async () => {
          const p = await core.readNamespacedPod({ name: withToleration, namespace });
          return p.status?.phase === 'Running' ? p : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(running.spec?.nodeName).toBe(node.name);
    } finally {
      for (const name of [without, withToleration]) {
        await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
      }
    }
  });
});
