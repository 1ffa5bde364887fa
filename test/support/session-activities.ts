/**
 * The session activities wired to the real stack for the activity tests: real Kubernetes clients, and
 * each activity run inside MockActivityEnvironment only to get an activity Context (heartbeats,
 * cancellation).
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { pino } from 'pino';
import { createSessionActivities } from '../../activities/index.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { sessionPodName, userLabelValue } from '../../src/k8s/names.js';
import { USER_ANNOTATION, USER_LABEL } from '../../src/k8s/labels.js';
import type { SessionSpec } from '../../workflows/contract/spec.js';
import { isPodReady } from '../../src/k8s/pod-status.js';
import { stackEnv, stackKubeConfig } from './stack.js';
import { eventually } from './wait.js';
import { removeSessionObjects } from './cluster.js';

export const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
export const storageClass = stackEnv().AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS;
export const clients = createKubeClients(stackKubeConfig());
/** Expected activity failures are asserted on; the SDK need not print them as warnings too. */
export const quietTemporal = new DefaultLogger('ERROR');
export const { core } = clients;
export const activities = createSessionActivities({ clients, logger: pino({ level: 'silent' }) });

/** Runs one activity in a fresh activity context (a cancelled context cannot be reused). */
export function run<P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> {
  return runIn(new MockActivityEnvironment(undefined, { logger: quietTemporal }), fn, ...args);
}

/** Runs one activity in the given environment, to observe its heartbeats or cancel it. */
export function runIn<P extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: P) => Promise<R>,
  ...args: P
): Promise<R> {
  return env.run(fn, ...args);
}

/** Resolves with what `promise` rejected with; fails the test if it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

export function expectFailure(err: unknown, type: string, nonRetryable: boolean): ApplicationFailure {
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect(failure.type).toBe(type);
  expect(failure.nonRetryable).toBe(nonRetryable);
  return failure;
}

/** Removes whatever a test may have left of a session, whoever owns it. */
export const cleanup = removeSessionObjects;

/** A 1Gi claim of `user`'s (label and raw-name annotation), as a kept session workspace would be. */
export async function createUserClaim(name: string, user: string): Promise<void> {
  await core.createNamespacedPersistentVolumeClaim({
    namespace,
    body: {
      metadata: { name, labels: { [USER_LABEL]: userLabelValue(user) }, annotations: { [USER_ANNOTATION]: user } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: storageClass,
        resources: { requests: { storage: '1Gi' } },
      },
    },
  });
}

export async function provision(spec: SessionSpec): Promise<{ podName: string; podUid: string }> {
  await run(activities.ensureCredentialsSecret, spec);
  await run(activities.ensureMcpSecret, spec);
  await run(activities.ensureSessionConfigMap, spec);
  await run(activities.ensureSessionPvc, spec);
  const pod = await run(activities.ensureSessionPod, spec);
  await run(activities.ensureSessionService, spec);
  return pod;
}

/** A placement no stack node satisfies: the scheduler keeps the pod Pending as Unschedulable. */
export const nowherePlacement = { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-nowhere' }, tolerations: [] };

/** Waits until the session's pod is Ready (what the informer tells a workflow), and returns where it runs. */
export async function podReady(spec: SessionSpec): Promise<{ podName: string; podUid: string; nodeName: string }> {
  const name = sessionPodName(spec);
  return eventually(
    `pod ${name} to be Ready`,
    async () => {
      const pod = await core.readNamespacedPod({ name, namespace: spec.namespace });
      if (!isPodReady(pod)) return undefined;
      return { podName: name, podUid: pod.metadata?.uid ?? '', nodeName: pod.spec?.nodeName ?? '' };
    },
    { timeoutMs: 60_000 },
  );
}

/** Asks for the session pod's deletion (as the workflow does) and waits until it is gone. */
export async function deletePod(spec: SessionSpec, graceSeconds: number): Promise<void> {
  const name = sessionPodName(spec);
  await run(activities.requestPodDeletion, spec, { graceSeconds });
  await eventually(`pod ${name} to be gone`, () =>
    core.readNamespacedPod({ name, namespace: spec.namespace }).then(
      () => undefined,
      (err: unknown) => ((err as { code?: number }).code === 404 ? true : undefined),
    ),
  );
}
