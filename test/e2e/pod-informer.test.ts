/**
 * The shared session-pod informer against the real stack, and signalPodLost against the real Temporal
 * server. Pods are created with the real activities so they carry the real session labels.
 */
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createSessionActivities } from '../../activities/index.js';
import { createKubeClients } from '../../src/k8s/client.js';
import {
  signalPodLost,
  startSessionPodInformer,
  type PodLostEvent,
  type SessionPodInformer,
} from '../../src/k8s/pod-informer.js';
import { APP_LABEL, SESSION_ID_LABEL } from '../../src/k8s/labels.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { sessionWorkflowId, type SessionSpec } from '../../workflows/contract/spec.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, stackKubeConfig, uniqueSuffix } from '../support/stack.js';
import { podReady } from '../support/session-activities.js';

const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const clients = createKubeClients(stackKubeConfig());
/** Expected activity failures are asserted on; the SDK need not print them as warnings too. */
const quietTemporal = new DefaultLogger('ERROR');
const { core } = clients;
const silent = pino({ level: 'silent' });
const activities = createSessionActivities({ clients, logger: silent });
/** A placement no stack node satisfies, so the pod stays Pending and KWOK leaves its status alone. */
const nowherePlacement = { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-nowhere' }, tolerations: [] };

function run<P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> {
  return new MockActivityEnvironment(undefined, { logger: quietTemporal }).run(fn, ...args);
}

/** Collects the informer's notifications and lets a test await the one it expects, without polling. */
class LostPods {
  readonly events: PodLostEvent[] = [];
  private waiters: Array<{ match: (e: PodLostEvent) => boolean; resolve: (e: PodLostEvent) => void }> = [];

  readonly onPodLost = (event: PodLostEvent): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(event)) return true;
      w.resolve(event);
      return false;
    });
  };

  next(match: (e: PodLostEvent) => boolean, timeoutMs = 30_000): Promise<PodLostEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no matching podLost notification within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }
}

async function runningSession(spec: SessionSpec): Promise<{ podName: string; podUid: string }> {
  await run(activities.ensureCredentialsSecret, spec);
  await run(activities.ensureMcpSecret, spec);
  await run(activities.ensureSessionConfigMap, spec);
  await run(activities.ensureSessionPod, spec);
  const ready = await podReady(spec);
  return { podName: ready.podName, podUid: ready.podUid };
}

/**
 * A session whose pod stays unscheduled: tests that write a pod's status themselves (standing in for a
 * kubelet) use it, because KWOK rewrites the status of pods on its nodes.
 */
async function pendingSession(spec: SessionSpec): Promise<{ podName: string; podUid: string }> {
  await run(activities.ensureCredentialsSecret, spec);
  await run(activities.ensureMcpSecret, spec);
  await run(activities.ensureSessionConfigMap, spec);
  return run(activities.ensureSessionPod, spec);
}

async function cleanup(spec: SessionSpec): Promise<void> {
  const n = sessionObjectNames(spec.user, spec.sessionId);
  await core.deleteNamespacedPod({ name: n.pod, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  await run(activities.deleteSessionObjects, spec, { deletePvc: true });
}

describe('the session pod informer', () => {
  const lost = new LostPods();
  let informer: SessionPodInformer;

  beforeAll(async () => {
    informer = startSessionPodInformer({ clients, namespace, onPodLost: lost.onPodLost, logger: silent });
    await informer.synced;
  });
  afterAll(async () => {
    await informer.stop();
  });

  test('it reports a deleted session pod with the session id from its label', async () => {
    const spec = testSessionSpec();
    try {
      const { podName, podUid } = await runningSession(spec);
      await core.deleteNamespacedPod({ name: podName, namespace, gracePeriodSeconds: 0 });
      const event = await lost.next((e) => e.podUid === podUid && e.reason === 'deleted');
      expect(event).toMatchObject({ sessionId: spec.sessionId, podName, podUid, reason: 'deleted' });
    } finally {
      await cleanup(spec);
    }
  });

  test('it caches session pods without the managedFields the apiserver keeps on them', async () => {
    const spec = testSessionSpec();
    let seenReady: (uid: string) => void = () => undefined;
    const readyUids = new Set<string>();
    const own = startSessionPodInformer({
      clients,
      namespace,
      onPodLost: () => undefined,
      onPodReady: (e) => {
        readyUids.add(e.podUid);
        seenReady(e.podUid);
      },
      logger: silent,
    });
    try {
      await own.synced;
      const { podName, podUid } = await runningSession(spec);
      await new Promise<void>((resolve) => {
        seenReady = (uid) => uid === podUid && resolve();
        if (readyUids.has(podUid)) resolve();
      });
      const stored = await core.readNamespacedPod({ name: podName, namespace });
      expect(stored.metadata?.managedFields?.length).toBeGreaterThan(0);
      const cached = own.cachedPods()?.find((p) => p.metadata?.uid === podUid);
      expect(cached?.metadata?.labels?.[SESSION_ID_LABEL]).toBe(spec.sessionId);
      expect(cached?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(cached?.metadata).not.toHaveProperty('managedFields');
    } finally {
      await own.stop();
      await cleanup(spec);
    }
  });

  test('it reports a pod evicted through the Eviction API as disrupted, then as deleted', async () => {
    const spec = testSessionSpec();
    try {
      const { podName, podUid } = await runningSession(spec);
      await core.createNamespacedPodEviction({
        name: podName,
        namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: podName, namespace } },
      });
      const disrupted = await lost.next((e) => e.podUid === podUid && e.reason === 'disruption');
      expect(disrupted.sessionId).toBe(spec.sessionId);
      expect(disrupted.message).toMatch(/EvictionByEvictionAPI/);
      await lost.next((e) => e.podUid === podUid && e.reason === 'deleted');
    } finally {
      await cleanup(spec);
    }
  });

  test('it reports a pod the kubelet marked Failed/Evicted as evicted, once despite further updates', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      const { podName, podUid } = await pendingSession(spec);
      const patch = (message: string) =>
        core.patchNamespacedPodStatus(
          { name: podName, namespace, body: { status: { phase: 'Failed', reason: 'Evicted', message } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
      await patch('The node was low on resource: memory.');
      const evicted = await lost.next((e) => e.podUid === podUid && e.reason === 'evicted');
      expect(evicted.message).toMatch(/low on resource: memory/);

      // A further status change of the same failed pod must not signal the workflow again.
      await patch('The node was low on resource: ephemeral-storage.');
      await core.deleteNamespacedPod({ name: podName, namespace, gracePeriodSeconds: 0 });
      await lost.next((e) => e.podUid === podUid && e.reason === 'deleted');
      expect(lost.events.filter((e) => e.podUid === podUid && e.reason === 'evicted')).toHaveLength(1);
    } finally {
      await cleanup(spec);
    }
  });

  test('it ignores pods that are not session pods', async () => {
    const name = `not-a-session-${uniqueSuffix()}`;
    const pod: k8s.V1Pod = {
      metadata: { name, labels: { [APP_LABEL]: 'something-else', [SESSION_ID_LABEL]: 'x' } },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'main',
            image: 'example.invalid/x:1',
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    };
    // A session pod deleted after the other one: once its notification arrives, the other's would have too.
    const spec = testSessionSpec();
    try {
      const created = await core.createNamespacedPod({ namespace, body: pod });
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
      const { podName, podUid } = await runningSession(spec);
      await core.deleteNamespacedPod({ name: podName, namespace, gracePeriodSeconds: 0 });
      await lost.next((e) => e.podUid === podUid && e.reason === 'deleted');
      expect(lost.events.some((e) => e.podUid === created.metadata?.uid)).toBe(false);
    } finally {
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
      await cleanup(spec);
    }
  });

  test('a new informer reports a pod that was already Failed before it started', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    const late = new LostPods();
    let second: SessionPodInformer | undefined;
    try {
      const { podName, podUid } = await pendingSession(spec);
      await core.patchNamespacedPodStatus(
        {
          name: podName,
          namespace,
          body: { status: { phase: 'Failed', reason: 'NodeLost', message: 'node vanished' } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      second = startSessionPodInformer({ clients, namespace, onPodLost: late.onPodLost, logger: silent });
      await second.synced;
      const event = await late.next((e) => e.podUid === podUid);
      expect(event).toMatchObject({ sessionId: spec.sessionId, reason: 'node_lost' });
    } finally {
      await second?.stop();
      await cleanup(spec);
    }
  });
});

describe('signalPodLost', () => {
  test('it signals the workflow session-<id> with the pod, reason and message, and reports a missing workflow as not delivered', async () => {
    const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = stackEnv();
    const taskQueue = `pod-lost-${uniqueSuffix()}`;
    const nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
    const client = new Client({
      connection: await Connection.connect({ address: TEMPORAL_ADDRESS }),
      namespace: TEMPORAL_NAMESPACE,
    });
    try {
      const worker = await Worker.create({
        connection: nativeConnection,
        namespace: TEMPORAL_NAMESPACE,
        taskQueue,
        workflowsPath: fileURLToPath(new URL('../support/pod-lost-workflows.ts', import.meta.url)),
      });
      const sessionId = `sig-${uniqueSuffix()}`;
      const event: PodLostEvent = {
        sessionId,
        podName: `pod-${sessionId}`,
        podUid: 'uid-1',
        reason: 'evicted',
        message: 'Evicted: low on memory',
      };
      const result = await worker.runUntil(async () => {
        const handle = await client.workflow.start('podLostProbeWorkflow', {
          taskQueue,
          workflowId: sessionWorkflowId(sessionId),
        });
        expect(await signalPodLost(client, event)).toBe(true);
        return handle.result();
      });
      expect(result).toEqual({ podName: event.podName, reason: 'evicted', message: event.message, podUid: 'uid-1' });

      expect(await signalPodLost(client, { ...event, sessionId: `nobody-${uniqueSuffix()}` })).toBe(false);
      // A finished session's workflow is not an error either.
      expect(await signalPodLost(client, event)).toBe(false);
    } finally {
      await client.connection.close();
      await nativeConnection.close();
    }
  });
});
