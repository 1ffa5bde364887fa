/**
 * The session activities that create, adopt and delete session objects, against the real stack (the
 * pod waits: pod-wait-activities.test.ts): a kube-apiserver with scheduler, Pod Security
 * Admission and KWOK nodes. Activities run inside MockActivityEnvironment only to get an activity
 * Context (heartbeats, cancellation); every Kubernetes call is real.
 */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { toKubeFailure } from '../../activities/errors.js';
import { FailureType } from '../../workflows/contract/activities.js';
import { credentialsSyncName } from '../../src/k8s/credentials-sync-identity.js';
import { buildSessionPod } from '../../src/k8s/manifests.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL } from '../../src/k8s/labels.js';
import { testSessionSpec } from '../support/session-spec.js';
import { uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { ignore404 } from '../support/cluster.js';
import {
  activities,
  cleanup,
  deletePod,
  core,
  createUserClaim,
  expectFailure,
  namespace,
  podReady,
  provision,
  rejectionOf,
  run,
  storageClass,
} from '../support/session-activities.js';

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

describe('deleting a session', () => {
  test('requestPodDeletion and deleteSessionObjects leave nothing of the session but the PVC it was told to keep', async () => {
    const spec = testSessionSpec({ pvc: { enabled: true, storageClass, size: '1Gi', deleteOnTerminate: false } });
    const n = sessionObjectNames(spec.user, spec.sessionId);
    try {
      await provision(spec);
      await podReady(spec);

      await deletePod(spec, spec.podStopGraceSeconds);

      const result = await run(activities.deleteSessionObjects, spec, { deletePvc: false });
      // credentials-sync's identity goes with the session's Secrets.
      const identity = credentialsSyncName(spec);
      expect(result.deleted.sort()).toEqual(
        [
          `ConfigMap/${n.configMap}`,
          `Secret/${n.credsSecret}`,
          `Secret/${n.mcpSecret}`,
          `Service/${n.service}`,
          `ServiceAccount/${identity}`,
          `Role/${identity}`,
          `RoleBinding/${identity}`,
        ].sort(),
      );
      expect(result.retainedPvc).toBe(n.pvc);
      for (const read of [
        () => core.readNamespacedService({ name: n.service, namespace }),
        () => core.readNamespacedConfigMap({ name: n.configMap, namespace }),
        () => core.readNamespacedSecret({ name: n.credsSecret, namespace }),
        () => core.readNamespacedSecret({ name: n.mcpSecret, namespace }),
        () => core.readNamespacedServiceAccount({ name: identity, namespace }),
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

  test('requestPodDeletion on a session whose pod is already gone says there was none', async () => {
    const spec = testSessionSpec();
    expect(await run(activities.requestPodDeletion, spec, { graceSeconds: 5 })).toEqual({ podUid: null });
    expect(await run(activities.checkSessionPod, spec)).toMatchObject({ exists: false, lostReason: 'deleted' });
  });

  test('requestPodDeletion leaves a same-named pod of another session alone', async () => {
    const spec = testSessionSpec();
    const other = testSessionSpec();
    const n = sessionObjectNames(spec.user, spec.sessionId);
    try {
      // A pod with this session's name but another session's id: built for `other`, renamed. Its
      // credentials Secret first, which brings the ServiceAccount the pod runs as.
      await run(activities.ensureCredentialsSecret, other);
      const foreign = buildSessionPod(other);
      foreign.metadata = { ...foreign.metadata, name: n.pod };
      await core.createNamespacedPod({ namespace, body: foreign });
      await run(activities.requestPodDeletion, spec, { graceSeconds: 0 });
      const still = await core.readNamespacedPod({ name: n.pod, namespace });
      expect(still.metadata?.labels?.[SESSION_ID_LABEL]).toBe(other.sessionId);
    } finally {
      await cleanup(spec);
      await cleanup(other);
    }
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
