/**
 * Process configuration from environment variables, parsed once by one zod schema (the single source
 * of the `Config` type). Variable names keep the `AGENTAPI_K8S_SESSION_*` prefix existing deployments set. A bad value stops
 * the process at start with a {@link ConfigError} that names every offending variable. The schema is
 * composed of one part per area (./config/…), each with its variables' documentation and its part of
 * `Config`.
 */
import { z } from 'zod';
import { accessEnv } from './config/access.js';
import { httpApiEnv } from './config/http-api.js';
import type { EnvDoc, ParsedEnv } from './config/env.js';
import { operationsEnv } from './config/operations.js';
import { reliabilityEnv } from './config/reliability.js';
import { securityEnv } from './config/security.js';
import { servicesEnv } from './config/services.js';
import { sessionPodEnv } from './config/session-pod.js';
import { suspensionEnv } from './config/suspension.js';
import { warmPoolsEnv } from './config/warm-pools.js';
import { workerTuningEnv } from './config/worker-tuning.js';
import { workerVersioningEnv } from './config/worker-versioning.js';
import type { SessionSpec } from '../workflows/contract/spec.js';

export type { EnvDoc } from './config/env.js';

/** In the documentation's order: docs/configuration.md lists each area's variables in turn. */
const AREAS = [
  sessionPodEnv,
  servicesEnv,
  reliabilityEnv,
  accessEnv,
  suspensionEnv,
  securityEnv,
  httpApiEnv,
  operationsEnv,
  warmPoolsEnv,
  workerTuningEnv,
  workerVersioningEnv,
];

const EnvSchema = z.object(Object.fromEntries(AREAS.flatMap((area) => Object.entries(area.schema))));

export const ENV_DOCS: readonly EnvDoc[] = AREAS.flatMap((area) => area.docs);

function toConfig(e: ParsedEnv) {
  return {
    ...sessionPodEnv.read(e),
    ...servicesEnv.read(e),
    ...reliabilityEnv.read(e),
    ...accessEnv.read(e),
    ...suspensionEnv.read(e),
    ...securityEnv.read(e),
    ...httpApiEnv.read(e),
    ...operationsEnv.read(e),
    ...warmPoolsEnv.read(e),
    ...workerTuningEnv.read(e),
    ...workerVersioningEnv.read(e),
  };
}

export type Config = ReturnType<typeof toConfig>;

/**
 * Exec output the API may hold at once: with the 384 MiB heap of deploy/base/api.yaml, 32 MiB of held
 * output leaves room for its copies while the answers are serialized (about five times the raw bytes).
 */
export const EXEC_MEMORY_BUDGET_BYTES = 32 * 1024 * 1024;

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
    ENV_DOCS.map((d) => [d.name, env[d.name] === '' ? undefined : env[d.name]] as const).filter(
      ([, v]) => v !== undefined,
    ),
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
  // Every running exec holds up to two outputs of this size until it answers.
  if (2 * config.execMaxOutputBytes * config.apiMaxExecs > EXEC_MEMORY_BUDGET_BYTES) {
    throw new ConfigError([
      {
        variable: 'API_MAX_EXECS',
        message: `API_MAX_EXECS x 2 x AGENTAPI_K8S_SESSION_EXEC_MAX_OUTPUT_BYTES must stay within ${EXEC_MEMORY_BUDGET_BYTES} bytes (the API's exec memory budget)`,
      },
    ]);
  }
  if (config.workerSdkMetricsPort !== undefined && config.workerSdkMetricsPort === config.workerMetricsPort) {
    throw new ConfigError([
      { variable: 'WORKER_SDK_METRICS_PORT', message: 'must differ from WORKER_METRICS_PORT (two listeners)' },
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
