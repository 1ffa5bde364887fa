/**
 * For tests that create a session's pod themselves (from the real pod builder) instead of through
 * provisioning: the pod runs as the session's credentials-sync ServiceAccount, and the apiserver refuses
 * a pod naming one that does not exist. The product's own activity makes the credentials Secret and that
 * identity, so the pod such a test creates is the pod the orchestrator would create, with nothing relaxed.
 */
import { pino } from 'pino';
import { createSessionActivities } from '../../activities/index.js';
import { createKubeClients } from '../../src/k8s/client.js';
import type { SessionSpec } from '../../workflows/contract/spec.js';
import { stackKubeConfig } from './stack.js';

const activities = createSessionActivities({
  clients: createKubeClients(stackKubeConfig()),
  logger: pino({ level: 'silent' }),
});

/**
 * Creates (or adopts) the session's credentials Secret and the ServiceAccount, Role and RoleBinding it
 * owns, in the spec's namespace. Deleting that Secret removes the identity with it (garbage collection).
 */
export async function ensureSessionIdentity(spec: SessionSpec): Promise<void> {
  await activities.ensureCredentialsSecret(spec);
}
