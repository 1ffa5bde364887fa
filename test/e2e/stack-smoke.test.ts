/**
 * Proves the test stack is made of real servers: a real kube-apiserver with scheduler, controller-manager,
 * Pod Security Admission and KWOK nodes, and a real Temporal dev server with visibility.
 */
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { Client } from '@temporalio/client';
import { Worker, NativeConnection } from '@temporalio/worker';
import { stackEnv, stackKubeConfig, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const core = stackKubeConfig().makeApiClient(k8s.CoreV1Api);

/** A pod that satisfies the `restricted` Pod Security profile the session namespace enforces. */
function restrictedPod(name: string, extra: Partial<k8s.V1PodSpec> = {}): k8s.V1Pod {
  return {
    metadata: { name, labels: { app: 'stack-smoke' } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } },
      tolerations: [{ key: 'spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
      containers: [
        {
          name: 'main',
          image: 'example.invalid/smoke:1',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          ...(extra.volumes ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}),
        },
      ],
      ...extra,
    },
  };
}

async function readyPod(name: string): Promise<k8s.V1Pod | undefined> {
  const pod = await core.readNamespacedPod({ name, namespace });
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  return ready ? pod : undefined;
}

async function deletePodQuietly(name: string): Promise<void> {
  await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
}

describe('the local test stack', () => {
  test('a pod created through the Kubernetes API is scheduled onto a KWOK node and turns Ready', async () => {
    const name = `smoke-${uniqueSuffix()}`;
    try {
      await core.createNamespacedPod({ namespace, body: restrictedPod(name) });
      const pod = await eventually(`pod ${name} to be Ready`, () => readyPod(name), { timeoutMs: 60_000 });
      const node = await core.readNode({ name: pod.spec!.nodeName! });
      expect(node.metadata?.annotations?.['kwok.x-k8s.io/node']).toBe('fake');
      expect(pod.status?.phase).toBe('Running');
    } finally {
      await deletePodQuietly(name);
    }
  });

  test('the cluster has spot and on-demand nodes in two zones, and spot nodes are tainted', async () => {
    const nodes = (await core.listNode({ labelSelector: 'type=kwok' })).items;
    const spot = nodes.filter((n) => n.metadata?.labels?.['karpenter.sh/capacity-type'] === 'spot');
    const onDemand = nodes.filter((n) => n.metadata?.labels?.['karpenter.sh/capacity-type'] === 'on-demand');
    expect(spot.length).toBeGreaterThanOrEqual(2);
    expect(onDemand.length).toBeGreaterThanOrEqual(1);
    expect(new Set(nodes.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone'])).size).toBeGreaterThanOrEqual(
      2,
    );
    for (const node of spot) {
      expect(node.spec?.taints).toContainEqual(
        expect.objectContaining({ key: 'spot', value: 'true', effect: 'NoSchedule' }),
      );
    }
  });

  test('a PersistentVolumeClaim binds and a pod mounting it turns Ready', async () => {
    const name = `smoke-pvc-${uniqueSuffix()}`;
    try {
      await core.createNamespacedPersistentVolumeClaim({
        namespace,
        body: {
          metadata: { name },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: stackEnv().AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS,
            resources: { requests: { storage: '1Gi' } },
          },
        },
      });
      await eventually(
        `PVC ${name} to be Bound`,
        async () => {
          const pvc = await core.readNamespacedPersistentVolumeClaim({ name, namespace });
          return pvc.status?.phase === 'Bound' ? pvc : undefined;
        },
        { timeoutMs: 60_000 },
      );
      await core.createNamespacedPod({
        namespace,
        body: restrictedPod(name, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: name } }] }),
      });
      await eventually(`pod ${name} with the PVC to be Ready`, () => readyPod(name), { timeoutMs: 60_000 });
    } finally {
      await deletePodQuietly(name);
      await core.deleteNamespacedPersistentVolumeClaim({ name, namespace }).catch(() => undefined);
    }
  });

  test.each([
    ['a pod with no security context', {}],
    ['a privileged pod', { privileged: true }],
  ])('%s is rejected by Pod Security Admission in the session namespace', async (_title, securityContext) => {
    const name = `smoke-bad-${uniqueSuffix()}`;
    const body: k8s.V1Pod = {
      metadata: { name },
      spec: { containers: [{ name: 'main', image: 'example.invalid/x:1', securityContext }] },
    };
    const rejection = await core.createNamespacedPod({ namespace, body }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await deletePodQuietly(name);
    expect(rejection).toBeInstanceOf(k8s.ApiException);
    expect((rejection as k8s.ApiException<string>).code).toBe(403);
    const status = JSON.parse(String((rejection as k8s.ApiException<string>).body)) as k8s.V1Status;
    expect(status.message).toMatch(/violates PodSecurity "restricted/);
  });

  test('a workflow with one activity runs on the Temporal dev server and is found by a search-attribute query', async () => {
    const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = stackEnv();
    const taskQueue = `smoke-${uniqueSuffix()}`;
    const connection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
    const client = new Client({
      connection: await (await import('@temporalio/client')).Connection.connect({ address: TEMPORAL_ADDRESS }),
      namespace: TEMPORAL_NAMESPACE,
    });
    try {
      const worker = await Worker.create({
        connection,
        namespace: TEMPORAL_NAMESPACE,
        taskQueue,
        workflowsPath: fileURLToPath(new URL('../support/smoke-workflows.ts', import.meta.url)),
        activities: { greet: async (name: string) => `hello ${name}` },
      });
      const workflowId = `smoke-${uniqueSuffix()}`;
      const result = await worker.runUntil(
        client.workflow.execute('smokeWorkflow', {
          taskQueue,
          workflowId,
          args: ['stack'],
          searchAttributes: { SessionId: [workflowId], SessionUser: ['smoke-user'] },
        }),
      );
      expect(result).toBe('hello stack');
      const found = await eventually('the workflow in visibility', async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({
          query: `SessionId = '${workflowId}' AND SessionStatus = 'smoke-done'`,
        })) {
          ids.push(wf.workflowId);
        }
        return ids.length > 0 ? ids : undefined;
      });
      expect(found).toEqual([workflowId]);
    } finally {
      await client.connection.close();
      await connection.close();
    }
  });
});
