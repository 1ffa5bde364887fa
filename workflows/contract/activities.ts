/**
 * The activities the workflows can call: what each takes and answers, and the zod schemas of the inputs
 * that are not a SessionSpec (./spec.ts has that one). The workflows see only these types
 * (`proxyActivities<…>`); activities/ implements them and re-parses every input, since the workflow is
 * not the only thing that can schedule an activity on the task queue. Every activity is idempotent: it
 * may run more than once for the same step (retries, worker crash).
 */
import { z } from 'zod';
import type { ReconcileAction, ReconcileInput } from './reconciler.js';
import { SessionIdSchema, type SessionSpec } from './spec.js';
import type { WarmPoolProfile } from './warm-pool.js';

/** The `type` of every ApplicationFailure the session activities throw, for `nonRetryableErrorTypes` and for callers. */
export const FailureType = {
  /** 400 or 422: the object we sent is invalid (often a bad value in the session spec). */
  Invalid: 'KubernetesInvalid',
  /** 401: the worker's credentials are not accepted. */
  Unauthorized: 'KubernetesUnauthorized',
  /** 403: RBAC or an admission policy (e.g. Pod Security) refused the request. */
  Forbidden: 'KubernetesForbidden',
  /** 404 on an object that had to exist. */
  NotFound: 'KubernetesNotFound',
  /** 409, 429, 5xx, timeouts, network errors: retried by Temporal. */
  Transient: 'KubernetesTransient',
  /** An object with the session's name exists but belongs to another session (or to nobody). */
  ForeignObjectConflict: 'ForeignObjectConflict',
  /** `spec.pvc.existingClaimName` names a claim that does not exist. */
  PvcNotFound: 'PvcNotFound',
  /** `spec.pvc.existingClaimName` names a claim that is not labelled as the session user's. */
  PvcNotOwned: 'PvcNotOwned',
  /** The pod did not become Ready in time; the message is a diagnosis. */
  PodStartTimeout: 'PodStartTimeout',
  /** The pod failed or was deleted while the session waited for it. */
  PodFailed: 'PodFailed',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

export const QuotaEntryRefSchema = z.object({
  namespace: z.string().min(1).max(63),
  user: z.string().min(1).max(253),
  sessionId: SessionIdSchema,
});

/**
 * Which pod ensureSessionPod makes: generation 0 (or none) is the session's own `<base>` pod; a handover
 * on an interruption notice starts `<base>-g<N>` beside it (see workflows/session/handover.ts).
 */
export const EnsurePodOptionsSchema = z
  .object({ generation: z.number().int().min(0).max(10_000) })
  .strict()
  .optional();
export type EnsurePodOptions = z.infer<typeof EnsurePodOptionsSchema>;

/** What the pod looks like right now, for deciding whether it was lost. */
export interface PodCheckResult {
  exists: boolean;
  podUid?: string;
  phase?: string;
  nodeName?: string;
  ready: boolean;
  /**
   * Set when the pod is gone for good or failing: 'deleted' | 'evicted' | 'failed' | 'oom_killed' | 'node_lost' |
   * 'disruption'; in the workflow also 'interruption' (node notice) and 'unhealthy' (NotReady too long).
   */
  lostReason?: string;
  message?: string;
}

export interface DeleteObjectsResult {
  deleted: string[];
  retainedPvc?: string;
}

export interface AuditRecord {
  sessionId: string;
  user: string;
  from?: string;
  to: string;
  reason?: string;
  at: string;
  detail?: Record<string, string | number | boolean>;
}

/** What {@link SessionActivities.provisionSession} created or adopted. */
export interface ProvisionResult {
  podName: string;
  podUid: string;
  serviceName: string;
  /** The claim the pod mounts: `<base>-pvc`, the adopted `existingClaimName`, or null without a PVC. */
  claimName: string | null;
}

/** What {@link SessionActivities.provisionWarmSession} did: a warm start (the pool and node) or why not. */
export interface WarmProvisionResult extends ProvisionResult {
  warm: { pool: string; nodeName: string } | null;
  /** Why the session started cold; null when it started warm. */
  coldReason: string | null;
}

/** Which session's quota ledger entry to remove. */
export type QuotaEntryRef = z.infer<typeof QuotaEntryRefSchema>;

/** A warm pod a session claimed. */
export interface ClaimedPod {
  podName: string;
  podUid: string;
  pool: string;
  nodeName: string;
}

export interface SessionActivities {
  /**
   * Every object of a new session in one step: Secrets, ConfigMap, PVC (or the adopted claim's checks)
   * and Service concurrently, then the pod (which must not exist before its claim was checked).
   * The only activity whose input carries the session's secrets.
   */
  provisionSession(spec: SessionSpec): Promise<ProvisionResult>;
  /**
   * The same for a session that may start warm: the claim of a warm pod runs
   * beside the creates, and the session adopts the claimed pod or, on a miss, creates its own (a cold start).
   */
  provisionWarmSession(spec: SessionSpec): Promise<WarmProvisionResult>;
  /** Asks for the pod's deletion with the grace period and returns at once; `podUid` is null when there was none. */
  requestPodDeletion(spec: SessionSpec, options: { graceSeconds: number }): Promise<{ podUid: string | null }>;
  /** Why the pod is not Ready, as the message of a PodStartTimeout (events, conditions, container states). */
  diagnosePodStart(spec: SessionSpec, options: { timeoutSeconds: number }): Promise<{ message: string }>;
  /** Removes the session from its user's quota ledger, so admission only counts entries. Idempotent. */
  releaseQuota(ref: QuotaEntryRef): Promise<void>;
  ensureSessionPod(spec: SessionSpec, options?: EnsurePodOptions): Promise<{ podName: string; podUid: string }>;
  ensureSessionService(spec: SessionSpec): Promise<void>;
  checkSessionPod(spec: SessionSpec): Promise<PodCheckResult>;
  /** Deletes Service, ConfigMap, Secrets and (when asked) the PVC; ignores 404. Never deletes an adopted claim. */
  deleteSessionObjects(spec: SessionSpec, options: { deletePvc: boolean }): Promise<DeleteObjectsResult>;
}

/** Which session's place in its user's quota ledgers a suspend activity moves. */
export type SuspendRef = QuotaEntryRef;

/** The activities of suspend, resume and the idle check. */
export interface SuspendActivities {
  /** Deletes the session's Service (404 is done; one of another session is left alone). */
  deleteSessionService(ref: SuspendRef): Promise<void>;
  /** Counts the session as suspended if the user is below the suspended limit; false when full. */
  holdSuspendedPlace(ref: SuspendRef): Promise<{ ok: boolean; message: string }>;
  /** Counts the session as running again if the user is below the running quota; false when full. */
  holdRunningPlace(ref: SuspendRef): Promise<{ ok: boolean; message: string }>;
  /** The agent's `/status` value (`stable`, `running`), or `unreachable`. */
  agentStatus(ref: SuspendRef): Promise<{ status: string }>;
}

/** What one reconcile of a warm pool found and did. */
export interface ReconcileResult {
  templateHash: string;
  /** Available pods of the current template (Ready or starting). */
  available: number;
  ready: number;
  /** Available pods of an older template still waiting to be replaced. */
  outdated: number;
  claimed: number;
  created: string[];
  deleted: string[];
  /** True when the pool is at its target with every pod Ready and none outdated. */
  converged: boolean;
}

/** The warm pool workflow's activity. */
export interface WarmPoolActivities {
  reconcileWarmPool(profile: WarmPoolProfile, target: number): Promise<ReconcileResult>;
}

export interface LedgerReconcileResult {
  entriesPruned: number;
  ledgersDeleted: string[];
}

/** The reconciler workflow's activities. */
export interface ReconcilerActivities {
  reconcileSessionObjects(input: ReconcileInput): Promise<ReconcileAction[]>;
  reconcileQuotaLedgers(input: ReconcileInput): Promise<LedgerReconcileResult>;
}
