/**
 * The activity that deletes a session's objects at its end: Service, ConfigMap, Secrets, the claim when
 * asked, and any warm pod it claimed. Only the session's own objects go; a 404 counts as done.
 */
import type * as k8s from '@kubernetes/client-node';
import { credentialsSyncName } from '../src/k8s/credentials-sync-identity.js';
import type { KubeClients } from '../src/k8s/client.js';
import { sessionObjectNames } from '../src/k8s/names.js';
import type { BaseActivities } from './event-driven.js';
import type { OwnedObjects } from './owned-objects.js';
import type { DeleteObjectsResult } from '../workflows/contract/activities.js';
import { deleteSessionWarmPods } from './warm-claim.js';

/** Kind, name, read and delete of one of the session's objects. */
type DeleteTarget = [string, string, () => Promise<k8s.KubernetesObject>, (b: k8s.V1DeleteOptions) => Promise<unknown>];

export function deleteObjectsActivity(
  core: KubeClients['core'],
  { deleteOwned }: OwnedObjects,
  rbac: k8s.RbacAuthorizationV1Api,
): Pick<BaseActivities, 'deleteSessionObjects'> {
  return {
    async deleteSessionObjects(spec, { deletePvc }) {
      const names = sessionObjectNames(spec.user, spec.sessionId);
      const credsync = credentialsSyncName(spec);
      const namespace = spec.namespace;
      const deleted: string[] = [];
      const targets: DeleteTarget[] = [
        [
          'Service',
          names.service,
          () => core.readNamespacedService({ name: names.service, namespace }),
          (body) => core.deleteNamespacedService({ name: names.service, namespace, body }),
        ],
        [
          'ConfigMap',
          names.configMap,
          () => core.readNamespacedConfigMap({ name: names.configMap, namespace }),
          (body) => core.deleteNamespacedConfigMap({ name: names.configMap, namespace, body }),
        ],
        [
          'Secret',
          names.mcpSecret,
          () => core.readNamespacedSecret({ name: names.mcpSecret, namespace }),
          (body) => core.deleteNamespacedSecret({ name: names.mcpSecret, namespace, body }),
        ],
        // credentials-sync's identity: its Secret's garbage collection would remove it too, but only later.
        // Deleted before that Secret (below), so the collector, woken by the Secret's deletion, cannot take
        // them between our read and our delete: the result then names every object this cleanup removed.
        [
          'RoleBinding',
          credsync,
          () => rbac.readNamespacedRoleBinding({ name: credsync, namespace }),
          (body) => rbac.deleteNamespacedRoleBinding({ name: credsync, namespace, body }),
        ],
        [
          'Role',
          credsync,
          () => rbac.readNamespacedRole({ name: credsync, namespace }),
          (body) => rbac.deleteNamespacedRole({ name: credsync, namespace, body }),
        ],
        [
          'ServiceAccount',
          credsync,
          () => core.readNamespacedServiceAccount({ name: credsync, namespace }),
          (body) => core.deleteNamespacedServiceAccount({ name: credsync, namespace, body }),
        ],
      ];
      let retainedPvc: string | undefined;
      if (spec.pvc.enabled && spec.pvc.existingClaimName) {
        // An adopted claim outlives every session that mounts it.
        retainedPvc = spec.pvc.existingClaimName;
      } else if (spec.pvc.enabled && !deletePvc) {
        retainedPvc = names.pvc;
      } else if (deletePvc) {
        // Also when the spec says no PVC: a retried cleanup must not leave one that an earlier spec created.
        targets.push([
          'PersistentVolumeClaim',
          names.pvc,
          () => core.readNamespacedPersistentVolumeClaim({ name: names.pvc, namespace }),
          (body) => core.deleteNamespacedPersistentVolumeClaim({ name: names.pvc, namespace, body }),
        ]);
      }
      const credentialsSecret: DeleteTarget = [
        'Secret',
        names.credsSecret,
        () => core.readNamespacedSecret({ name: names.credsSecret, namespace }),
        (body) => core.deleteNamespacedSecret({ name: names.credsSecret, namespace, body }),
      ];
      const deleteTarget = async ([kind, name, read, remove]: DeleteTarget) =>
        (await deleteOwned(spec, kind, name, read, remove)) ? [`${kind}/${name}`] : [];
      // Independent objects, deleted side by side: one read-and-delete's time instead of one per object.
      // The credentials Secret once its dependents are gone (a failure before then keeps it, so a retry
      // still finds the identity under its owner). Every deletion is let to finish before a failure is
      // reported, so a retry never races this attempt.
      const outcomes = await Promise.allSettled([
        ...targets.map(deleteTarget),
        deleteSessionWarmPods(core, namespace, spec.sessionId),
      ]);
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) throw failed.reason;
      for (const outcome of outcomes) deleted.push(...(outcome as PromiseFulfilledResult<string[]>).value);
      deleted.push(...(await deleteTarget(credentialsSecret)));
      const result: DeleteObjectsResult = { deleted, ...(retainedPvc ? { retainedPvc } : {}) };
      return result;
    },
  };
}
