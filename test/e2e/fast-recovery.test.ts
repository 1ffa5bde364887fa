/**
 * Recovery from node failures on the real stack: a real worker (its
 * leader-elected pod and node informers, the real activities), real sessions, KWOK nodes of this test's
 * own. A deleted node's session is replaced at once, its old pod force-deleted beside; an interrupted node's
 * pod is deleted with its full grace and the replacement runs on another node.
 *
 * Everything runs in a namespace and on nodes of this test, so other tests' workers never see them.
 */
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { SESSION_ID_LABEL, SESSION_POD_SELECTOR } from '../../src/k8s/labels.js';
import { isPodReady } from '../../src/k8s/pod-status.js';
import type { SessionSpec, SessionState } from '../../workflows/contract/spec.js';
import { createTemporalClient, startSession } from '../../src/temporal/client.js';
import { runWorker } from '../../src/worker.js';
import { getSessionStateQuery, terminateSessionUpdate } from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { createNamespace, createNode, deleteNamespace, deleteNode, taintNode } from '../support/private-namespace.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackKubeConfig, stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const suffix = uniqueSuffix();
const namespace = `reliab-rec-${suffix}`;
const nodeNames = ['a', 'b', 'c', 'd'].map((n) => `reliab-rec-${suffix}-${n}`);
const kc = stackKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const GRACE = 17;
const config: Config = loadConfig({
  ...stackServiceEnv(`fast-recovery-${suffix}`, `fr:${randomBytes(32).toString('base64')}`),
  AGENTAPI_K8S_SESSION_NAMESPACE: namespace,
  LOG_LEVEL: 'warn',
});

type SessionHandle = WorkflowHandle<typeof sessionWorkflow>;

/** What the cluster showed of each session pod: where it ran, when it was Ready, how it was deleted. */
interface PodRecord {
  session: string;
  name: string;
  node: string;
  createdAt: number;
  readyAt?: number;
  /** `deletionGracePeriodSeconds` of the first delete seen, and when. */
  deletion?: { grace: number; at: number };
}
const pods = new Map<string, PodRecord>();
const informer = k8s.makeInformer<k8s.V1Pod>(
  kc,
  `/api/v1/namespaces/${namespace}/pods`,
  () => core.listNamespacedPod({ namespace, labelSelector: SESSION_POD_SELECTOR }),
  SESSION_POD_SELECTOR,
);
function observe(pod: k8s.V1Pod): void {
  const uid = pod.metadata?.uid;
  const session = pod.metadata?.labels?.[SESSION_ID_LABEL];
  if (!uid || !session) return;
  const record = pods.get(uid) ?? { session, name: pod.metadata?.name ?? '', node: '', createdAt: Date.now() };
  record.node = pod.spec?.nodeName ?? record.node;
  if (record.readyAt === undefined && isPodReady(pod) && !pod.metadata?.deletionTimestamp) record.readyAt = Date.now();
  if (record.deletion === undefined && pod.metadata?.deletionTimestamp) {
    record.deletion = { grace: pod.metadata.deletionGracePeriodSeconds ?? 0, at: Date.now() };
  }
  pods.set(uid, record);
}

let client: Client;
const stopWorker = new AbortController();
let workerDone: Promise<void>;

beforeAll(async () => {
  await createNamespace(namespace);
  for (const name of nodeNames.slice(0, 2)) await createNode(name);
  informer.on(k8s.ADD, observe);
  informer.on(k8s.UPDATE, observe);
  informer.on(k8s.DELETE, observe);
  await informer.start();
  client = await createTemporalClient(config);
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  workerDone = runWorker({ config, signal: stopWorker.signal, onReady: ready, logger: pino({ level: 'silent' }) });
  await Promise.race([isReady, workerDone]);
}, 120_000);

afterAll(async () => {
  stopWorker.abort();
  await workerDone;
  await informer.stop();
  await client?.connection.close();
  for (const name of nodeNames) await deleteNode(name);
  await deleteNamespace(namespace);
});

/** A session that may run only on this test's nodes. */
function spec(): SessionSpec {
  return testSessionSpec({
    namespace,
    user: `rec-${uniqueSuffix()}@example.com`,
    podStopGraceSeconds: GRACE,
    restartPolicy: { maxRestarts: 3, windowMinutes: 60 },
    placement: {
      nodeSelector: {},
      tolerations: [{ key: 'session-orchestrator/test-node', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: nodeNames }] },
            ],
          },
        },
      },
    },
  });
}

const state = (handle: SessionHandle): Promise<SessionState> => handle.query(getSessionStateQuery);
const untilRunning = (handle: SessionHandle, restarts: number): Promise<SessionState> =>
  eventually(
    `${handle.workflowId} running after ${restarts} restarts`,
    async () => {
      const current = await state(handle);
      return current.status === 'running' && current.restartCount === restarts ? current : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
const podsOf = (sessionId: string): PodRecord[] => [...pods.values()].filter((p) => p.session === sessionId);

test('A session whose node is deleted runs again on another node, its old pod force-deleted with grace 0', async () => {
  const s = spec();
  const handle = await startSession(client, s, config);
  try {
    const before = await untilRunning(handle, 0);
    const lostNode = before.nodeName!;
    await core.deleteNode({ name: lostNode });
    const after = await untilRunning(handle, 1);
    expect(after.nodeName).not.toBe(lostNode);
    expect(after.events.find((e) => e.type === 'pod_lost')?.message).toContain(`node ${lostNode} was deleted`);
    const [old, replacement] = await eventually('both pods recorded', async () => {
      const all = podsOf(s.sessionId).sort((x, y) => x.createdAt - y.createdAt);
      return all.length === 2 && all[0]!.deletion && all[1]!.readyAt ? all : undefined;
    });
    // The workflow deleted it, not pod GC: grace 0. Its successor did not wait for that: it was created
    // beside it, under the next generation's name.
    expect(old!.node).toBe(lostNode);
    expect(old!.deletion!.grace).toBe(0);
    expect(replacement!.node).not.toBe(lostNode);
    expect(replacement!.name).toBe(`${old!.name}-g1`);
    expect(after.podName).toBe(replacement!.name);
  } finally {
    await handle.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'test' }] }).catch(() => undefined);
    await handle.result().catch(() => undefined);
  }
}, 240_000);

test('A session whose node gets an interruption notice runs again on another node before its old pod is stopped with its full grace', async () => {
  for (const name of nodeNames.slice(2)) await createNode(name).catch(() => undefined);
  const s = spec();
  const handle = await startSession(client, s, config);
  try {
    const before = await untilRunning(handle, 0);
    const noticed = before.nodeName!;
    await taintNode(noticed, 'karpenter.sh/disrupted');
    const after = await untilRunning(handle, 1);
    expect(after.nodeName).not.toBe(noticed);
    const [old, replacement] = await eventually('both pods recorded', async () => {
      const all = podsOf(s.sessionId).sort((x, y) => x.createdAt - y.createdAt);
      return all.length === 2 && all[0]!.deletion && all[1]!.readyAt ? all : undefined;
    });
    expect(old!.node).toBe(noticed);
    expect(old!.deletion!.grace).toBe(GRACE);
    expect(replacement!.node).not.toBe(noticed);
    // Handover (no claim to hand over): the successor, a second pod of the session, was Ready before the
    // old pod was asked to stop, so the session never went without a serving pod.
    expect(replacement!.name).toBe(`${old!.name}-g1`);
    expect(replacement!.readyAt!).toBeLessThanOrEqual(old!.deletion!.at);
    expect(after.podName).toBe(replacement!.name);
  } finally {
    await handle.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'test' }] }).catch(() => undefined);
    await handle.result().catch(() => undefined);
  }
}, 240_000);
