/** What a session left in the stack's cluster, found by its `session-id` label. */
import { SESSION_ID_LABEL } from '../../src/k8s/labels.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { stackEnv, stackKubeConfig } from './stack.js';
import { eventually } from './wait.js';

const { core } = createKubeClients(stackKubeConfig());

/** Every object in the session namespace labelled with the session's id, as sorted `Kind/name`. */
export async function sessionObjects(
  sessionId: string,
  namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE,
): Promise<string[]> {
  const labelSelector = `${SESSION_ID_LABEL}=${sessionId}`;
  const [pods, services, configMaps, secrets, pvcs] = await Promise.all([
    core.listNamespacedPod({ namespace, labelSelector }),
    core.listNamespacedService({ namespace, labelSelector }),
    core.listNamespacedConfigMap({ namespace, labelSelector }),
    core.listNamespacedSecret({ namespace, labelSelector }),
    core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }),
  ]);
  return [
    ...pods.items.map((o) => `Pod/${o.metadata?.name}`),
    ...services.items.map((o) => `Service/${o.metadata?.name}`),
    ...configMaps.items.map((o) => `ConfigMap/${o.metadata?.name}`),
    ...secrets.items.map((o) => `Secret/${o.metadata?.name}`),
    ...pvcs.items.map((o) => `PersistentVolumeClaim/${o.metadata?.name}`),
  ].sort();
}

/** The session's objects once deletions have settled (pods and claims go through finalizers). */
export async function settledObjects(sessionId: string, expected: string[], namespace?: string): Promise<string[]> {
  return eventually(
    `the objects of session ${sessionId} to be ${JSON.stringify(expected)}`,
    async () => {
      const found = await sessionObjects(sessionId, namespace);
      return JSON.stringify(found) === JSON.stringify(expected) ? found : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch(async () => sessionObjects(sessionId, namespace));
}

/** For `.catch()` on a delete: a missing object is already deleted. */
export const ignore404 = (err: unknown): void => {
  if ((err as { code?: number }).code !== 404) throw err;
};

/** Deletes whatever a test may have left of a session, whoever owns it (and any extra claims named). */
export async function removeSessionObjects(
  session: { user: string; sessionId: string },
  extraPvcs: string[] = [],
): Promise<void> {
  const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
  const n = sessionObjectNames(session.user, session.sessionId);
  await Promise.all([
    core.deleteNamespacedPod({ name: n.pod, namespace, gracePeriodSeconds: 0 }).catch(ignore404),
    core.deleteNamespacedService({ name: n.service, namespace }).catch(ignore404),
    core.deleteNamespacedConfigMap({ name: n.configMap, namespace }).catch(ignore404),
    core.deleteNamespacedSecret({ name: n.credsSecret, namespace }).catch(ignore404),
    core.deleteNamespacedSecret({ name: n.mcpSecret, namespace }).catch(ignore404),
    ...[n.pvc, ...extraPvcs].map((name) =>
      core.deleteNamespacedPersistentVolumeClaim({ name, namespace }).catch(ignore404),
    ),
  ]);
}
