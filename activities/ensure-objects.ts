/**
 * The creates (or adoptions) of each of a session's objects, one object per call: the pieces
 * provisionSession (./event-driven.ts) is built of. The workflow calls ensureSessionPod and
 * ensureSessionService itself (a recovery, a resume); the others only through provisionSession.
 */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { KubeClients } from '../src/k8s/client.js';
import { USER_ANNOTATION, USER_LABEL } from '../src/k8s/labels.js';
import {
  buildCredentialsSecret,
  buildMcpSecret,
  buildSessionConfigMap,
  buildSessionPod,
  buildSessionPvc,
  buildSessionService,
} from '../src/k8s/manifests.js';
import {
  buildCredentialsSyncRole,
  buildCredentialsSyncRoleBinding,
  buildCredentialsSyncServiceAccount,
  credentialsSyncName,
} from '../src/k8s/credentials-sync-identity.js';
import { sessionObjectNames, userLabelValue } from '../src/k8s/names.js';
import { isOwnedByUser } from '../src/k8s/ownership.js';
import { apiStatusOf, httpStatusOf, isNotFound, toKubeFailure } from './errors.js';
import { EnsurePodOptionsSchema, FailureType } from '../workflows/contract/activities.js';
import type { SessionSpec } from '../workflows/contract/spec.js';
import { parseActivityInput, type BaseActivities } from './event-driven.js';
import type { OwnedObjects } from './owned-objects.js';

/** The creates provisionSession is made of; idempotent each, so tests and tools may run them alone. */
export interface ObjectActivities {
  ensureCredentialsSecret(spec: SessionSpec): Promise<void>;
  ensureMcpSecret(spec: SessionSpec): Promise<void>;
  ensureSessionConfigMap(spec: SessionSpec): Promise<void>;
  /** Creates `<base>-pvc`, or checks that `spec.pvc.existingClaimName` exists; null when no PVC is used. */
  ensureSessionPvc(spec: SessionSpec): Promise<{ claimName: string } | null>;
}

type EnsureKeys =
  | 'ensureCredentialsSecret'
  | 'ensureMcpSecret'
  | 'ensureSessionConfigMap'
  | 'ensureSessionPvc'
  | 'ensureSessionPod'
  | 'ensureSessionService';

export function ensureObjectActivities(
  clients: Pick<KubeClients, 'core' | 'kc'>,
  { createOrAdopt }: OwnedObjects,
): Pick<BaseActivities, EnsureKeys> {
  const { core } = clients;
  const rbac = clients.kc.makeApiClient(k8s.RbacAuthorizationV1Api);

  /**
   * credentials-sync's ServiceAccount, Role (get/update of this Secret only) and RoleBinding, owned by the
   * credentials Secret (see src/k8s/credentials-sync-identity.ts). The ServiceAccount and the Role side by
   * side; the RoleBinding after the Role, because the apiserver authorizes a binding by reading the Role it
   * grants (the worker holds no `bind` verb), and refuses it with 404 while that Role does not exist yet.
   */
  async function ensureCredentialsSyncIdentity(spec: SessionSpec, secret: k8s.V1Secret): Promise<void> {
    const name = credentialsSyncName(spec);
    const namespace = spec.namespace;
    const made = await Promise.allSettled([
      createOrAdopt(
        spec,
        'ServiceAccount',
        name,
        () =>
          core.createNamespacedServiceAccount({ namespace, body: buildCredentialsSyncServiceAccount(spec, secret) }),
        () => core.readNamespacedServiceAccount({ name, namespace }),
      ),
      createOrAdopt(
        spec,
        'Role',
        name,
        () => rbac.createNamespacedRole({ namespace, body: buildCredentialsSyncRole(spec, secret) }),
        () => rbac.readNamespacedRole({ name, namespace }),
      ).then(() =>
        createOrAdopt(
          spec,
          'RoleBinding',
          name,
          () => rbac.createNamespacedRoleBinding({ namespace, body: buildCredentialsSyncRoleBinding(spec, secret) }),
          () => rbac.readNamespacedRoleBinding({ name, namespace }),
        ),
      ),
    ]);
    const failed = made.find((m): m is PromiseRejectedResult => m.status === 'rejected');
    if (failed) throw failed.reason;
  }

  return {
    async ensureCredentialsSecret(spec) {
      const { credsSecret: name } = sessionObjectNames(spec.user, spec.sessionId);
      const { object: secret } = await createOrAdopt(
        spec,
        'Secret',
        name,
        () => core.createNamespacedSecret({ namespace: spec.namespace, body: buildCredentialsSecret(spec) }),
        () => core.readNamespacedSecret({ name, namespace: spec.namespace }),
      );
      // With the Secret, since the pod (which names the ServiceAccount) is created once the Secrets exist.
      await ensureCredentialsSyncIdentity(spec, secret);
    },

    async ensureMcpSecret(spec) {
      const { mcpSecret: name } = sessionObjectNames(spec.user, spec.sessionId);
      await createOrAdopt(
        spec,
        'Secret',
        name,
        () => core.createNamespacedSecret({ namespace: spec.namespace, body: buildMcpSecret(spec) }),
        () => core.readNamespacedSecret({ name, namespace: spec.namespace }),
      );
    },

    async ensureSessionConfigMap(spec) {
      const { configMap: name } = sessionObjectNames(spec.user, spec.sessionId);
      await createOrAdopt(
        spec,
        'ConfigMap',
        name,
        () => core.createNamespacedConfigMap({ namespace: spec.namespace, body: buildSessionConfigMap(spec) }),
        () => core.readNamespacedConfigMap({ name, namespace: spec.namespace }),
      );
    },

    async ensureSessionPvc(spec) {
      if (!spec.pvc.enabled) return null;
      const existingClaim = spec.pvc.existingClaimName;
      if (existingClaim) {
        let claim: k8s.V1PersistentVolumeClaim;
        try {
          claim = await core.readNamespacedPersistentVolumeClaim({ name: existingClaim, namespace: spec.namespace });
        } catch (err) {
          if (isNotFound(err)) {
            throw ApplicationFailure.create({
              type: FailureType.PvcNotFound,
              nonRetryable: true,
              message: `PersistentVolumeClaim ${spec.namespace}/${existingClaim} (pvc.existingClaimName) does not exist; create it first or leave existingClaimName unset to get a fresh volume.`,
              details: [{ namespace: spec.namespace, claimName: existingClaim }],
            });
          }
          throw toKubeFailure(err, {
            verb: 'get',
            kind: 'PersistentVolumeClaim',
            namespace: spec.namespace,
            name: existingClaim,
          });
        }
        // A claim is somebody's workspace: mounting another user's would hand over their files.
        if (!isOwnedByUser(claim.metadata, spec.user)) {
          throw ApplicationFailure.create({
            type: FailureType.PvcNotOwned,
            nonRetryable: true,
            message: `PersistentVolumeClaim ${spec.namespace}/${existingClaim} (pvc.existingClaimName) does not belong to user ${spec.user}: only a claim labelled ${USER_LABEL}=${userLabelValue(spec.user)} can be reused, and only if its ${USER_ANNOTATION} annotation names the user.`,
            details: [{ namespace: spec.namespace, claimName: existingClaim }],
          });
        }
        return { claimName: existingClaim };
      }
      const { pvc: name } = sessionObjectNames(spec.user, spec.sessionId);
      const body = buildSessionPvc(spec);
      // Unreachable after the checks above; kept so a change in the builder's rules cannot create a nameless claim.
      if (!body) return null;
      await createOrAdopt(
        spec,
        'PersistentVolumeClaim',
        name,
        () => core.createNamespacedPersistentVolumeClaim({ namespace: spec.namespace, body }),
        () => core.readNamespacedPersistentVolumeClaim({ name, namespace: spec.namespace }),
      );
      return { claimName: name };
    },

    async ensureSessionPod(spec, options) {
      const generation = parseActivityInput(EnsurePodOptionsSchema, options)?.generation ?? 0;
      const { pod: base } = sessionObjectNames(spec.user, spec.sessionId);
      const name = generation > 0 ? `${base}-g${generation}` : base;
      const body = buildSessionPod(spec);
      body.metadata = { ...body.metadata, name };
      const create = () => core.createNamespacedPod({ namespace: spec.namespace, body });
      const { object: pod, adopted } = await createOrAdopt(
        spec,
        'Pod',
        name,
        // A session whose Secrets were made before credentials-sync had an identity (started by an earlier
        // release, then its pod replaced) has no ServiceAccount, and the apiserver refuses a pod naming a
        // missing one: the identity is made then, from the Secret that owns it, and the create repeated.
        // Only on that refusal, so a normal start costs no extra calls.
        () =>
          create().catch(async (err: unknown) => {
            if (spec.serviceAccountName !== undefined || !isMissingServiceAccount(err)) throw err;
            const { credsSecret } = sessionObjectNames(spec.user, spec.sessionId);
            const secret = await core.readNamespacedSecret({ name: credsSecret, namespace: spec.namespace });
            await ensureCredentialsSyncIdentity(spec, secret);
            return create();
          }),
        () => core.readNamespacedPod({ name, namespace: spec.namespace }),
      );
      if (adopted && pod.metadata?.deletionTimestamp) {
        // The previous pod (e.g. before a restart) is still shutting down; a retry creates its successor.
        throw ApplicationFailure.retryable(
          `Pod ${spec.namespace}/${name} from an earlier attempt is still terminating; will create the new pod once it is gone`,
          FailureType.Transient,
          { kind: 'Pod', namespace: spec.namespace, name },
        );
      }
      return { podName: name, podUid: pod.metadata?.uid ?? '' };
    },

    async ensureSessionService(spec) {
      const { service: name } = sessionObjectNames(spec.user, spec.sessionId);
      await createOrAdopt(
        spec,
        'Service',
        name,
        () => core.createNamespacedService({ namespace: spec.namespace, body: buildSessionService(spec) }),
        () => core.readNamespacedService({ name, namespace: spec.namespace }),
      );
    },
  };
}

/** The ServiceAccount admission plugin's refusal of a pod whose ServiceAccount does not exist. */
function isMissingServiceAccount(err: unknown): boolean {
  return httpStatusOf(err) === 403 && /error looking up service account/i.test(apiStatusOf(err).message ?? '');
}
