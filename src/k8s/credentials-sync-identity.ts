/**
 * The credentials-sync sidecar's own Kubernetes identity, one per session: a ServiceAccount, a Role that
 * may `get` and `update` the session's credentials Secret and nothing else (resourceNames), and the
 * RoleBinding between them. Its token reaches the sidecar alone: the pod does not automount a token (the
 * agent must not get one), and a projected token volume is mounted into the credentials-sync container
 * only. So a session shell holds no Kubernetes credential, and the sidecar's credential opens one Secret.
 *
 * The three objects carry the session's labels and are owned by the credentials Secret (ownerReference):
 * the session's cleanup deletes them by name, and the garbage collector removes them with the Secret if
 * a cleanup never ran (the reconciler deletes orphaned session Secrets).
 */
import type * as k8s from '@kubernetes/client-node';
import type { SessionSpec } from '../../workflows/contract/spec.js';
import { sessionObjectNames, userLabelValue } from './names.js';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL, USER_ANNOTATION, USER_LABEL } from './labels.js';

/** Where the projected token is mounted in the credentials-sync container. */
export const CREDENTIALS_SYNC_TOKEN_DIR = '/var/run/secrets/credentials-sync';
export const CREDENTIALS_SYNC_TOKEN_VOLUME = 'credentials-sync-token';
/** Short-lived; the kubelet refreshes the projected token before it expires. */
const TOKEN_SECONDS = 3600;

/** The name of the session's ServiceAccount, Role and RoleBinding. */
export function credentialsSyncName(spec: Pick<SessionSpec, 'user' | 'sessionId'>): string {
  return `${sessionObjectNames(spec.user, spec.sessionId).base}-credsync`;
}

function metadata(spec: SessionSpec, owner: k8s.V1Secret): k8s.V1ObjectMeta {
  return {
    name: credentialsSyncName(spec),
    namespace: spec.namespace,
    // The session labels (as ./manifests.ts sets them), so ownership checks and cleanup treat them alike.
    labels: { [APP_LABEL]: SESSION_APP, [USER_LABEL]: userLabelValue(spec.user), [SESSION_ID_LABEL]: spec.sessionId },
    annotations: { [USER_ANNOTATION]: spec.user },
    ownerReferences: owner.metadata?.uid
      ? [{ apiVersion: 'v1', kind: 'Secret', name: owner.metadata.name!, uid: owner.metadata.uid }]
      : undefined,
  };
}

export function buildCredentialsSyncServiceAccount(spec: SessionSpec, owner: k8s.V1Secret): k8s.V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(spec, owner),
    // Tokens only by projection into the one container; none as a Secret, none automounted.
    automountServiceAccountToken: false,
  };
}

export function buildCredentialsSyncRole(spec: SessionSpec, owner: k8s.V1Secret): k8s.V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: metadata(spec, owner),
    rules: [
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: [sessionObjectNames(spec.user, spec.sessionId).credsSecret],
        verbs: ['get', 'update'],
      },
    ],
  };
}

export function buildCredentialsSyncRoleBinding(spec: SessionSpec, owner: k8s.V1Secret): k8s.V1RoleBinding {
  const name = credentialsSyncName(spec);
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: metadata(spec, owner),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: spec.namespace }],
  };
}

/** The pod's projected token volume; mounted by the credentials-sync container alone. */
export function credentialsSyncTokenVolume(): k8s.V1Volume {
  return {
    name: CREDENTIALS_SYNC_TOKEN_VOLUME,
    projected: {
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: TOKEN_SECONDS } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }], optional: true } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}
