/**
 * Process configuration from environment variables, parsed once by one zod schema (the single source
 * of the `Config` type). Variable names follow seed 000 (`AGENTAPI_K8S_SESSION_*`). A bad value stops
 * the process at start with a {@link ConfigError} that names every offending variable.
 */
import { z } from 'zod';
import { ImagePullPolicySchema, QuantitySchema, TolerationSchema, type SessionSpec } from './session/spec.js';

const S = 'AGENTAPI_K8S_SESSION_';

/** One documented variable; the README's configuration table is this list. */
export interface EnvDoc {
  name: string;
  default: string;
  description: string;
}

const docs: EnvDoc[] = [];
function doc(name: string, dflt: string, description: string): string {
  docs.push({ name, default: dflt, description });
  return name;
}

const bool = (dflt: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(dflt ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const int = (dflt: number, min = 1) => z.coerce.number({ error: 'must be a number' }).int().min(min).default(dflt);

/** Seconds as `120`, `120s` or `2m`. */
const seconds = (dflt: number) =>
  z
    .string()
    .regex(/^\d+(s|m)?$/, 'must be seconds like 120, 120s or 2m')
    .default(String(dflt))
    .transform((v) => (v.endsWith('m') ? parseInt(v, 10) * 60 : parseInt(v, 10)));

const json = <T extends z.ZodType>(schema: T, dflt: string) =>
  z
    .string()
    .default(dflt)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const EnvSchema = z.object({
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
  // --- image pull (issue 13: images imported on the stack's real node use Never) ---
  [doc(
    `${S}IMAGE_PULL_POLICY`,
    'IfNotPresent',
    'imagePullPolicy of every session container: Always, IfNotPresent or Never',
  )]: ImagePullPolicySchema.default('IfNotPresent'),
  // --- end image pull ---
  [doc('TEMPORAL_ADDRESS', '127.0.0.1:7233', 'Temporal frontend host:port')]: z
    .string()
    .min(1)
    .default('127.0.0.1:7233'),
  [doc('TEMPORAL_NAMESPACE', 'default', 'Temporal namespace')]: z.string().min(1).default('default'),
  [doc('TEMPORAL_TASK_QUEUE', 'session-orchestrator', 'Task queue of the session workflows')]: z
    .string()
    .min(1)
    .default('session-orchestrator'),
  [doc(
    'TEMPORAL_CODEC_KEYS',
    '(required, or _FILE)',
    'Payload encryption keys `id:base64(32 bytes)`, comma separated; the first encrypts',
  )]: optionalString,
  [doc('TEMPORAL_CODEC_KEYS_FILE', '(none)', 'File holding TEMPORAL_CODEC_KEYS')]: optionalString,
  [doc('KUBECONFIG', '(in-cluster service account)', 'Kubeconfig of the cluster sessions run in')]: optionalString,
  [doc('LOG_LEVEL', 'info', 'pino log level')]: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  [doc('API_HOST', '127.0.0.1', 'Address the HTTP API listens on')]: z.string().min(1).default('127.0.0.1'),
  [doc('API_PORT', '8080', 'Port of the HTTP API')]: int(8080, 0),
  [doc('API_KEYS_FILE', '(none: every request is 401)', 'JSON file of hashed API keys (see `npm run api-key`)')]:
    optionalString,
  [doc('API_MAX_SESSIONS_PER_USER', '5', 'Concurrent (unfinished) sessions a user may have')]: int(5),
  [doc('API_METRICS_AUTH', 'true', 'Require an API key for GET /metrics')]: bool(true),
});

export const ENV_DOCS: readonly EnvDoc[] = docs;

function toConfig(env: z.infer<typeof EnvSchema>) {
  // Keys are computed (documented at their definition), so the parsed object is read by name here.
  const e = env as Record<string, unknown>;
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
    // --- image pull ---
    imagePullPolicy: e[`${S}IMAGE_PULL_POLICY`] as z.infer<typeof ImagePullPolicySchema>,
    // --- end image pull ---
    temporalAddress: e.TEMPORAL_ADDRESS as string,
    temporalNamespace: e.TEMPORAL_NAMESPACE as string,
    temporalTaskQueue: e.TEMPORAL_TASK_QUEUE as string,
    codecKeys: e.TEMPORAL_CODEC_KEYS as string | undefined,
    codecKeysFile: e.TEMPORAL_CODEC_KEYS_FILE as string | undefined,
    kubeconfig: e.KUBECONFIG as string | undefined,
    logLevel: e.LOG_LEVEL as string,
    apiHost: e.API_HOST as string,
    apiPort: e.API_PORT as number,
    apiKeysFile: e.API_KEYS_FILE as string | undefined,
    apiMaxSessionsPerUser: e.API_MAX_SESSIONS_PER_USER as number,
    apiMetricsAuth: e.API_METRICS_AUTH as boolean,
  };
}

export type Config = ReturnType<typeof toConfig>;

/** Thrown when the environment is invalid; its message names every bad variable and why. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (unset and empty variables take their defaults). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(
    docs.map((d) => [d.name, env[d.name] === '' ? undefined : env[d.name]] as const).filter(([, v]) => v !== undefined),
  );
  const parsed = EnvSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ variable: String(i.path[0]), message: i.message })));
  }
  const config = toConfig(parsed.data);
  if (!config.codecKeys && !config.codecKeysFile) {
    throw new ConfigError([
      {
        variable: 'TEMPORAL_CODEC_KEYS',
        message:
          'set TEMPORAL_CODEC_KEYS or TEMPORAL_CODEC_KEYS_FILE (session payloads carry secrets and are encrypted)',
      },
    ]);
  }
  return config;
}

/** The part of every SessionSpec that comes from configuration; callers add id, user, secrets, overrides. */
export function sessionDefaults(config: Config): Omit<SessionSpec, 'sessionId' | 'user' | 'secrets'> {
  return {
    namespace: config.sessionNamespace,
    image: config.sessionImage,
    sidecarImages: { otelCollector: config.otelImage, credentialsSync: config.credentialsSyncImage },
    resources: {
      cpuRequest: config.cpuRequest,
      cpuLimit: config.cpuLimit,
      memoryRequest: config.memoryRequest,
      memoryLimit: config.memoryLimit,
    },
    pvc: {
      enabled: config.pvcEnabled,
      ...(config.pvcStorageClass ? { storageClass: config.pvcStorageClass } : {}),
      size: config.pvcStorageSize,
      deleteOnTerminate: config.pvcReclaimPolicy === 'Delete',
    },
    timeoutMinutes: config.timeoutMinutes,
    maxLifetimeMinutes: config.maxLifetimeMinutes,
    env: {},
    placement: {
      nodeSelector: config.nodeSelector,
      tolerations: config.tolerations,
      ...(config.affinity ? { affinity: config.affinity } : {}),
    },
    ...(config.runtimeClassName ? { runtimeClassName: config.runtimeClassName } : {}),
    nativeSidecars: config.nativeSidecars,
    imagePullPolicy: config.imagePullPolicy,
    ...(config.serviceAccountName ? { serviceAccountName: config.serviceAccountName } : {}),
    podStartTimeoutSeconds: config.podStartTimeoutSeconds,
    podStopGraceSeconds: config.podStopGraceSeconds,
    restartPolicy: { maxRestarts: config.maxRestarts, windowMinutes: config.restartWindowMinutes },
  };
}
