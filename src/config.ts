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

/** A duration as `90s`, `2m`, `1h` or `7d` (a bare number is seconds), in milliseconds. */
const duration = (dflt: string) =>
  z
    .string()
    .regex(/^\d+(s|m|h|d)?$/, 'must be a duration like 30s, 2m, 1h or 7d')
    .default(dflt)
    .transform((v) => parseInt(v, 10) * 1000 * ({ s: 1, m: 60, h: 3600, d: 86400 }[v.replace(/^\d+/, '')] ?? 1))
    .refine((ms) => ms > 0, 'must be more than zero');

/** Comma-separated values, blanks dropped. */
const list = (dflt: string) =>
  z
    .string()
    .default(dflt)
    .transform((v) =>
      v
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );

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

const CIDR = /^(\d{1,3})(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/;
const cidrList = (dflt: string) =>
  list(dflt).pipe(z.array(z.string().regex(CIDR, 'must be comma-separated CIDRs such as 10.0.0.0/8')));

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
  // --- cold start (issue 11: overprovisioning) ---
  [doc(`${S}PRIORITY_CLASS`, '(none)', 'priorityClassName of session pods (deploy/base/cold-start defines one)')]:
    optionalString,
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
  // --- reliability (leader election, node loss detection, reconciler) ---
  [doc(
    `${S}LEADER_LEASE_DURATION`,
    '15s',
    'Lease duration of the informer leader election (a standby takes over after it)',
  )]: duration('15s'),
  [doc(`${S}LEADER_RENEW_DEADLINE`, '10s', 'A leader that cannot renew its Lease for this long stops its informers')]:
    duration('10s'),
  [doc(`${S}LEADER_RETRY_PERIOD`, '2s', 'Interval of Lease acquire/renew attempts')]: duration('2s'),
  [doc(
    `${S}INTERRUPTION_TAINTS`,
    'aws-node-termination-handler/spot-itn,karpenter.sh/disrupted',
    'Comma-separated node taint keys that announce an interruption (signal reason node-interruption)',
  )]: list('aws-node-termination-handler/spot-itn,karpenter.sh/disrupted'),
  [doc(
    `${S}INTERRUPTION_LABELS`,
    '(none)',
    'Comma-separated node label keys that, on a cordoned node, announce an interruption',
  )]: list(''),
  [doc(
    `${S}UNHEALTHY_MINUTES`,
    '5',
    'A pod NotReady this long after having been Ready counts as lost and is replaced (restart budget); 0 = off',
  )]: int(5, 0),
  [doc(`${S}RECONCILER_ENABLED`, 'true', 'Create/update the reconciler Schedule when the worker starts')]: bool(true),
  [doc(
    `${S}RECONCILE_SCHEDULE_ID`,
    'session-reconciler',
    'Temporal Schedule id of the reconciler (one per deployment)',
  )]: z.string().min(1).default('session-reconciler'),
  [doc(`${S}RECONCILE_INTERVAL`, '1m', 'Interval of the reconciler Schedule (e.g. 30s, 1m, 1h)')]: duration('1m'),
  [doc(`${S}RECONCILE_GRACE`, '2m', 'Objects younger than this are never reconciled (in-flight creates)')]:
    duration('2m'),
  [doc(`${S}RECONCILE_DRY_RUN`, 'false', 'Reconciler only reports (logs, workflow result) what it would delete')]:
    bool(false),
  [doc(`${S}RETAINED_PVC_TTL`, '7d', 'Retained workspace claims of ended sessions are deleted after this long')]:
    duration('7d'),
  [doc(
    'WORKER_METRICS_PORT',
    '(none: no listener)',
    "Port of the worker's Prometheus /metrics (reconciler and warm-pool metrics)",
  )]: z.coerce.number({ error: 'must be a number' }).int().min(0).max(65535).optional(),
  [doc('WORKER_METRICS_HOST', '0.0.0.0', "Address the worker's /metrics listens on")]: z
    .string()
    .min(1)
    .default('0.0.0.0'),
  // --- access (proxy, logs, exec) ---
  [doc(
    `${S}UPSTREAM_OVERRIDE`,
    '(none: the session Service)',
    'Base URL every proxied request goes to instead of the session (tests: stand-in)',
  )]: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  [doc(`${S}PROXY_TIMEOUT`, '300', 'Seconds a proxied connection may sit idle (nothing from the agent) before a cut')]:
    seconds(300),
  [doc(
    `${S}PROXY_CONNECT_TIMEOUT`,
    '10',
    "Seconds to connect to the session's agent before a proxied request is a 504",
  )]: seconds(10),
  [doc(`${S}PROXY_MAX_BODY_BYTES`, '10485760', 'Largest request body the proxy forwards (413 above it)')]: int(
    10 * 1024 * 1024,
  ),
  [doc(`${S}EXEC_TIMEOUT`, '60', 'Default and largest timeout_seconds of an exec (seconds)')]: seconds(60),
  [doc(`${S}EXEC_MAX_OUTPUT_BYTES`, '1048576', 'Bytes of stdout and of stderr an exec returns (the rest is cut)')]: int(
    1024 * 1024,
  ),
  [doc(`${S}LOGS_MAX_TAIL`, '10000', 'Default and largest tail= of the logs route (lines)')]: int(10_000),
  // --- suspend / resume (issue 10) ---
  [doc(
    `${S}IDLE_MINUTES`,
    '0',
    'Minutes without proxied traffic (agent /status stable) before a session with a PVC is suspended; 0 = never. Fractions allowed (tests)',
  )]: z.coerce.number({ error: 'must be a number' }).min(0).default(0),
  [doc(
    `${S}MAX_SUSPENDED_PER_USER`,
    '5',
    'Suspended sessions a user may have (they do not count toward API_MAX_SESSIONS_PER_USER)',
  )]: int(5, 0),
  // --- end suspend / resume ---
  // --- security (issue 8) ---
  [doc(
    `${S}NETWORK_POLICY`,
    'default',
    'default: the worker ensures the session NetworkPolicy; none: leave it to the admin',
  )]: z.enum(['default', 'none'], { error: 'must be default or none' }).default('default'),
  [doc(
    `${S}ORCHESTRATOR_NAMESPACE`,
    'session-orchestrator',
    'Namespace whose orchestrator pods may reach session pods on :9000',
  )]: z.string().min(1).default('session-orchestrator'),
  [doc(`${S}MONITORING_NAMESPACE`, 'monitoring', 'Namespace allowed to scrape the session metrics port')]: z
    .string()
    .min(1)
    .default('monitoring'),
  [doc(
    `${S}CLUSTER_CIDRS`,
    '10.96.0.0/12,10.244.0.0/16',
    'Service and pod CIDRs session egress may not reach (RFC 1918 and link-local always denied)',
  )]: cidrList('10.96.0.0/12,10.244.0.0/16'),
  [doc(
    `${S}EGRESS_ALLOW_CIDRS`,
    '(none)',
    'CIDRs session pods may reach on any port despite the private-address deny (e.g. an internal proxy)',
  )]: cidrList(''),
  [doc(`${S}MAX_PVC_SIZE`, '50Gi', 'Largest pvc_size a create request may ask for')]: QuantitySchema.default('50Gi'),
  [doc(
    `${S}ALLOWED_IMAGES`,
    '(only the configured image)',
    'Comma-separated images a request may choose: exact names, or `registry/repo@sha256:` for any digest of a repository',
  )]: list(''),
  [doc(
    `${S}ALLOWED_NODE_SELECTOR_KEYS`,
    '(none)',
    'Comma-separated node_selector keys a request may set (`prefix*` allows a prefix); the admin NODE_SELECTOR always wins',
  )]: list(''),
  [doc(`${S}EPHEMERAL_STORAGE_REQUEST`, '1Gi', 'ephemeral-storage request of the agent container')]:
    QuantitySchema.default('1Gi'),
  [doc(`${S}EPHEMERAL_STORAGE_LIMIT`, '8Gi', 'ephemeral-storage limit of the agent container')]:
    QuantitySchema.default('8Gi'),
  [doc(`${S}EMPTYDIR_SIZE_LIMIT`, '4Gi', 'sizeLimit of each emptyDir of a session pod (workspace without PVC, /tmp)')]:
    QuantitySchema.default('4Gi'),
  [doc(
    `${S}MAX_RETAINED_PVCS_PER_USER`,
    '3',
    'Retained (kept after their session) PVCs a user may have before new PVC sessions are refused',
  )]: int(3, 0),
  [doc('TEMPORAL_TLS', 'false', 'Connect to Temporal over TLS (implied by any TEMPORAL_TLS_* or TEMPORAL_API_KEY)')]:
    bool(false),
  [doc(
    'TEMPORAL_TLS_CA',
    '(system roots)',
    'CA bundle (PEM file path or PEM text) that signs the Temporal frontend certificate',
  )]: optionalString,
  [doc(
    'TEMPORAL_TLS_CERT',
    '(none)',
    'Client certificate for mTLS (PEM file path or PEM text); needs TEMPORAL_TLS_KEY',
  )]: optionalString,
  [doc('TEMPORAL_TLS_KEY', '(none)', 'Private key of TEMPORAL_TLS_CERT (PEM file path or PEM text)')]: optionalString,
  [doc(
    'TEMPORAL_TLS_SERVER_NAME',
    '(host of TEMPORAL_ADDRESS)',
    'Name the frontend certificate must carry (SNI and verification)',
  )]: optionalString,
  [doc('TEMPORAL_API_KEY', '(none)', 'API key sent to Temporal as a bearer token (e.g. Temporal Cloud); implies TLS')]:
    optionalString,
  [doc('API_RATE_LIMIT_RPS', '20', 'Requests per second per API key (token bucket refill); 0 disables')]: int(20, 0),
  [doc('API_RATE_LIMIT_BURST', '100', 'Token bucket size per API key')]: int(100),
  [doc('API_MAX_EVENT_STREAMS_PER_KEY', '5', 'Concurrent SSE event streams per API key; 0 disables')]: int(5, 0),
  [doc('API_CREATES_PER_USER_PER_MINUTE', '10', 'Session creates per user per minute (token bucket); 0 disables')]: int(
    10,
    0,
  ),
  // --- operations (issue 12) ---
  [doc(
    'API_SHUTDOWN_DELAY_SECONDS',
    '5',
    'On SIGTERM, seconds /ready answers 503 before the listener closes (lets balancers stop sending)',
  )]: seconds(5),
  [doc(
    'API_CODEC_CORS_ORIGINS',
    '(none)',
    'Comma-separated origins (the Temporal UI) allowed to call /codec/* from a browser',
  )]: optionalString,
  [doc(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    '(none: tracing off)',
    'OTLP/HTTP endpoint for traces; tracing is on only when this or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set',
  )]: optionalString,
  [doc('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', '(none)', 'OTLP/HTTP endpoint for traces only (overrides the above)')]:
    optionalString,
  [doc('OTEL_SERVICE_NAME', '(session-api / session-worker)', 'service.name of the exported spans')]: optionalString,
  // --- warm pools (issue 11) ---
  [doc(`${S}WARM_POOL_MIN`, '0', 'Warm pods kept available for the default profile (see "Warm pools")')]: int(0, 0),
  [doc(`${S}WARM_POOL_MAX`, '0', "Largest size of the default profile's warm pool; 0 turns it off")]: int(0, 0),
  [doc(`${S}WARM_POOLS_FILE`, '(none)', 'YAML or JSON file of further warm pool profiles')]: optionalString,
  [doc(`${S}WARM_POOL_RESYNC`, '30', 'Seconds between warm pool checks; bounds how late a lost warm pod is replaced')]:
    seconds(30),
  [doc(`${S}WARM_PROVISION_URL`, '(the API Service)', 'URL claimed warm pods fetch their session credentials from')]: z
    .string()
    .url()
    .default('http://session-orchestrator-api.session-orchestrator.svc/internal/v1/provision'),
  // --- worker tuning (issue 7) ---
  [doc('WORKER_MAX_CONCURRENT_ACTIVITIES', '100', 'Activities one worker runs at once (none waits on a pod)')]:
    int(100),
  [doc('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '40', 'Workflow tasks one worker runs at once; at least 2')]: int(40, 2),
  // The SDK's default sizes the cache to the heap limit (~2,400 workflows at Node's 4 GiB): with thousands
  // of sessions the worker held nearly all of them and passed 1 GiB of RSS (issue 7 benchmark). A running
  // session sees a task only every few minutes (pod check, extend), so an evicted one replays a short
  // history rarely; 500 keeps every session that is starting or changing warm.
  [doc(
    'WORKER_MAX_CACHED_WORKFLOWS',
    '500',
    'Session workflows kept in the sticky cache (bounds worker memory): 0 (caching off, every task replays) or at least 2',
  )]: z.coerce
    .number({ error: 'must be a number' })
    .int()
    .refine((n) => n === 0 || n >= 2, 'must be 0 or at least 2')
    .default(500),
  [doc(
    'WORKER_STICKY_QUEUE_TIMEOUT',
    '10s',
    "How long a cached workflow's task waits for its worker before any worker takes it",
  )]: seconds(10).refine((s) => s > 0, 'must be more than zero'),
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
    // --- cold start (issue 11: overprovisioning) ---
    priorityClassName: e[`${S}PRIORITY_CLASS`] as string | undefined,
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
    // --- reliability ---
    leaderLeaseDurationMs: e[`${S}LEADER_LEASE_DURATION`] as number,
    leaderRenewDeadlineMs: e[`${S}LEADER_RENEW_DEADLINE`] as number,
    leaderRetryPeriodMs: e[`${S}LEADER_RETRY_PERIOD`] as number,
    interruptionTaints: e[`${S}INTERRUPTION_TAINTS`] as string[],
    interruptionLabels: e[`${S}INTERRUPTION_LABELS`] as string[],
    unhealthyMinutes: e[`${S}UNHEALTHY_MINUTES`] as number,
    reconcilerEnabled: e[`${S}RECONCILER_ENABLED`] as boolean,
    reconcileScheduleId: e[`${S}RECONCILE_SCHEDULE_ID`] as string,
    reconcileIntervalMs: e[`${S}RECONCILE_INTERVAL`] as number,
    reconcileGraceMs: e[`${S}RECONCILE_GRACE`] as number,
    reconcileDryRun: e[`${S}RECONCILE_DRY_RUN`] as boolean,
    retainedPvcTtlMs: e[`${S}RETAINED_PVC_TTL`] as number,
    workerMetricsPort: e.WORKER_METRICS_PORT as number | undefined,
    workerMetricsHost: e.WORKER_METRICS_HOST as string,
    // --- access (proxy, logs, exec) ---
    proxyUpstreamOverride: e[`${S}UPSTREAM_OVERRIDE`] as string | undefined,
    proxyTimeoutSeconds: e[`${S}PROXY_TIMEOUT`] as number,
    proxyConnectTimeoutSeconds: e[`${S}PROXY_CONNECT_TIMEOUT`] as number,
    proxyMaxBodyBytes: e[`${S}PROXY_MAX_BODY_BYTES`] as number,
    execTimeoutSeconds: e[`${S}EXEC_TIMEOUT`] as number,
    execMaxOutputBytes: e[`${S}EXEC_MAX_OUTPUT_BYTES`] as number,
    logsMaxTail: e[`${S}LOGS_MAX_TAIL`] as number,
    // --- suspend / resume (issue 10) ---
    idleMinutes: e[`${S}IDLE_MINUTES`] as number,
    maxSuspendedPerUser: e[`${S}MAX_SUSPENDED_PER_USER`] as number,
    // --- end suspend / resume ---
    // --- security (issue 8) ---
    networkPolicy: e[`${S}NETWORK_POLICY`] as 'default' | 'none',
    orchestratorNamespace: e[`${S}ORCHESTRATOR_NAMESPACE`] as string,
    monitoringNamespace: e[`${S}MONITORING_NAMESPACE`] as string,
    clusterCidrs: e[`${S}CLUSTER_CIDRS`] as string[],
    egressAllowCidrs: e[`${S}EGRESS_ALLOW_CIDRS`] as string[],
    maxPvcSize: e[`${S}MAX_PVC_SIZE`] as string,
    allowedImages: e[`${S}ALLOWED_IMAGES`] as string[],
    allowedNodeSelectorKeys: e[`${S}ALLOWED_NODE_SELECTOR_KEYS`] as string[],
    ephemeralStorageRequest: e[`${S}EPHEMERAL_STORAGE_REQUEST`] as string,
    ephemeralStorageLimit: e[`${S}EPHEMERAL_STORAGE_LIMIT`] as string,
    emptyDirSizeLimit: e[`${S}EMPTYDIR_SIZE_LIMIT`] as string,
    maxRetainedPvcsPerUser: e[`${S}MAX_RETAINED_PVCS_PER_USER`] as number,
    temporalTls: e.TEMPORAL_TLS as boolean,
    temporalTlsCa: e.TEMPORAL_TLS_CA as string | undefined,
    temporalTlsCert: e.TEMPORAL_TLS_CERT as string | undefined,
    temporalTlsKey: e.TEMPORAL_TLS_KEY as string | undefined,
    temporalTlsServerName: e.TEMPORAL_TLS_SERVER_NAME as string | undefined,
    temporalApiKey: e.TEMPORAL_API_KEY as string | undefined,
    apiRateLimitRps: e.API_RATE_LIMIT_RPS as number,
    apiRateLimitBurst: e.API_RATE_LIMIT_BURST as number,
    apiMaxEventStreamsPerKey: e.API_MAX_EVENT_STREAMS_PER_KEY as number,
    apiCreatesPerUserPerMinute: e.API_CREATES_PER_USER_PER_MINUTE as number,
    // --- operations (issue 12) ---
    apiShutdownDelaySeconds: e.API_SHUTDOWN_DELAY_SECONDS as number,
    codecCorsOrigins: ((e.API_CODEC_CORS_ORIGINS as string | undefined) ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    otlpTracesEndpoint: (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT) as string | undefined,
    otelServiceName: e.OTEL_SERVICE_NAME as string | undefined,
    // --- warm pools (issue 11) ---
    warmPoolMin: e[`${S}WARM_POOL_MIN`] as number,
    warmPoolMax: e[`${S}WARM_POOL_MAX`] as number,
    warmPoolsFile: e[`${S}WARM_POOLS_FILE`] as string | undefined,
    warmPoolReconcileSeconds: e[`${S}WARM_POOL_RESYNC`] as number,
    warmPoolProvisionUrl: e[`${S}WARM_PROVISION_URL`] as string,
    // --- worker tuning (issue 7) ---
    workerMaxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES as number,
    workerMaxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS as number,
    workerMaxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS as number,
    workerStickyQueueTimeoutSeconds: e.WORKER_STICKY_QUEUE_TIMEOUT as number,
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
  if (Boolean(config.temporalTlsCert) !== Boolean(config.temporalTlsKey)) {
    throw new ConfigError([
      { variable: 'TEMPORAL_TLS_CERT', message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS)' },
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
    ...(config.priorityClassName ? { priorityClassName: config.priorityClassName } : {}),
    podStartTimeoutSeconds: config.podStartTimeoutSeconds,
    podStopGraceSeconds: config.podStopGraceSeconds,
    ...(config.idleMinutes > 0 ? { idleMinutes: config.idleMinutes } : {}),
    restartPolicy: {
      maxRestarts: config.maxRestarts,
      windowMinutes: config.restartWindowMinutes,
      unhealthyMinutes: config.unhealthyMinutes,
    },
    storage: {
      ephemeralRequest: config.ephemeralStorageRequest,
      ephemeralLimit: config.ephemeralStorageLimit,
      emptyDirSizeLimit: config.emptyDirSizeLimit,
    },
  };
}
