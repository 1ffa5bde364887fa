/**
 * The session's contract: every shape that crosses a boundary into or out of a session workflow is a
 * zod schema here, and its TypeScript type is inferred from it. Workflow code imports these with
 * `import type` only, so zod never enters the workflow sandbox.
 */
import { z } from 'zod';

/** Kubernetes resource quantity ("500m", "2", "4Gi"). */
export const QuantitySchema = z
  .string()
  .regex(/^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/, 'must be a Kubernetes quantity such as 500m, 2 or 4Gi');

/** Session ids become part of object names, so they are already DNS-1123 label safe. */
export const SessionIdSchema = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, 'must be 1-32 lowercase letters, digits or dashes');

export const ResourcesSchema = z.object({
  cpuRequest: QuantitySchema,
  cpuLimit: QuantitySchema,
  memoryRequest: QuantitySchema,
  memoryLimit: QuantitySchema,
});
export type Resources = z.infer<typeof ResourcesSchema>;

export const PvcSpecSchema = z.object({
  enabled: z.boolean(),
  storageClass: z.string().min(1).optional(),
  size: QuantitySchema,
  /** Adopt this existing claim instead of creating `<base>-pvc`; it is never deleted by the session. */
  existingClaimName: z.string().min(1).max(253).optional(),
  deleteOnTerminate: z.boolean(),
});
export type PvcSpec = z.infer<typeof PvcSpecSchema>;

export const TolerationSchema = z.object({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});
export type Toleration = z.infer<typeof TolerationSchema>;

export const PlacementSchema = z.object({
  nodeSelector: z.record(z.string(), z.string()),
  tolerations: z.array(TolerationSchema),
  /** A V1Affinity object, passed through to the pod as given (merged with the per-user anti-affinity). */
  affinity: z.record(z.string(), z.unknown()).optional(),
});
export type Placement = z.infer<typeof PlacementSchema>;

/** An environment variable name; also a valid Secret key, so `secret_env` values are stored under it. */
export const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

export const SessionSecretsSchema = z.object({
  githubToken: z.string().optional(),
  /** The MCP servers configuration, a JSON document kept as text. */
  mcpServersJson: z.string().optional(),
  /** Secret environment variables: stored in the session's Secret, referenced by the pod, never copied. */
  env: z.record(EnvNameSchema, z.string()).optional(),
});
export type SessionSecrets = z.infer<typeof SessionSecretsSchema>;

export const ImagePullPolicySchema = z.enum(['Always', 'IfNotPresent', 'Never'], {
  error: 'must be Always, IfNotPresent or Never',
});

export const RestartPolicySchema = z.object({
  /** Pod recreations allowed within `windowMinutes` before the session gives up as failed. */
  maxRestarts: z.number().int().min(0),
  windowMinutes: z.number().int().positive(),
  /**
   * A pod NotReady this long after having been Ready (e.g. a crash-looping agent) counts as lost; 0 = off.
   * Absent in specs recorded before it existed: off for those sessions.
   */
  unhealthyMinutes: z.number().int().min(0).optional(),
});

export const StorageBoundsSchema = z.object({
  ephemeralRequest: QuantitySchema,
  ephemeralLimit: QuantitySchema,
  /** sizeLimit of every emptyDir of the pod. */
  emptyDirSizeLimit: QuantitySchema,
});
export type StorageBounds = z.infer<typeof StorageBoundsSchema>;

/** Everything one session workflow needs to run, fixed at start. */
export const SessionSpecSchema = z.object({
  sessionId: SessionIdSchema,
  user: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63),
  image: z.string().min(1),
  sidecarImages: z.object({ otelCollector: z.string().min(1), credentialsSync: z.string().min(1) }),
  resources: ResourcesSchema,
  pvc: PvcSpecSchema,
  timeoutMinutes: z.number().int().positive(),
  maxLifetimeMinutes: z.number().int().positive(),
  env: z.record(EnvNameSchema, z.string()),
  placement: PlacementSchema,
  runtimeClassName: z.string().min(1).optional(),
  nativeSidecars: z.boolean(),
  /** Absent in specs of sessions started before it existed: the cluster's default then applies. */
  imagePullPolicy: ImagePullPolicySchema.optional(),
  serviceAccountName: z.string().min(1).optional(),
  /** PriorityClass of the pod: above the overprovisioning placeholders', so the scheduler evicts them for it. */
  priorityClassName: z.string().min(1).optional(),
  podStartTimeoutSeconds: z.number().int().positive(),
  podStopGraceSeconds: z.number().int().min(0),
  restartPolicy: RestartPolicySchema,
  secrets: SessionSecretsSchema,
  /** Disk bounds; optional only so specs recorded before they existed still parse (builders default them). */
  storage: StorageBoundsSchema.optional(),
  /**
   * Minutes without proxied traffic (and with the agent `stable`) after which a session with a PVC is
   * suspended; absent: never. Fractional values exist for tests.
   */
  idleMinutes: z.number().positive().optional(),
  /**
   * The pod the session runs in when it is not its own `<base>` pod: the warm pod it claimed (see
   * ./warm-pool.ts). Set by the workflow after the claim, never by a client.
   */
  podName: z.string().min(1).max(253).optional(),
});
export type SessionSpec = z.infer<typeof SessionSpecSchema>;

export const SessionStatus = {
  Creating: 'creating',
  Running: 'running',
  Restarting: 'restarting',
  /** Pod and Service deleted, Secrets/ConfigMap/PVC kept; a resume (or a proxied request) brings it back. */
  Suspended: 'suspended',
  Resuming: 'resuming',
  Terminating: 'terminating',
  Terminated: 'terminated',
  Failed: 'failed',
} as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];
export const SessionStatusSchema = z.enum(Object.values(SessionStatus) as [SessionStatus, ...SessionStatus[]]);

/** The session holds or is acquiring a pod: it can be terminated, and its end is still ahead. */
export function isActive(status: SessionStatus): boolean {
  return status !== 'terminating' && !isEnded(status);
}

/** The session's workflow has finished its work: `terminated` or `failed`; nothing will change any more. */
export function isEnded(status: SessionStatus): boolean {
  return status === 'terminated' || status === 'failed';
}

/** Shutdown has begun or is over: nothing but the end is ahead. */
export function isEndingOrEnded(status: SessionStatus): boolean {
  return status === 'terminating' || isEnded(status);
}

export const EndReason = {
  User: 'user',
  Timeout: 'timeout',
  StartTimeout: 'start_timeout',
  PodFailed: 'pod_failed',
  ProvisionFailed: 'provision_failed',
  Cancelled: 'cancelled',
} as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

/** One step of a session's life, kept in order in the state so clients can show progress. */
export const SessionEventSchema = z.object({
  seq: z.number().int(),
  type: z.string(),
  at: z.string(),
  message: z.string().optional(),
});
export type SessionEvent = z.infer<typeof SessionEventSchema>;

export const SessionErrorSchema = z.object({ code: z.string(), message: z.string(), at: z.string() });
export type SessionError = z.infer<typeof SessionErrorSchema>;

/** What `getSessionState` returns. Carries no secret. */
export const SessionStateSchema = z.object({
  sessionId: z.string(),
  user: z.string(),
  namespace: z.string(),
  status: SessionStatusSchema,
  url: z.string(),
  podName: z.string(),
  serviceName: z.string(),
  nodeName: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  maxExpiresAt: z.string(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
  restartCount: z.number().int(),
  /** First time each status was entered, ISO-8601. */
  phases: z.record(z.string(), z.string()),
  events: z.array(SessionEventSchema),
  lastError: SessionErrorSchema.optional(),
  pvcName: z.string().optional(),
  pvcRetained: z.boolean().optional(),
  /** warm: the session took a pre-started pod of a warm pool; cold: it created its own. */
  start: z.enum(['warm', 'cold']).optional(),
});
export type SessionState = z.infer<typeof SessionStateSchema>;

const POSITIVE_MINUTES = { error: 'minutes must be a positive integer' };
export const ExtendSessionInputSchema = z.object({
  minutes: z.number(POSITIVE_MINUTES).int(POSITIVE_MINUTES).positive(POSITIVE_MINUTES),
});
export type ExtendSessionInput = z.infer<typeof ExtendSessionInputSchema>;
export const ExtendSessionResultSchema = z.object({ expiresAt: z.string() });
export type ExtendSessionResult = z.infer<typeof ExtendSessionResultSchema>;

export const TerminateSessionInputSchema = z.object({
  reason: z.string().min(1).max(200).default('user'),
  /** Overrides the spec's PVC reclaim policy for this termination. */
  deletePvc: z.boolean().optional(),
});
export type TerminateSessionInput = z.infer<typeof TerminateSessionInputSchema>;

/** The workflow's id for a session: one workflow per session id, ever. */
export const sessionWorkflowId = (sessionId: string): string => `session-${sessionId}`;

/** Custom search attributes (Keyword) registered on the Temporal namespace. */
export const SearchAttribute = {
  SessionId: 'SessionId',
  SessionUser: 'SessionUser',
  SessionStatus: 'SessionStatus',
} as const;
