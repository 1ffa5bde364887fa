/**
 * The reconciler's rules: which session objects are orphaned and may be deleted. Pure functions over
 * what the activities observed, so the rules are unit-tested and the activities only do I/O.
 *
 * Why each rule:
 * - An object of a session whose workflow is closed or absent serves nobody: the workflow's own cleanup
 *   ran (or was skipped by a terminate from the UI/CLI) and no one else will delete it.
 * - Objects younger than the grace are left alone: an activity started before a terminate may still be
 *   creating them, and the next run catches what it leaves.
 * - A claim is user data: a claim of an ended session is a *retained* workspace, deleted only after the
 *   retained-claim TTL (counted from the session's end when known), and never while a pod mounts it.
 */
import type { ReconcileAction, ReconcileInput } from '../../workflows/contract/reconciler.js';

export const ObjectKind = {
  Pod: 'Pod',
  Service: 'Service',
  ConfigMap: 'ConfigMap',
  Secret: 'Secret',
  PersistentVolumeClaim: 'PersistentVolumeClaim',
} as const;
export type ObjectKind = (typeof ObjectKind)[keyof typeof ObjectKind];

/** One labelled session object as the reconciler saw it. */
export interface ObservedObject {
  kind: ObjectKind;
  name: string;
  uid: string;
  sessionId: string;
  createdAt: string;
  /** Already being deleted (deletionTimestamp set): nothing to do. */
  deleting: boolean;
  /** Pods only: whether it is Ready. */
  ready?: boolean;
}

/** A session workflow's state: running, closed at a time, or absent (never started or past retention). */
export type WorkflowLiveness = { state: 'running' } | { state: 'closed'; closedAt?: string } | { state: 'absent' };

/**
 * The objects to delete. `mountedClaims` are claims some existing pod mounts (of any session: an
 * adopted claim carries the label of the session that created it).
 */
export function planObjectDeletions(
  objects: readonly ObservedObject[],
  liveness: ReadonlyMap<string, WorkflowLiveness>,
  mountedClaims: ReadonlySet<string>,
  input: Pick<ReconcileInput, 'graceMs' | 'retainedPvcTtlMs'>,
  now: number,
): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  for (const object of objects) {
    if (object.deleting) continue;
    const workflow = liveness.get(object.sessionId) ?? { state: 'absent' };
    if (workflow.state === 'running') continue;
    const age = now - Date.parse(object.createdAt);
    if (!(age >= input.graceMs)) continue;
    const ended = workflow.state === 'closed' ? `workflow closed` : 'workflow absent';
    if (object.kind === ObjectKind.PersistentVolumeClaim) {
      if (mountedClaims.has(object.name)) continue;
      const since = workflow.state === 'closed' && workflow.closedAt ? Date.parse(workflow.closedAt) : NaN;
      const retainedFor = now - (Number.isFinite(since) ? since : Date.parse(object.createdAt));
      if (retainedFor < input.retainedPvcTtlMs) continue;
      actions.push({ ...ref(object), reason: `retained claim past its TTL (${ended})` });
    } else {
      actions.push({ ...ref(object), reason: `orphaned (${ended})` });
    }
  }
  return actions;
}

function ref(object: ObservedObject): Omit<ReconcileAction, 'reason'> {
  return { kind: object.kind, name: object.name, sessionId: object.sessionId };
}

/**
 * Running sessions whose workflow should look at its pod: recorded as `running`, living in the observed
 * namespace (some object of theirs is there), and without a Ready pod that is not being deleted. The
 * informer's signals are the fast path; this catches a loss they missed (e.g. a pod deleted while no
 * informer ran), and lets session workflows do without a timer of their own, so an idle session costs
 * nothing. A stale visibility entry costs the workflow one pod check, nothing more.
 */
export function sessionsToCheck(
  objects: readonly ObservedObject[],
  running: ReadonlyMap<string, { status: string | undefined }>,
): string[] {
  const here = new Set<string>();
  const withReadyPod = new Set<string>();
  for (const object of objects) {
    if (object.deleting) continue;
    here.add(object.sessionId);
    if (object.kind === ObjectKind.Pod && object.ready) withReadyPod.add(object.sessionId);
  }
  return [...here].filter((id) => running.get(id)?.status === 'running' && !withReadyPod.has(id));
}

/** Ledger entries kept: a session still running, or admitted so recently its workflow may not exist yet. */
export function pruneLedger<T extends { sessionId: string; admittedAt: string }>(
  ledger: readonly T[],
  liveness: ReadonlyMap<string, WorkflowLiveness>,
  graceMs: number,
  now: number,
): T[] {
  return ledger.filter((entry) => {
    const workflow = liveness.get(entry.sessionId) ?? { state: 'absent' };
    if (workflow.state === 'running') return true;
    if (workflow.state === 'closed') return false;
    return !(now - Date.parse(entry.admittedAt) >= graceMs);
  });
}
