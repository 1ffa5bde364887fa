/**
 * Overprovisioning (the second defence against cold starts) on the real scheduler: the placeholder Deployment and the
 * PriorityClasses of deploy/base/cold-start fill a dedicated pair of KWOK nodes, and session pods built by
 * the real pod builder with the session PriorityClass take the room by having placeholders preempted.
 * Everything is renamed with a unique suffix and kept on the test's own tainted nodes, so it shares the
 * stack with other tests safely.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { buildSessionPod } from '../../src/k8s/manifests.js';
import { testSessionSpec } from '../support/session-spec.js';
import { ignore404, removeSessionObjects } from '../support/cluster.js';
import { ensureSessionIdentity } from '../support/session-identity.js';
import { repoRoot, stackEnv, stackKubeConfig, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const kc = stackKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const scheduling = kc.makeApiClient(k8s.SchedulingV1Api);
const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const suffix = uniqueSuffix();
const POOL_LABEL = 'stack.session-orchestrator.dev/test-pool';
const taint = { key: 'test-pool', value: suffix, effect: 'NoSchedule' as const };
const nodeNames = [1, 2].map((i) => `kwok-preempt-${suffix}-${i}`);

function manifests<T>(file: string): T[] {
  return k8s.loadAllYaml(readFileSync(join(repoRoot, 'deploy/base/cold-start', file), 'utf8')) as T[];
}
const classes = manifests<k8s.V1PriorityClass>('priority-classes.yaml');
const sessionClass = classes.find((c) => c.metadata!.name === 'agentapi-session')!;
const placeholderClass = classes.find((c) => c.metadata!.name === 'agentapi-overprovisioning')!;
const renamed = (name: string) => `${name}-${suffix}`;

/** Two nodes with room for exactly two placeholders each (2 CPU; a placeholder or session asks 700m). */
function poolNode(name: string): k8s.V1Node {
  return {
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { type: 'kwok', [POOL_LABEL]: suffix, 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' },
    },
    spec: { taints: [taint] },
    status: {
      allocatable: { cpu: '2', memory: '16Gi', 'ephemeral-storage': '100Gi', pods: '20' },
      capacity: { cpu: '2', memory: '16Gi', 'ephemeral-storage': '100Gi', pods: '20' },
    },
  };
}

const placeholderSelector = `app.kubernetes.io/name=session-overprovisioning,app.kubernetes.io/instance=${suffix}`;
const listPlaceholders = async () =>
  (await core.listNamespacedPod({ namespace, labelSelector: placeholderSelector })).items;
const sessionSpecs = ['p1', 'p2'].map((id) =>
  testSessionSpec({
    sessionId: `${id}-${suffix}`,
    priorityClassName: renamed('agentapi-session'),
    placement: { nodeSelector: { [POOL_LABEL]: suffix }, tolerations: [{ ...taint, operator: 'Equal' }] },
  }),
);
const isReady = (pod: k8s.V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

beforeAll(async () => {
  for (const name of nodeNames) await core.createNode({ body: poolNode(name) });
  for (const pc of [sessionClass, placeholderClass]) {
    await scheduling.createPriorityClass({ body: { ...pc, metadata: { name: renamed(pc.metadata!.name!) } } });
  }
});

afterAll(async () => {
  await apps.deleteNamespacedDeployment({ name: renamed('session-overprovisioning'), namespace }).catch(ignore404);
  await core
    .deleteCollectionNamespacedPod({ namespace, labelSelector: placeholderSelector, gracePeriodSeconds: 0 })
    .catch(ignore404);
  // The session pods, and their Secrets (the credentials Secret takes the identity with it).
  for (const spec of sessionSpecs) await removeSessionObjects(spec);
  for (const name of nodeNames) await core.deleteNode({ name }).catch(ignore404);
  for (const pc of [sessionClass, placeholderClass]) {
    await scheduling.deletePriorityClass({ name: renamed(pc.metadata!.name!) }).catch(ignore404);
  }
});

test('the scheduler evicts overprovisioning placeholders to place session pods that need their room', async () => {
  expect(placeholderClass.value).toBeLessThan(0);
  expect(placeholderClass.preemptionPolicy).toBe('Never');
  expect(sessionClass.value).toBeGreaterThan(0);

  // The placeholder Deployment as shipped, aimed at the test's nodes and filling them: 4 × 700m on 2 × 2 CPU.
  const [deployment] = manifests<k8s.V1Deployment>('placeholder-deployment.yaml');
  const template = deployment!.spec!.template;
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      ...deployment,
      metadata: { ...deployment!.metadata, name: renamed('session-overprovisioning'), namespace },
      spec: {
        ...deployment!.spec!,
        replicas: 4,
        selector: { matchLabels: { ...deployment!.spec!.selector.matchLabels, 'app.kubernetes.io/instance': suffix } },
        template: {
          metadata: { labels: { ...template.metadata!.labels, 'app.kubernetes.io/instance': suffix } },
          spec: {
            ...template.spec!,
            priorityClassName: renamed(template.spec!.priorityClassName!),
            nodeSelector: { [POOL_LABEL]: suffix },
            tolerations: [{ ...taint, operator: 'Equal' }],
          },
        },
      },
    },
  });
  const placeholders = await eventually(
    'four running placeholders on the test nodes',
    async () => {
      const pods = (await listPlaceholders()).filter((p) => isReady(p) && nodeNames.includes(p.spec!.nodeName!));
      return pods.length === 4 ? pods : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(placeholders.every((p) => p.spec!.priority === -1)).toBe(true);

  // Two session pods as the orchestrator builds them, with the session PriorityClass configured, each
  // after the identity it runs as.
  const sessionPods = sessionSpecs.map((spec) => buildSessionPod(spec));
  for (const spec of sessionSpecs) await ensureSessionIdentity(spec);
  for (const body of sessionPods) await core.createNamespacedPod({ namespace, body });

  const running = await eventually(
    'both session pods to be scheduled on the test nodes and Ready',
    async () => {
      const pods = await Promise.all(
        sessionPods.map((p) => core.readNamespacedPod({ name: p.metadata!.name!, namespace })),
      );
      return pods.every((p) => isReady(p) && nodeNames.includes(p.spec!.nodeName!)) ? pods : undefined;
    },
    { timeoutMs: 90_000 },
  );
  expect(running.map((p) => p.spec!.priority)).toEqual([sessionClass.value, sessionClass.value]);

  // The nodes end as full as before: two placeholders still hold room beside the session pods, and the two
  // the sessions displaced wait, unschedulable, for a node (on a real cluster the autoscaler's cue) instead
  // of evicting anything themselves. Which placeholders those are is the scheduler's choice: when two
  // preemptions overlap it may evict one placeholder more than needed and let a replacement take the room.
  await eventually(
    'two placeholders beside the session pods and two pending',
    async () => {
      const pods = (await listPlaceholders()).filter((p) => !p.metadata!.deletionTimestamp);
      const placed = pods.filter((p) => isReady(p) && nodeNames.includes(p.spec!.nodeName!));
      const pending = pods.filter(
        (p) =>
          !p.spec!.nodeName &&
          p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'),
      );
      return placed.length === 2 && pending.length === 2 ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  // At least one placeholder per session pod went; the session pods themselves were never displaced.
  const remaining = await listPlaceholders();
  expect(
    placeholders.filter((o) => !remaining.some((p) => p.metadata!.uid === o.metadata!.uid)).length,
  ).toBeGreaterThanOrEqual(2);
  const sessionsNow = await Promise.all(
    sessionPods.map((p) => core.readNamespacedPod({ name: p.metadata!.name!, namespace })),
  );
  expect(sessionsNow.map((p) => p.metadata!.uid)).toEqual(running.map((p) => p.metadata!.uid));
  expect(sessionsNow.every((p) => isReady(p) && !p.metadata!.deletionTimestamp)).toBe(true);
});
