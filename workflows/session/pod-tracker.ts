/**
 * What the workflow knows about its pod from the worker's shared informer (podReady, podGone, podLost
 * signals), and the waits built on it: for Ready and for gone. No activity runs while nothing happens;
 * a cheap check activity covers a signal that never came (e.g. sent while no worker ran).
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { PodCheckResult, SessionActivities } from '../contract/activities.js';
import { POD_GONE_MARGIN_MS, POD_READY_RECHECK_MS } from '../contract/pod-waits.js';
import type { SessionSpec } from '../contract/spec.js';
import { isLost } from './failures.js';
import { NODE_INTERRUPTION, NODE_LOST, nodeLossCheck, type NodeReport } from './recovery.js';

/** Signals about older pods are kept only this long (by count), so the state stays small. */
const REMEMBERED = 8;

export class PodTracker {
  /** The uid of the pod the session runs (or is starting); undefined before the first is created. */
  current: string | undefined;
  /** A loss was reported and not yet checked. */
  lostPending: boolean;
  private readonly ready = new Map<string, string>();
  private readonly gone = new Set<string>();
  /** Pods this workflow is deleting itself: their going is no loss. */
  private readonly stopping = new Set<string>();
  /** What the node informer said about each pod's node; node-lost wins. Node reports act without a check. */
  private readonly nodeReports = new Map<string, NodeReport>();
  constructor(lostPending: boolean, current: string | undefined) {
    this.lostPending = lostPending;
    this.current = current;
  }

  lostReported(event?: { reason: string; message?: string; podUid?: string }): void {
    this.lostPending = true;
    const uid = event?.podUid;
    if (!uid || (event.reason !== 'node-lost' && event.reason !== 'node-interruption')) return;
    if (this.nodeReports.get(uid)?.reason === NODE_LOST) return;
    this.nodeReports.set(uid, { reason: event.reason, message: event.message ?? event.reason });
    trim(this.nodeReports);
  }

  /** The node informer's report about pod `uid`'s node, if any. */
  nodeReportOf(uid: string | undefined): NodeReport | undefined {
    return uid === undefined ? undefined : this.nodeReports.get(uid);
  }

  readyReported(uid: string, nodeName: string): void {
    this.ready.set(uid, nodeName);
    trim(this.ready);
    if (this.notReadySince.delete(uid)) this.readinessChanges += 1;
  }

  /** Since when (workflow time) each pod that had been Ready is NotReady, per the informer. */
  private readonly notReadySince = new Map<string, number>();
  /** Counts NotReady/Ready flips, so a waiting loop can wake and re-plan its timers. */
  readinessChanges = 0;

  notReadyReported(uid: string): void {
    if (this.notReadySince.has(uid)) return;
    this.notReadySince.set(uid, Date.now());
    trim(this.notReadySince);
    this.readinessChanges += 1;
  }

  /** Since when the current pod is NotReady after having been Ready; undefined while it is Ready. */
  currentNotReadySince(): number | undefined {
    return this.current === undefined ? undefined : this.notReadySince.get(this.current);
  }

  goneReported(uid: string): void {
    this.gone.add(uid);
    trim(this.gone);
    if (!this.stopping.has(uid) && (this.current === undefined || uid === this.current)) this.lostPending = true;
  }

  /**
   * Waits until the current pod is Ready and returns its node. Throws a non-retryable `PodFailed` when it
   * is lost first, `PodStartTimeout` (with the diagnosis as message) when the timeout passes.
   */
  async waitReady(acts: SessionActivities, spec: SessionSpec, timeoutSeconds: number): Promise<string> {
    const uid = this.current ?? '';
    const deadline = Date.now() + timeoutSeconds * 1000;
    const heard = (): boolean => this.ready.has(uid) || this.lostPending || this.gone.has(uid);
    for (;;) {
      const node = this.ready.get(uid);
      if (node !== undefined) return this.readyOn(uid, node);
      // A pod whose node is gone will never turn Ready, and the apiserver still shows it Pending/Running.
      const report = this.nodeReports.get(uid);
      if (report?.reason === NODE_LOST) throw podFailed(spec, nodeLossCheck(report));
      const remaining = deadline - Date.now();
      let look = this.lostPending || this.gone.has(uid) || remaining <= 0;
      if (!look) look = !(await condition(heard, Math.min(remaining, POD_READY_RECHECK_MS)));
      if (!look) continue;
      this.lostPending = false;
      const check = await acts.checkSessionPod(spec);
      const same = check.exists && (check.podUid === undefined || check.podUid === uid);
      if (same && check.ready) return this.readyOn(uid, check.nodeName ?? '');
      if (isLost(check) || !same) throw podFailed(spec, check);
      if (deadline - Date.now() <= 0) {
        const { message } = await acts.diagnosePodStart(spec, { timeoutSeconds });
        throw ApplicationFailure.create({ type: 'PodStartTimeout', message, nonRetryable: true });
      }
    }
  }

  /**
   * The node a pod turned Ready on. A pod whose node got an interruption notice while it started is
   * Ready on a node that is going away: the loss is kept pending, so the running loop hands it over
   * (its successor starts elsewhere, it keeps its grace) at once.
   */
  private readyOn(uid: string, nodeName: string): string {
    if (this.nodeReports.get(uid)?.reason === NODE_INTERRUPTION) this.lostPending = true;
    return nodeName;
  }

  /** A pod given up without waiting for it to go (its node is gone): its going is no loss. */
  abandon(uid: string | undefined): void {
    if (uid !== undefined) this.stopping.add(uid);
  }

  /** Asks for the pod's deletion and waits until the informer (or, failing it, a check) says it is gone. */
  async stop(acts: SessionActivities, spec: SessionSpec, graceSeconds: number): Promise<void> {
    const { podUid } = await acts.requestPodDeletion(spec, { graceSeconds });
    if (!podUid) return;
    this.stopping.add(podUid);
    let forced = graceSeconds === 0;
    const nodeLost = (): boolean => !forced && this.nodeReports.get(podUid)?.reason === NODE_LOST;
    for (;;) {
      const wake = (): boolean => this.gone.has(podUid) || nodeLost();
      if (await condition(wake, graceSeconds * 1000 + POD_GONE_MARGIN_MS)) {
        if (this.gone.has(podUid)) break;
        // Its node went away during the grace: no kubelet will ever confirm the stop, so remove it now.
        forced = true;
        await acts.requestPodDeletion(spec, { graceSeconds: 0 });
        continue;
      }
      const check = await acts.checkSessionPod(spec);
      if (!check.exists || check.podUid !== podUid) break;
    }
    this.stopping.delete(podUid);
    this.ready.delete(podUid);
  }
}

function podFailed(spec: SessionSpec, check: PodCheckResult): ApplicationFailure {
  const reason = check.lostReason ?? (check.exists ? 'replaced' : 'deleted');
  return ApplicationFailure.create({
    type: 'PodFailed',
    nonRetryable: true,
    message: `Pod of session ${spec.sessionId} is lost (${reason})${check.message ? `: ${check.message}` : ''}`,
  });
}

function trim(collection: Map<string, unknown> | Set<string>): void {
  while (collection.size > REMEMBERED) {
    const oldest = collection.keys().next().value as string;
    collection.delete(oldest);
  }
}
