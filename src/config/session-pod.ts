/**
 * The session pods: namespace, images, resources, workspace claim, placement, start and stop timeouts, restart
 * budget, priority (for overprovisioning placeholders to yield to) and image pull policy.
 */
import { z } from 'zod';
import { ImagePullPolicySchema, QuantitySchema, TolerationSchema } from '../../workflows/contract/spec.js';
import { S, bool, int, seconds, json, optionalString, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc(`${S}NAMESPACE`, 'agentapi-sessions', 'Namespace the session objects are created in')]: z
    .string()
    .min(1)
    .default('agentapi-sessions'),
  [doc(`${S}IMAGE`, 'ghcr.io/takutakahashi/agentapi-proxy:v1.191.0', 'Image of the claude-code container')]: z
    .string()
    .min(1)
    .default('ghcr.io/takutakahashi/agentapi-proxy:v1.191.0'),
  [doc(`${S}OTEL_IMAGE`, 'otel/opentelemetry-collector-contrib:0.143.1', 'Image of the otel-collector sidecar')]: z
    .string()
    .min(1)
    .default('otel/opentelemetry-collector-contrib:0.143.1'),
  [doc(`${S}CREDENTIALS_SYNC_IMAGE`, '(the session image)', 'Image of the credentials-sync sidecar')]: optionalString,
  [doc(`${S}CPU_REQUEST`, '500m', 'CPU request of the agent container')]: QuantitySchema.default('500m'),
  [doc(`${S}CPU_LIMIT`, '2', 'CPU limit of the agent container')]: QuantitySchema.default('2'),
  [doc(`${S}MEMORY_REQUEST`, '512Mi', 'Memory request of the agent container')]: QuantitySchema.default('512Mi'),
  [doc(`${S}MEMORY_LIMIT`, '4Gi', 'Memory limit of the agent container')]: QuantitySchema.default('4Gi'),
  [doc(`${S}MAX_CPU_LIMIT`, '4', 'Largest CPU request/limit a create request may ask for')]:
    QuantitySchema.default('4'),
  [doc(`${S}MAX_MEMORY_LIMIT`, '8Gi', 'Largest memory request/limit a create request may ask for')]:
    QuantitySchema.default('8Gi'),
  [doc(`${S}PVC_ENABLED`, 'false', 'Give sessions a persistent workspace (PVC)')]: bool(false),
  [doc(`${S}PVC_STORAGE_CLASS`, '(cluster default)', 'StorageClass of session PVCs')]: optionalString,
  [doc(`${S}PVC_STORAGE_SIZE`, '10Gi', 'Size of session PVCs')]: QuantitySchema.default('10Gi'),
  [doc(`${S}PVC_RECLAIM_POLICY`, 'Delete', 'Delete or Retain the PVC when a session ends (a terminate may override)')]:
    z.enum(['Delete', 'Retain'], { error: 'must be Delete or Retain' }).default('Delete'),
  [doc(`${S}NODE_SELECTOR`, '{}', 'JSON object: nodeSelector of session pods')]: json(
    z.record(z.string(), z.string()),
    '{}',
  ),
  [doc(`${S}TOLERATIONS`, '[]', 'JSON array: tolerations of session pods (e.g. for a tainted Spot pool)')]: json(
    z.array(TolerationSchema),
    '[]',
  ),
  [doc(`${S}AFFINITY`, '(none)', 'JSON object: a V1Affinity merged into session pods')]: json(
    z.record(z.string(), z.unknown()).optional(),
    'null',
  ).optional(),
  [doc(`${S}RUNTIME_CLASS`, '(none)', 'runtimeClassName of session pods, e.g. gvisor')]: optionalString,
  [doc(`${S}NATIVE_SIDECARS`, 'false', 'Run sidecars as native sidecars (initContainers, restartPolicy Always)')]:
    bool(false),
  [doc(`${S}SERVICE_ACCOUNT`, '(none: no token mounted)', 'ServiceAccount of session pods')]: optionalString,
  [doc(`${S}POD_START_TIMEOUT`, '120', 'Seconds a pod may take to become Ready (120, 120s or 2m)')]: seconds(120),
  [doc(`${S}POD_STOP_TIMEOUT`, '30', 'Grace period in seconds between SIGTERM and SIGKILL on shutdown')]: seconds(30),
  [doc(`${S}TIMEOUT_MINUTES`, '60', 'Default session lifetime before it is stopped (extendable)')]: int(60),
  [doc(`${S}MAX_LIFETIME_MINUTES`, '480', 'Hard limit on a session lifetime, extensions included')]: int(480),
  [doc(`${S}MAX_RESTARTS`, '3', 'Pod recreations (e.g. Spot preemption) allowed within the restart window')]: int(3, 0),
  [doc(`${S}RESTART_WINDOW_MINUTES`, '30', 'Window of the restart budget')]: int(30),
  // --- cold start (overprovisioning: placeholders yield to session pods) ---
  [doc(`${S}PRIORITY_CLASS`, '(none)', 'priorityClassName of session pods (deploy/base/cold-start defines one)')]:
    optionalString,
  // --- image pull (images imported on a node, like the stack's real node, need Never) ---
  [doc(
    `${S}IMAGE_PULL_POLICY`,
    'IfNotPresent',
    'imagePullPolicy of every session container: Always, IfNotPresent or Never',
  )]: ImagePullPolicySchema.default('IfNotPresent'),
  // --- end image pull ---
};

function read(e: ParsedEnv) {
  return {
    sessionNamespace: e[`${S}NAMESPACE`] as string,
    sessionImage: e[`${S}IMAGE`] as string,
    otelImage: e[`${S}OTEL_IMAGE`] as string,
    credentialsSyncImage: (e[`${S}CREDENTIALS_SYNC_IMAGE`] as string | undefined) ?? (e[`${S}IMAGE`] as string),
    cpuRequest: e[`${S}CPU_REQUEST`] as string,
    cpuLimit: e[`${S}CPU_LIMIT`] as string,
    memoryRequest: e[`${S}MEMORY_REQUEST`] as string,
    memoryLimit: e[`${S}MEMORY_LIMIT`] as string,
    maxCpuLimit: e[`${S}MAX_CPU_LIMIT`] as string,
    maxMemoryLimit: e[`${S}MAX_MEMORY_LIMIT`] as string,
    pvcEnabled: e[`${S}PVC_ENABLED`] as boolean,
    pvcStorageClass: e[`${S}PVC_STORAGE_CLASS`] as string | undefined,
    pvcStorageSize: e[`${S}PVC_STORAGE_SIZE`] as string,
    pvcReclaimPolicy: e[`${S}PVC_RECLAIM_POLICY`] as 'Delete' | 'Retain',
    nodeSelector: e[`${S}NODE_SELECTOR`] as Record<string, string>,
    tolerations: e[`${S}TOLERATIONS`] as z.infer<typeof TolerationSchema>[],
    affinity: (e[`${S}AFFINITY`] ?? undefined) as Record<string, unknown> | undefined,
    runtimeClassName: e[`${S}RUNTIME_CLASS`] as string | undefined,
    nativeSidecars: e[`${S}NATIVE_SIDECARS`] as boolean,
    serviceAccountName: e[`${S}SERVICE_ACCOUNT`] as string | undefined,
    podStartTimeoutSeconds: e[`${S}POD_START_TIMEOUT`] as number,
    podStopGraceSeconds: e[`${S}POD_STOP_TIMEOUT`] as number,
    timeoutMinutes: e[`${S}TIMEOUT_MINUTES`] as number,
    maxLifetimeMinutes: e[`${S}MAX_LIFETIME_MINUTES`] as number,
    maxRestarts: e[`${S}MAX_RESTARTS`] as number,
    restartWindowMinutes: e[`${S}RESTART_WINDOW_MINUTES`] as number,
    // --- cold start (overprovisioning: placeholders yield to session pods) ---
    priorityClassName: e[`${S}PRIORITY_CLASS`] as string | undefined,
    // --- image pull ---
    imagePullPolicy: e[`${S}IMAGE_PULL_POLICY`] as z.infer<typeof ImagePullPolicySchema>,
    // --- end image pull ---
  };
}

export const sessionPodEnv = { docs, schema, read };
