/**
 * provisionSession, the one activity that creates a session's objects, against
 * the real stack: what it creates, and in which order it lets a refusal stop it. The pod mounts the
 * Secrets, the ConfigMap and the claim, so it is created only once they are the session's own; the
 * Service only selects the pod and is created beside everything.
 */
import { sessionObjectNames } from '../../src/k8s/names.js';
import { SESSION_ID_LABEL } from '../../src/k8s/labels.js';
import { FailureType } from '../../workflows/contract/activities.js';
import { testSessionSpec } from '../support/session-spec.js';
import {
  activities,
  cleanup,
  deletePod,
  core,
  expectFailure,
  namespace,
  rejectionOf,
  run,
  storageClass,
} from '../support/session-activities.js';

const statusOf = (read: Promise<unknown>) =>
  read.then(
    () => 200,
    (err: unknown) => (err as { code?: number }).code,
  );

test('it creates every object of the session, and a second run adopts them and answers the same', async () => {
  const spec = testSessionSpec({ pvc: { enabled: true, storageClass, size: '1Gi', deleteOnTerminate: true } });
  const n = sessionObjectNames(spec.user, spec.sessionId);
  try {
    const first = await run(activities.provisionSession, spec);
    expect(first).toEqual({ podName: n.pod, podUid: expect.any(String), serviceName: n.service, claimName: n.pvc });
    const [pod, service] = await Promise.all([
      core.readNamespacedPod({ name: n.pod, namespace }),
      core.readNamespacedService({ name: n.service, namespace }),
    ]);
    expect(pod.metadata?.uid).toBe(first.podUid);
    expect(service.spec?.selector).toMatchObject({ [SESSION_ID_LABEL]: spec.sessionId });
    for (const read of [
      core.readNamespacedSecret({ name: n.credsSecret, namespace }),
      core.readNamespacedSecret({ name: n.mcpSecret, namespace }),
      core.readNamespacedConfigMap({ name: n.configMap, namespace }),
      core.readNamespacedPersistentVolumeClaim({ name: n.pvc, namespace }),
    ]) {
      expect(await statusOf(read)).toBe(200);
    }

    // Temporal may run the activity again (a lost completion): it adopts what the first run made.
    expect(await run(activities.provisionSession, spec)).toEqual(first);
  } finally {
    await cleanup(spec);
  }
});

test("a Secret of the session's name that is another session's stops it before any pod exists", async () => {
  const spec = testSessionSpec();
  const n = sessionObjectNames(spec.user, spec.sessionId);
  try {
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: n.credsSecret, labels: { [SESSION_ID_LABEL]: 'someone-else' } },
        stringData: { x: 'y' },
      },
    });
    const failure = expectFailure(
      await rejectionOf(run(activities.provisionSession, spec)),
      FailureType.ForeignObjectConflict,
      true,
    );
    expect(failure.message).toContain(n.credsSecret);
    // The pod would have mounted someone else's Secret.
    expect(await statusOf(core.readNamespacedPod({ name: n.pod, namespace }))).toBe(404);
    // Every create had finished when it failed: nothing lands after the workflow's compensation.
    expect(await statusOf(core.readNamespacedService({ name: n.service, namespace }))).toBe(200);
  } finally {
    await cleanup(spec);
  }
});

test("a Service of the session's name that is another session's fails it without retry and is left alone", async () => {
  const spec = testSessionSpec();
  const n = sessionObjectNames(spec.user, spec.sessionId);
  try {
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: n.service, labels: { [SESSION_ID_LABEL]: 'someone-else' } },
        spec: { ports: [{ port: 80 }], selector: { app: 'not-this-session' } },
      },
    });
    const failure = expectFailure(
      await rejectionOf(run(activities.provisionSession, spec)),
      FailureType.ForeignObjectConflict,
      true,
    );
    expect(failure.message).toContain(n.service);
    expect(failure.message).toContain('someone-else');

    // The session's cleanup (what the workflow's compensation runs) takes its own objects, not the Service.
    await deletePod(spec, 0);
    const result = await run(activities.deleteSessionObjects, spec, { deletePvc: true });
    expect(result.deleted).not.toContain(`Service/${n.service}`);
    expect(await statusOf(core.readNamespacedPod({ name: n.pod, namespace }))).toBe(404);
    const kept = await core.readNamespacedService({ name: n.service, namespace });
    expect(kept.spec?.selector).toEqual({ app: 'not-this-session' });
  } finally {
    await cleanup(spec);
  }
});
