/**
 * Pure builders of a session's Kubernetes objects (the agent pod with its sidecars, optionally native
 * sidecars and gVisor): a SessionSpec in, typed client-node objects out. No I/O, so they are unit-tested
 * exhaustively and every activity that creates an object creates exactly this.
 */
import type * as k8s from '@kubernetes/client-node';
import type { SessionSpec, StorageBounds } from '../../workflows/contract/spec.js';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL, USER_ANNOTATION, USER_LABEL } from './labels.js';
import {
  CREDENTIALS_SYNC_TOKEN_DIR,
  CREDENTIALS_SYNC_TOKEN_VOLUME,
  credentialsSyncName,
  credentialsSyncTokenVolume,
} from './credentials-sync-identity.js';
import { sessionObjectNames, userLabelValue } from './names.js';

export const AGENT_PORT = 9000;
export const METRICS_PORT = 9090;
export const OTEL_PROMETHEUS_PORT = 9464;
const HOME = '/home/agentapi';
const RUN_AS = 999;
const SIDECAR_RESOURCES: k8s.V1ResourceRequirements = {
  requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
  limits: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
};
/** Bounds for specs recorded before they were configurable: the documented defaults. */
const DEFAULT_STORAGE: StorageBounds = { ephemeralRequest: '1Gi', ephemeralLimit: '8Gi', emptyDirSizeLimit: '4Gi' };
/** Prefix of the credentials Secret's keys that hold `secret_env` values (env names cannot contain '.'). */
export const SECRET_ENV_KEY_PREFIX = 'env.';

/** The three labels every session object carries. */
export function sessionLabels(spec: Pick<SessionSpec, 'user' | 'sessionId'>): Record<string, string> {
  return { [APP_LABEL]: SESSION_APP, [USER_LABEL]: userLabelValue(spec.user), [SESSION_ID_LABEL]: spec.sessionId };
}

function metadata(spec: SessionSpec, name: string): k8s.V1ObjectMeta {
  return {
    name,
    namespace: spec.namespace,
    labels: sessionLabels(spec),
    annotations: { [USER_ANNOTATION]: spec.user },
  };
}

/** The claim the pod mounts, or undefined when the session has no persistent workspace. */
export function sessionClaimName(spec: SessionSpec): string | undefined {
  if (!spec.pvc.enabled) return undefined;
  return spec.pvc.existingClaimName ?? sessionObjectNames(spec.user, spec.sessionId).pvc;
}

export function buildCredentialsSecret(spec: SessionSpec): k8s.V1Secret {
  const names = sessionObjectNames(spec.user, spec.sessionId);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(spec, names.credsSecret),
    type: 'Opaque',
    // credentials-sync writes the agent's refreshed credentials back into this key.
    stringData: {
      'github-token': spec.secrets.githubToken ?? '',
      'credentials.json': '{}',
      ...Object.fromEntries(
        Object.entries(spec.secrets.env ?? {}).map(([name, value]) => [`${SECRET_ENV_KEY_PREFIX}${name}`, value]),
      ),
    },
  };
}

export function buildMcpSecret(spec: SessionSpec): k8s.V1Secret {
  const names = sessionObjectNames(spec.user, spec.sessionId);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(spec, names.mcpSecret),
    type: 'Opaque',
    stringData: { 'mcp-servers.json': spec.secrets.mcpServersJson ?? '{}' },
  };
}

/**
 * Non-secret session settings, readable by the agent and by an operator with `kubectl get cm`. It holds no
 * user env value at all (only their names): values go to the pod spec (`config.env`, non-secret by
 * contract) or stay in the Secret (`secret_env`).
 */
export function buildSessionConfigMap(spec: SessionSpec): k8s.V1ConfigMap {
  const names = sessionObjectNames(spec.user, spec.sessionId);
  const session = {
    sessionId: spec.sessionId,
    user: spec.user,
    image: spec.image,
    timeoutMinutes: spec.timeoutMinutes,
    maxLifetimeMinutes: spec.maxLifetimeMinutes,
    envNames: Object.keys(spec.env).sort(),
    secretEnvNames: Object.keys(spec.secrets.env ?? {}).sort(),
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(spec, names.configMap),
    data: { 'session.json': JSON.stringify(session, null, 2) },
  };
}

/** The session's own workspace claim; undefined when no PVC is wanted or an existing claim is adopted. */
export function buildSessionPvc(spec: SessionSpec): k8s.V1PersistentVolumeClaim | undefined {
  if (!spec.pvc.enabled || spec.pvc.existingClaimName) return undefined;
  const names = sessionObjectNames(spec.user, spec.sessionId);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(spec, names.pvc),
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(spec.pvc.storageClass ? { storageClassName: spec.pvc.storageClass } : {}),
      resources: { requests: { storage: spec.pvc.size } },
    },
  };
}

const restrictedContainerSecurity: k8s.V1SecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Set only when the spec names one, so specs from before the setting keep the cluster's default. */
function pullPolicy(spec: SessionSpec): Pick<k8s.V1Container, 'imagePullPolicy'> {
  return spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {};
}

function sidecars(spec: SessionSpec, credsSecretName: string): k8s.V1Container[] {
  return [
    {
      name: 'otel-collector',
      image: spec.sidecarImages.otelCollector,
      ...pullPolicy(spec),
      ports: [
        { name: 'otel-metrics', containerPort: OTEL_PROMETHEUS_PORT },
        { name: 'metrics', containerPort: METRICS_PORT },
      ],
      resources: SIDECAR_RESOURCES,
      securityContext: restrictedContainerSecurity,
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    },
    {
      name: 'credentials-sync',
      image: spec.sidecarImages.credentialsSync,
      ...pullPolicy(spec),
      command: ['/bin/credentials-sync'],
      env: [
        { name: 'WATCH_FILE', value: `${HOME}/.claude/credentials.json` },
        { name: 'SECRET_NAME', value: credsSecretName },
        { name: 'SECRET_NAMESPACE', value: spec.namespace },
        { name: 'KUBERNETES_TOKEN_DIR', value: CREDENTIALS_SYNC_TOKEN_DIR },
      ],
      resources: SIDECAR_RESOURCES,
      securityContext: restrictedContainerSecurity,
      volumeMounts: [
        { name: 'workspace', mountPath: `${HOME}/.claude` },
        { name: 'tmp', mountPath: '/tmp' },
        // The sidecar's own token (see ./credentials-sync-identity.ts); no other container mounts it.
        { name: CREDENTIALS_SYNC_TOKEN_VOLUME, mountPath: CREDENTIALS_SYNC_TOKEN_DIR, readOnly: true },
      ],
    },
  ];
}

/** Spreads one user's sessions over nodes (preferred, so a small cluster still schedules them). */
function withUserAntiAffinity(spec: SessionSpec): k8s.V1Affinity {
  const given = (spec.placement.affinity ?? {}) as k8s.V1Affinity;
  const spread: k8s.V1WeightedPodAffinityTerm = {
    weight: 100,
    podAffinityTerm: {
      topologyKey: 'kubernetes.io/hostname',
      labelSelector: { matchLabels: { [APP_LABEL]: SESSION_APP, [USER_LABEL]: userLabelValue(spec.user) } },
    },
  };
  return {
    ...given,
    podAntiAffinity: {
      ...given.podAntiAffinity,
      preferredDuringSchedulingIgnoredDuringExecution: [
        ...(given.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
        spread,
      ],
    },
  };
}

export function buildSessionPod(spec: SessionSpec): k8s.V1Pod {
  const names = sessionObjectNames(spec.user, spec.sessionId);
  const claimName = sessionClaimName(spec);
  const storage = spec.storage ?? DEFAULT_STORAGE;
  const scratch: k8s.V1EmptyDirVolumeSource = { sizeLimit: storage.emptyDirSizeLimit };
  const main: k8s.V1Container = {
    name: 'claude-code',
    image: spec.image,
    ...pullPolicy(spec),
    ports: [{ name: 'agentapi', containerPort: AGENT_PORT }],
    readinessProbe: { httpGet: { path: '/status', port: 'agentapi' }, periodSeconds: 5, failureThreshold: 3 },
    resources: {
      requests: {
        cpu: spec.resources.cpuRequest,
        memory: spec.resources.memoryRequest,
        'ephemeral-storage': storage.ephemeralRequest,
      },
      limits: {
        cpu: spec.resources.cpuLimit,
        memory: spec.resources.memoryLimit,
        'ephemeral-storage': storage.ephemeralLimit,
      },
    },
    env: [
      { name: 'HOME', value: HOME },
      { name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: names.credsSecret, key: 'github-token' } } },
      ...Object.entries(spec.env)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => ({ name, value })),
      ...Object.keys(spec.secrets.env ?? {})
        .sort()
        .map((name) => ({
          name,
          valueFrom: { secretKeyRef: { name: names.credsSecret, key: `${SECRET_ENV_KEY_PREFIX}${name}` } },
        })),
    ],
    securityContext: restrictedContainerSecurity,
    volumeMounts: [
      { name: 'workspace', mountPath: `${HOME}/.claude` },
      { name: 'mcp-servers', mountPath: `${HOME}/.config/mcp-servers/mcp-servers.json`, subPath: 'mcp-servers.json' },
      // The root filesystem is read-only; the agent still needs scratch space.
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
  const sidecarContainers = sidecars(spec, names.credsSecret);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(spec, names.pod),
    spec: {
      // The session's own identity (credentials-sync's), unless an operator grants the agent a service account.
      serviceAccountName: spec.serviceAccountName ?? credentialsSyncName(spec),
      // The agent needs no Kubernetes API access unless an operator grants a service account: the session's
      // own token reaches credentials-sync alone, through its projected volume.
      automountServiceAccountToken: spec.serviceAccountName !== undefined,
      // Service links would list every other session's Service host and port in this pod's environment.
      enableServiceLinks: false,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: spec.podStopGraceSeconds,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: RUN_AS,
        runAsGroup: RUN_AS,
        fsGroup: RUN_AS,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      ...(spec.runtimeClassName ? { runtimeClassName: spec.runtimeClassName } : {}),
      ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
      // Native sidecars (init containers that keep running) start before and stop after the agent.
      ...(spec.nativeSidecars
        ? {
            initContainers: sidecarContainers.map((c) => ({ ...c, restartPolicy: 'Always' })),
            containers: [main],
          }
        : { containers: [main, ...sidecarContainers] }),
      nodeSelector: Object.keys(spec.placement.nodeSelector).length ? spec.placement.nodeSelector : undefined,
      tolerations: spec.placement.tolerations.length ? spec.placement.tolerations : undefined,
      affinity: withUserAntiAffinity(spec),
      volumes: [
        claimName
          ? { name: 'workspace', persistentVolumeClaim: { claimName } }
          : { name: 'workspace', emptyDir: scratch },
        { name: 'mcp-servers', secret: { secretName: names.mcpSecret } },
        { name: 'tmp', emptyDir: scratch },
        credentialsSyncTokenVolume(),
      ],
    },
  };
}

export function buildSessionService(spec: SessionSpec): k8s.V1Service {
  const names = sessionObjectNames(spec.user, spec.sessionId);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(spec, names.service),
    spec: {
      type: 'ClusterIP',
      selector: sessionLabels(spec),
      ports: [
        { name: 'agentapi', port: AGENT_PORT, targetPort: 'agentapi', protocol: 'TCP' },
        { name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' },
      ],
    },
  };
}

/** The in-cluster URL of the session's agent API. */
export function sessionUrl(spec: Pick<SessionSpec, 'user' | 'sessionId' | 'namespace'>): string {
  return `http://${sessionObjectNames(spec.user, spec.sessionId).service}.${spec.namespace}.svc.cluster.local:${AGENT_PORT}`;
}
