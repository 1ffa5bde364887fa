/**
 * The session activities against the real stack: a kube-apiserver with scheduler, Pod Security
 * Admission and KWOK nodes. Activities run inside MockActivityEnvironment only to get an activity
 * Context (heartbeats, cancellation); every Kubernetes call is real.
 */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { pino } from 'pino';
import { createSessionActivities } from '../../activities/index.js';
import { FailureType, toKubeFailure } from '../../activities/errors.js';
import type { PodDiagnosis } from '../../activities/pod-diagnosis.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { buildSessionPod } from '../../src/k8s/manifests.js';
import { sessionObjectNames, userLabelValue } from '../../src/k8s/names.js';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL, USER_ANNOTATION, USER_LABEL } from '../../src/k8s/labels.js';
import type { SessionSpec } from '../../src/session/spec.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, stackKubeConfig, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { ignore404, removeSessionObjects } from '../support/cluster.js';

const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const storageClass = stackEnv().AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS;
const clients = createKubeClients(stackKubeConfig());
/** Expected activity failures are asserted on; the SDK need not print them as warnings too. */
const quietTemporal = new DefaultLogger('ERROR');
const { core } = clients;
const activities = createSessionActivities({ clients, logger: pino({ level: 'silent' }), heartbeatIntervalMs: 200 });

/** Runs one activity in a fresh activity context (a cancelled context cannot be reused). */
function run<P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> {
  return runIn(new MockActivityEnvironment(undefined, { logger: quietTemporal }), fn, ...args);
}

/** Runs one activity in the given environment, to observe its heartbeats or cancel it. */
function runIn<P extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: P) => Promise<R>,
  ...args: P
): Promise<R> {
  return env.run(fn, ...args);
}

/** Resolves with what `promise` rejected with; fails the test if it resolved. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

function expectFailure(err: unknown, type: string, nonRetryable: boolean): ApplicationFailure {
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect(failure.type).toBe(type);
  expect(failure.nonRetryable).toBe(nonRetryable);
  return failure;
}

/** Removes whatever a test may have left of a session, whoever owns it. */
const cleanup = removeSessionObjects;

/** A 1Gi claim of `user`'s (label and raw-name annotation), as a kept session workspace would be. */
async function createUserClaim(name: string, user: string): Promise<void> {
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

async function provision(spec: SessionSpec): Promise<{ podName: string; podUid: string }> {
  await run(activities.ensureCredentialsSecret, spec);
  await run(activities.ensureMcpSecret, spec);
  await run(activities.ensureSessionConfigMap, spec);
  await run(activities.ensureSessionPvc, spec);
  const pod = await run(activities.ensureSessionPod, spec);
  await run(activities.ensureSessionService, spec);
  return pod;
}

/** A placement no stack node satisfies: the scheduler keeps the pod Pending as Unschedulable. */
const nowherePlacement = { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-nowhere' }, tolerations: [] };

describe('ensure activities', () => {
  test('they create every session object under its session name and label it with the session id, and a second run adopts them', async () => {
    const spec = testSessionSpec({ pvc: { enabled: true, storageClass, size: '1Gi', deleteOnTerminate: true } });
    const n = sessionObjectNames(spec.user, spec.sessionId);
    try {
      const first = await provision(spec);
      expect(first.podName).toBe(n.pod);

      const objects: k8s.KubernetesObject[] = await Promise.all([
        core.readNamespacedSecret({ name: n.credsSecret, namespace }),
        core.readNamespacedSecret({ name: n.mcpSecret, namespace }),
        core.readNamespacedConfigMap({ name: n.configMap, namespace }),
        core.readNamespacedPersistentVolumeClaim({ name: n.pvc, namespace }),
        core.readNamespacedPod({ name: n.pod, namespace }),
        core.readNamespacedService({ name: n.service, namespace }),
      ]);
      for (const object of objects) {
        expect(object.metadata?.labels?.[SESSION_ID_LABEL]).toBe(spec.sessionId);
        expect(object.metadata?.labels?.[APP_LABEL]).toBe(SESSION_APP);
      }
      expect(objects[4]!.metadata?.uid).toBe(first.podUid);

      // Temporal may run any step again: the second run must succeed and keep the same objects.
      const second = await provision(spec);
      expect(second).toEqual(first);
      expect(await run(activities.ensureSessionPvc, spec)).toEqual({ claimName: n.pvc });
    } finally {
      await cleanup(spec);
    }
  });

  test('an existing object of the same name that belongs to another session is not adopted, and the failure says whose it is', async () => {
    const spec = testSessionSpec();
    const n = sessionObjectNames(spec.user, spec.sessionId);
    try {
      await core.createNamespacedConfigMap({
        namespace,
        body: {
          metadata: { name: n.configMap, labels: { [SESSION_ID_LABEL]: 'someone-else' } },
          data: { mine: 'yes' },
        },
      });
      const failure = expectFailure(
        await rejectionOf(run(activities.ensureSessionConfigMap, spec)),
        FailureType.ForeignObjectConflict,
        true,
      );
      expect(failure.message).toContain('someone-else');
      expect(failure.message).toContain(n.configMap);

      // Cleanup of the session must not take the other session's object with it.
      const result = await run(activities.deleteSessionObjects, spec, { deletePvc: true });
      expect(result.deleted).not.toContain(`ConfigMap/${n.configMap}`);
      const kept = await core.readNamespacedConfigMap({ name: n.configMap, namespace });
      expect(kept.data).toEqual({ mine: 'yes' });
    } finally {
      await cleanup(spec);
    }
  });

  test('an unlabelled object of the same name is not adopted either', async () => {
    const spec = testSessionSpec();
    const n = sessionObjectNames(spec.user, spec.sessionId);
    try {
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name: n.credsSecret }, stringData: { x: 'y' } },
      });
      expectFailure(
        await rejectionOf(run(activities.ensureCredentialsSecret, spec)),
        FailureType.ForeignObjectConflict,
        true,
      );
    } finally {
      await cleanup(spec);
    }
  });

  test('a PVC named by existingClaimName that does not exist fails without retry as PvcNotFound', async () => {
    const spec = testSessionSpec({
      pvc: { enabled: true, size: '1Gi', deleteOnTerminate: true, existingClaimName: `missing-${uniqueSuffix()}` },
    });
    const failure = expectFailure(
      await rejectionOf(run(activities.ensureSessionPvc, spec)),
      FailureType.PvcNotFound,
      true,
    );
    expect(failure.message).toContain(spec.pvc.existingClaimName);
  });

  test("an existing claim of another user's is refused, not mounted", async () => {
    const claimName = `foreign-${uniqueSuffix()}`;
    const spec = testSessionSpec({
      pvc: { enabled: true, size: '1Gi', deleteOnTerminate: true, existingClaimName: claimName },
    });
    try {
      await createUserClaim(claimName, 'someone-else');
      const failure = await run(activities.ensureSessionPvc, spec).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect((failure as ApplicationFailure).type).toBe('PvcNotOwned');
      expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    } finally {
      await cleanup(spec, [claimName]);
    }
  });

  test("an existing claim of the session's user is adopted as is and survives deleteSessionObjects even when asked to delete the PVC", async () => {
    const claimName = `shared-${uniqueSuffix()}`;
    const spec = testSessionSpec({
      pvc: { enabled: true, size: '1Gi', deleteOnTerminate: true, existingClaimName: claimName },
    });
    try {
      await createUserClaim(claimName, spec.user);
      expect(await run(activities.ensureSessionPvc, spec)).toEqual({ claimName });
      const own = sessionObjectNames(spec.user, spec.sessionId).pvc;
      await expect(core.readNamespacedPersistentVolumeClaim({ name: own, namespace })).rejects.toMatchObject({
        code: 404,
      });

      const result = await run(activities.deleteSessionObjects, spec, { deletePvc: true });
      expect(result.retainedPvc).toBe(claimName);
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace });
      expect(claim.metadata?.deletionTimestamp).toBeUndefined();
    } finally {
      await cleanup(spec, [claimName]);
    }
  });

  test('ensureSessionPvc returns null and creates nothing when the session has no PVC', async () => {
    const spec = testSessionSpec();
    expect(await run(activities.ensureSessionPvc, spec)).toBeNull();
    const own = sessionObjectNames(spec.user, spec.sessionId).pvc;
    await expect(core.readNamespacedPersistentVolumeClaim({ name: own, namespace })).rejects.toMatchObject({
      code: 404,
    });
  });
});

describe('waitForPodReady', () => {
  test('it resolves with the pod, its KWOK node and the Ready time, heartbeating while it waits', async () => {
    const spec = testSessionSpec();
    try {
      const created = await provision(spec);
      const env = new MockActivityEnvironment(undefined, { logger: quietTemporal });
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => heartbeats.push(d));
      const ready = await runIn(env, activities.waitForPodReady, spec, { timeoutSeconds: 60 });

      expect(ready.podName).toBe(created.podName);
      expect(ready.podUid).toBe(created.podUid);
      const node = await core.readNode({ name: ready.nodeName });
      expect(node.metadata?.annotations?.['kwok.x-k8s.io/node']).toBe('fake');
      expect(Number.isNaN(Date.parse(ready.readyAt))).toBe(false);
      expect(heartbeats.length).toBeGreaterThan(0);
      expect(heartbeats[0]).toMatchObject({ deadlineMs: expect.any(Number) });
    } finally {
      await cleanup(spec);
    }
  });

  test('it re-reads and re-watches the pod each time a watch ends, and still sees the pod turn Ready later', async () => {
    const spec = testSessionSpec();
    const name = sessionObjectNames(spec.user, spec.sessionId).pod;
    // Count the activity's "watch ended" log lines as they are written, so the test waits on them, not on time.
    let watchEnds = 0;
    let twoWatchesEnded!: () => void;
    const endedTwice = new Promise<void>((resolve) => (twoWatchesEnded = resolve));
    const logger = pino(
      { level: 'debug' },
      {
        write: (line: string) => {
          if (line.includes('pod watch ended') && ++watchEnds === 2) twoWatchesEnded();
        },
      },
    );
    const impatient = createSessionActivities({ clients, logger, podWatchTimeoutSeconds: 1 });
    try {
      // A scheduling gate holds the pod back until the test lifts it, long after the first watches ended.
      const held = buildSessionPod(spec);
      held.spec = { ...held.spec!, schedulingGates: [{ name: 'example.com/held-by-test' }] };
      await core.createNamespacedPod({ namespace, body: held });
      const { podUid } = await run(impatient.ensureSessionPod, spec);

      const waiting = run(impatient.waitForPodReady, spec, { timeoutSeconds: 60 });
      await endedTwice;
      await core.patchNamespacedPod(
        { name, namespace, body: [{ op: 'remove', path: '/spec/schedulingGates' }] },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      );
      const ready = await waiting;
      expect(ready.podUid).toBe(podUid);
      expect(watchEnds).toBeGreaterThanOrEqual(2);
    } finally {
      await cleanup(spec);
    }
  });

  test('a pod no node can take fails after the timeout as PodStartTimeout, with the scheduler’s reason in the message and the details', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      await provision(spec);
      const started = Date.now();
      const failure = expectFailure(
        await rejectionOf(run(activities.waitForPodReady, spec, { timeoutSeconds: 5 })),
        FailureType.PodStartTimeout,
        true,
      );
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(4_900);
      expect(elapsed).toBeLessThan(20_000);

      expect(failure.message).toMatch(/within 5 s/);
      expect(failure.message).toMatch(/PodScheduled=False \(Unschedulable: 0\/\d+ nodes are available/);
      expect(failure.message).toMatch(/didn't match Pod's node affinity\/selector/);
      expect(failure.message).toMatch(/Hint: No node can take the pod/);
      const diagnosis = failure.details?.[0] as PodDiagnosis;
      expect(diagnosis.phase).toBe('Pending');
      expect(diagnosis.conditions).toContainEqual(
        expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }),
      );
      expect(diagnosis.events.some((e) => e.reason === 'FailedScheduling')).toBe(true);
      // The diagnosis never carries the session's secrets.
      expect(JSON.stringify(failure.details)).not.toContain(spec.secrets.githubToken);
    } finally {
      await cleanup(spec);
    }
  });

  test('it fails fast as PodFailed when the pod is deleted while it waits, instead of running into the timeout', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      const { podName } = await provision(spec);
      const started = Date.now();
      const waiting = rejectionOf(run(activities.waitForPodReady, spec, { timeoutSeconds: 120 }));
      // Give the activity time to reach its watch, so the deletion arrives as a watch event.
      await eventually('the pod to be Unschedulable', async () => {
        const pod = await core.readNamespacedPod({ name: podName, namespace });
        return pod.status?.conditions?.some((c) => c.reason === 'Unschedulable') ? true : undefined;
      });
      await core.deleteNamespacedPod({ name: podName, namespace, gracePeriodSeconds: 0 });
      const failure = expectFailure(await waiting, FailureType.PodFailed, true);
      expect(failure.message).toMatch(/deleted/);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await cleanup(spec);
    }
  });

  test('it fails fast as PodFailed when the pod turns Failed while it waits', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      const { podName } = await provision(spec);
      const waiting = rejectionOf(run(activities.waitForPodReady, spec, { timeoutSeconds: 120 }));
      await core.patchNamespacedPodStatus(
        {
          name: podName,
          namespace,
          body: { status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      const failure = expectFailure(await waiting, FailureType.PodFailed, true);
      expect(failure.message).toMatch(/evicted/);
      expect(failure.message).toMatch(/low on resource: memory/);
    } finally {
      await cleanup(spec);
    }
  });

  test('cancelling the activity stops the wait with a CancelledFailure', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      await provision(spec);
      const env = new MockActivityEnvironment(undefined, { logger: quietTemporal });
      const waiting = rejectionOf(runIn(env, activities.waitForPodReady, spec, { timeoutSeconds: 120 }));
      // Cancel once the activity is demonstrably running (it heartbeats as soon as it starts).
      await new Promise<void>((resolve) => env.once('heartbeat', () => resolve()));
      env.cancel();
      expect(await waiting).toBeInstanceOf(CancelledFailure);
    } finally {
      await cleanup(spec);
    }
  });
});

describe('checkSessionPod', () => {
  test('it reports a running pod as ready and not lost, and a deleted pod as lost with reason deleted', async () => {
    const spec = testSessionSpec();
    try {
      await provision(spec);
      const ready = await run(activities.waitForPodReady, spec, { timeoutSeconds: 60 });
      const healthy = await run(activities.checkSessionPod, spec);
      expect(healthy).toMatchObject({ exists: true, ready: true, podUid: ready.podUid, phase: 'Running' });
      expect(healthy.lostReason).toBeUndefined();

      await run(activities.deleteSessionPod, spec, { graceSeconds: 0 });
      const gone = await run(activities.checkSessionPod, spec);
      expect(gone).toMatchObject({ exists: false, ready: false, lostReason: 'deleted' });
    } finally {
      await cleanup(spec);
    }
  });

  test.each([
    ['evicted', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }, /Evicted/],
    [
      'node_lost',
      { phase: 'Failed', reason: 'NodeLost', message: 'Node kwok-spot-a which was running pod is unresponsive' },
      /NodeLost/,
    ],
    [
      'oom_killed',
      {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'claude-code',
            image: 'example.invalid/agentapi:test',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      },
      /OOMKilled/,
    ],
    [
      'disruption',
      {
        conditions: [
          // Without a transition time the disruption controller treats the condition as stale and resets it to False at once.
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'PreemptionByScheduler',
            message: 'preempted',
            lastTransitionTime: new Date(),
          },
        ],
      },
      /PreemptionByScheduler/,
    ],
  ])('a pod whose status says %s is reported lost with that reason', async (lostReason, status, message) => {
    // The status is written by the test, standing in for a kubelet. The pod stays unscheduled so that
    // KWOK, which rewrites the status of pods on its nodes, cannot overwrite it.
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      const { podName } = await provision(spec);
      await core.patchNamespacedPodStatus(
        { name: podName, namespace, body: { status } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      );
      const check = await run(activities.checkSessionPod, spec);
      expect(check.exists).toBe(true);
      expect(check.lostReason).toBe(lostReason);
      expect(check.message).toMatch(message);
    } finally {
      await cleanup(spec);
    }
  });
});

describe('deleting a session', () => {
  test('deleteSessionPod and deleteSessionObjects leave nothing of the session but the PVC it was told to keep', async () => {
    const spec = testSessionSpec({ pvc: { enabled: true, storageClass, size: '1Gi', deleteOnTerminate: false } });
    const n = sessionObjectNames(spec.user, spec.sessionId);
    try {
      await provision(spec);
      await run(activities.waitForPodReady, spec, { timeoutSeconds: 60 });

      const env = new MockActivityEnvironment(undefined, { logger: quietTemporal });
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => heartbeats.push(d));
      await runIn(env, activities.deleteSessionPod, spec, { graceSeconds: spec.podStopGraceSeconds });
      expect(heartbeats.length).toBeGreaterThan(0);
      // deleteSessionPod returns only once the pod is gone, not merely marked for deletion.
      await expect(core.readNamespacedPod({ name: n.pod, namespace })).rejects.toMatchObject({ code: 404 });

      const result = await run(activities.deleteSessionObjects, spec, { deletePvc: false });
      expect(result.deleted.sort()).toEqual(
        [`ConfigMap/${n.configMap}`, `Secret/${n.credsSecret}`, `Secret/${n.mcpSecret}`, `Service/${n.service}`].sort(),
      );
      expect(result.retainedPvc).toBe(n.pvc);
      for (const read of [
        () => core.readNamespacedService({ name: n.service, namespace }),
        () => core.readNamespacedConfigMap({ name: n.configMap, namespace }),
        () => core.readNamespacedSecret({ name: n.credsSecret, namespace }),
        () => core.readNamespacedSecret({ name: n.mcpSecret, namespace }),
      ]) {
        await expect(read()).rejects.toMatchObject({ code: 404 });
      }
      const pvc = await core.readNamespacedPersistentVolumeClaim({ name: n.pvc, namespace });
      expect(pvc.metadata?.deletionTimestamp).toBeUndefined();

      // A later cleanup that is told to drop the volume does so; running it twice is harmless.
      const second = await run(activities.deleteSessionObjects, spec, { deletePvc: true });
      expect(second).toEqual({ deleted: [`PersistentVolumeClaim/${n.pvc}`] });
      expect(await run(activities.deleteSessionObjects, spec, { deletePvc: true })).toEqual({ deleted: [] });
      await eventually('the PVC to be gone', () =>
        core.readNamespacedPersistentVolumeClaim({ name: n.pvc, namespace }).then(
          () => undefined,
          (err: unknown) => ((err as { code?: number }).code === 404 ? true : undefined),
        ),
      );
    } finally {
      await cleanup(spec);
    }
  });

  test('deleteSessionPod on a session whose pod is already gone returns at once', async () => {
    const spec = testSessionSpec();
    await run(activities.deleteSessionPod, spec, { graceSeconds: 5 });
    expect(await run(activities.checkSessionPod, spec)).toMatchObject({ exists: false, lostReason: 'deleted' });
  });

  test('deleteSessionPod leaves a same-named pod of another session alone', async () => {
    const spec = testSessionSpec();
    const other = testSessionSpec();
    const n = sessionObjectNames(spec.user, spec.sessionId);
    try {
      // A pod with this session's name but another session's id: built for `other`, renamed.
      const foreign = buildSessionPod(other);
      foreign.metadata = { ...foreign.metadata, name: n.pod };
      await core.createNamespacedPod({ namespace, body: foreign });
      await run(activities.deleteSessionPod, spec, { graceSeconds: 0 });
      const still = await core.readNamespacedPod({ name: n.pod, namespace });
      expect(still.metadata?.labels?.[SESSION_ID_LABEL]).toBe(other.sessionId);
    } finally {
      await cleanup(spec);
    }
  });
});

describe('recordAudit', () => {
  test('it writes one JSON line per transition and drops detail keys that look like secrets', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const audited = createSessionActivities({ clients, logger });
    await run(audited.recordAudit, {
      sessionId: 's-1',
      user: 'alice',
      from: 'creating',
      to: 'running',
      reason: 'pod ready',
      at: '2026-01-01T00:00:00.000Z',
      detail: { nodeName: 'kwok-ondemand-a', githubToken: 'ghp_leak', restartCount: 0 },
    });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({
      audit: true,
      sessionId: 's-1',
      user: 'alice',
      from: 'creating',
      to: 'running',
      reason: 'pod ready',
      at: '2026-01-01T00:00:00.000Z',
      detail: { nodeName: 'kwok-ondemand-a', restartCount: 0 },
    });
    expect(lines[0]).not.toContain('ghp_leak');
  });
});

describe('classifying Kubernetes errors', () => {
  const op = { verb: 'create', kind: 'Pod', namespace } as const;

  test('a request Pod Security Admission refuses becomes a non-retryable KubernetesForbidden naming the object and verb', async () => {
    const name = `privileged-${uniqueSuffix()}`;
    const err = await rejectionOf(
      core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name },
          spec: { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] },
        },
      }),
    );
    const failure = expectFailure(toKubeFailure(err, { ...op, name }), FailureType.Forbidden, true);
    expect(failure.message).toContain(`create Pod ${namespace}/${name}`);
    expect(failure.message).toMatch(/violates PodSecurity/);
  });

  test('an invalid object becomes a non-retryable KubernetesInvalid', async () => {
    const err = await rejectionOf(
      core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'Not_A_Valid_Name' } } }),
    );
    expectFailure(
      toKubeFailure(err, { ...op, kind: 'ConfigMap', name: 'Not_A_Valid_Name' }),
      FailureType.Invalid,
      true,
    );
  });

  test('a create that conflicts with an existing object is transient, and so is an unreachable API server', async () => {
    const name = `conflict-${uniqueSuffix()}`;
    try {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name } } });
      const conflict = await rejectionOf(core.createNamespacedConfigMap({ namespace, body: { metadata: { name } } }));
      expectFailure(toKubeFailure(conflict, { ...op, kind: 'ConfigMap', name }), FailureType.Transient, false);
    } finally {
      await core.deleteNamespacedConfigMap({ name, namespace }).catch(ignore404);
    }

    const unreachable = new k8s.KubeConfig();
    unreachable.loadFromClusterAndUser(
      { name: 'nowhere', server: 'https://127.0.0.1:1', skipTLSVerify: true },
      { name: 'nobody' },
    );
    const networkError = await rejectionOf(
      unreachable.makeApiClient(k8s.CoreV1Api).readNamespacedPod({ name: 'x', namespace }),
    );
    const failure = expectFailure(
      toKubeFailure(networkError, { ...op, verb: 'get', name: 'x' }),
      FailureType.Transient,
      false,
    );
    expect(failure.message).toContain(`get Pod ${namespace}/x`);
  });
});
