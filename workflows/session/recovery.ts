/**
 * The rules of pod recovery: what the node informer's reports mean for the
 * session's pod, and with which grace a pod being replaced is stopped. Pure functions, shared by the pod's
 * replacement (./pod-replacement.ts, ./fast-recovery.ts) and the pod tracker (./pod-tracker.ts).
 */
import type { PodCheckResult } from '../contract/activities.js';
import type { SessionSpec } from '../contract/spec.js';

/** The podLost reasons of the node informer (src/k8s/node-status.ts `NodeLossReason`). */
export const NODE_LOST = 'node-lost';
export const NODE_INTERRUPTION = 'node-interruption';

/** What the node informer reported about a pod's node. */
export interface NodeReport {
  reason: typeof NODE_LOST | typeof NODE_INTERRUPTION;
  message: string;
}

/**
 * The pod as a node report describes it, in place of a GET: a lost node's pods still read Running until
 * the pod-GC controller removes them (~40 s), so a check would only find "healthy" and wait.
 */
export function nodeLossCheck(report: NodeReport): PodCheckResult {
  return report.reason === NODE_LOST
    ? { exists: true, ready: false, lostReason: 'node_lost', message: report.message }
    : { exists: true, ready: true, lostReason: 'interruption', message: report.message };
}

/**
 * The grace a pod being replaced is deleted with. Only a pod whose node is gone gets 0: its containers run
 * nowhere a SIGTERM could reach, and without a force-delete it would stay until pod GC. A pod that still
 * runs (being evicted, interrupted, failing its readiness) gets the spec's grace to save its work; for a pod
 * that has already ended (Failed) the apiserver deletes at once whatever the grace.
 */
export function replacementGraceSeconds(check: PodCheckResult, spec: SessionSpec): number {
  return check.lostReason === 'node_lost' ? 0 : spec.podStopGraceSeconds;
}

/** The restart times still inside the policy's window, plus `at`. */
export function restartTimesWith(times: readonly string[], at: string, windowMinutes: number): string[] {
  const windowStart = Date.parse(at) - windowMinutes * 60_000;
  return [...times.filter((t) => Date.parse(t) > windowStart), at];
}
