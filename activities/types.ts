/**
 * The activities a session workflow can call. The workflow sees only this type
 * (`proxyActivities<SessionActivities>`); `createSessionActivities` in ./index.ts implements it.
 * Every activity is idempotent: it may run more than once for the same step (retries, worker crash).
 */
import type { z } from 'zod';
import type { SessionSpec } from '../src/session/spec.js';
import type { EnsurePodOptions, QuotaEntryRefSchema } from './inputs.js';

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

export interface SessionActivities {
  /**
   * Every object of a new session in one step: Secrets, ConfigMap, PVC (or the adopted claim's checks)
   * and Service concurrently, then the pod (which must not exist before its claim was checked).
   * The only activity whose input carries the session's secrets.
   */
  provisionSession(spec: SessionSpec): Promise<ProvisionResult>;
  /**
   * The same for a session that may start warm (patch `claim-in-provisioning`): the claim of a warm pod runs
   * beside the creates, and the session adopts the claimed pod or, on a miss, creates its own (a cold start).
   */
  provisionWarmSession(spec: SessionSpec): Promise<WarmProvisionResult>;
  /** Asks for the pod's deletion with the grace period and returns at once; `podUid` is null when there was none. */
  requestPodDeletion(spec: SessionSpec, options: { graceSeconds: number }): Promise<{ podUid: string | null }>;
  /** Why the pod is not Ready, as the message of a PodStartTimeout (events, conditions, container states). */
  diagnosePodStart(spec: SessionSpec, options: { timeoutSeconds: number }): Promise<{ message: string }>;
  /** Removes the session from its user's quota ledger, so admission only counts entries. Idempotent. */
  releaseQuota(ref: QuotaEntryRef): Promise<void>;
  ensureCredentialsSecret(spec: SessionSpec): Promise<void>;
  ensureMcpSecret(spec: SessionSpec): Promise<void>;
  ensureSessionConfigMap(spec: SessionSpec): Promise<void>;
  /** Creates `<base>-pvc`, or checks that `spec.pvc.existingClaimName` exists; null when no PVC is used. */
  ensureSessionPvc(spec: SessionSpec): Promise<{ claimName: string } | null>;
  ensureSessionPod(spec: SessionSpec, options?: EnsurePodOptions): Promise<{ podName: string; podUid: string }>;
  ensureSessionService(spec: SessionSpec): Promise<void>;
  checkSessionPod(spec: SessionSpec): Promise<PodCheckResult>;
  /** Deletes Service, ConfigMap, Secrets and (when asked) the PVC; ignores 404. Never deletes an adopted claim. */
  deleteSessionObjects(spec: SessionSpec, options: { deletePvc: boolean }): Promise<DeleteObjectsResult>;
}
