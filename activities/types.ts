/**
 * The activities a session workflow can call. The workflow sees only this type
 * (`proxyActivities<SessionActivities>`); `createSessionActivities` in ./index.ts implements it.
 * Every activity is idempotent: it may run more than once for the same step (retries, worker crash).
 */
import type { SessionSpec } from '../src/session/spec.js';

export interface PodReadyResult {
  podName: string;
  podUid: string;
  nodeName: string;
  readyAt: string;
}

/** What the pod looks like right now, for deciding whether it was lost. */
export interface PodCheckResult {
  exists: boolean;
  podUid?: string;
  phase?: string;
  nodeName?: string;
  ready: boolean;
  /** Set when the pod is gone for good or failing: 'deleted' | 'evicted' | 'failed' | 'oom_killed' | 'node_lost' | 'disruption'. */
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

export interface SessionActivities {
  ensureCredentialsSecret(spec: SessionSpec): Promise<void>;
  ensureMcpSecret(spec: SessionSpec): Promise<void>;
  ensureSessionConfigMap(spec: SessionSpec): Promise<void>;
  /** Creates `<base>-pvc`, or checks that `spec.pvc.existingClaimName` exists; null when no PVC is used. */
  ensureSessionPvc(spec: SessionSpec): Promise<{ claimName: string } | null>;
  ensureSessionPod(spec: SessionSpec): Promise<{ podName: string; podUid: string }>;
  ensureSessionService(spec: SessionSpec): Promise<void>;
  /** Watches (never polls in a sleep loop) until Ready; heartbeats. Times out with a non-retryable
   *  ApplicationFailure of type 'PodStartTimeout' whose message is a human diagnosis. */
  waitForPodReady(spec: SessionSpec, options: { timeoutSeconds: number }): Promise<PodReadyResult>;
  checkSessionPod(spec: SessionSpec): Promise<PodCheckResult>;
  /** Deletes the pod with the grace period (SIGTERM first) and returns once it is gone; heartbeats. */
  deleteSessionPod(spec: SessionSpec, options: { graceSeconds: number }): Promise<void>;
  /** Deletes Service, ConfigMap, Secrets and (when asked) the PVC; ignores 404. Never deletes an adopted claim. */
  deleteSessionObjects(spec: SessionSpec, options: { deletePvc: boolean }): Promise<DeleteObjectsResult>;
  recordAudit(record: AuditRecord): Promise<void>;
}
