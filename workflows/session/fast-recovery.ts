/**
 * The session workflow's pod recovery rules, kept out of ./run.ts:
 *
 * - A pod lost before its first Ready (preempted, deleted, its node gone while starting) is replaced
 *   through the restart budget instead of failing the session.
 * - A recovery ends when the session's deadline passes (the running loop then shuts it down).
 * - The node informer's reports act without a GET (see ./recovery.ts); the grace rules are there too.
 */
import { ApplicationFailure, CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import type { PodCheckResult, SessionActivities } from '../contract/activities.js';
import type { EndReason, SessionSpec, SessionState } from '../contract/spec.js';
import { failureTypeOf, now, rootMessage } from './failures.js';
import type { PodTracker } from './pod-tracker.js';
import type { RunState } from './run-state.js';
import { nodeLossCheck, replacementGraceSeconds, restartTimesWith } from './recovery.js';

/** What the recovery needs of its run: the run owns the state, this only drives it. */
export interface RecoveryHost {
  readonly acts: SessionActivities;
  readonly spec: SessionSpec;
  readonly pods: PodTracker;
  readonly state: SessionState;
  /** The spec without its secrets. */
  podSpec(): SessionSpec;
  record(type: string, message?: string): void;
  stopPod(graceSeconds: number): Promise<void>;
  /** Waits for the current pod's Ready and records it (throws `PodFailed` when it is lost first). */
  waitForReady(): Promise<void>;
  readonly runState: RunState;
  /** Records why the session fails, before the run throws. */
  fail(failure: { type: 'PodFailed'; endReason: EndReason; code: string; message: string }): void;
}

export class FastRecovery {
  constructor(private readonly host: RecoveryHost) {}

  /**
   * Waits for the first Ready. A pod lost before it costs one restart of the budget and is replaced (the
   * session stays `creating`); each replacement gets the full start timeout.
   */
  async waitForFirstReady(): Promise<void> {
    const { host } = this;
    for (;;) {
      try {
        await host.waitForReady();
        return;
      } catch (err) {
        const lost = await this.lostBeforeReady(err);
        if (!lost) throw err;
        this.spendRestart(lost);
        if (lost.exists) await host.stopPod(replacementGraceSeconds(lost, host.spec));
        const pod = await host.acts.ensureSessionPod(host.podSpec());
        host.pods.current = pod.podUid;
        host.state.podName = pod.podName;
        host.record('pod_created', pod.podName);
      }
    }
  }

  /**
   * Why the pod being waited for was lost, when `err` (if given) is such a loss: the node informer's word
   * or, failing it, the pod as it is now. Undefined when `err` is another failure.
   */
  async lostBeforeReady(err?: unknown): Promise<PodCheckResult | undefined> {
    if (err !== undefined && failureTypeOf(err) !== 'PodFailed') return undefined;
    const report = this.host.pods.nodeReportOf(this.host.pods.current);
    if (report) return nodeLossCheck(report);
    const check = await this.host.acts.checkSessionPod(this.host.podSpec());
    return { ...check, lostReason: check.lostReason ?? 'failed', message: check.message ?? rootMessage(err) };
  }

  /** Counts a restart before the first Ready; throws `PodFailed` once the policy's budget is spent. */
  private spendRestart(lost: PodCheckResult): void {
    const { host } = this;
    const reason = lost.lostReason ?? 'failed';
    host.state.restartCount += 1;
    host.record('pod_lost', lost.message ? `${reason}: ${lost.message}` : reason);
    const { maxRestarts, windowMinutes } = host.spec.restartPolicy;
    host.runState.restartTimes = restartTimesWith(host.runState.restartTimes, now(), windowMinutes);
    if (host.runState.restartTimes.length <= maxRestarts) return;
    const message = `pod lost (${reason}) ${host.runState.restartTimes.length} times within ${windowMinutes} minutes before it was Ready; the restart policy allows ${maxRestarts}`;
    host.fail({ type: 'PodFailed', endReason: 'pod_failed', code: 'POD_FAILED', message });
    throw ApplicationFailure.create({ type: 'PodFailed', message, nonRetryable: true });
  }

  /**
   * When the current pod, NotReady since the informer said so after having been Ready, counts as lost
   * (`restartPolicy.unhealthyMinutes` later); undefined while it is Ready or the rule is off.
   */
  unhealthyAt(): number | undefined {
    const minutes = this.host.spec.restartPolicy.unhealthyMinutes;
    const since = this.host.pods.currentNotReadySince();
    return minutes && since !== undefined ? since + minutes * 60_000 : undefined;
  }

  /** The pod as {@link unhealthyAt} judges it: still running, so it is stopped with its grace. */
  unhealthyCheck(): PodCheckResult {
    const minutes = this.host.spec.restartPolicy.unhealthyMinutes ?? 0;
    return {
      exists: true,
      ready: false,
      lostReason: 'unhealthy',
      message: `the pod was NotReady for ${minutes} minutes after having been Ready`,
    };
  }

  /**
   * Runs `fn` (a recovery) until it ends or the session's deadline passes, whichever is first; an extension
   * meanwhile moves the deadline. Past the deadline `fn` is cancelled: see {@link isDeadlineAbort}.
   */
  async beforeDeadline<T>(fn: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope();
    let done = false;
    const watch = (async () => {
      while (!done) {
        const left = Date.parse(this.host.state.expiresAt ?? this.host.state.maxExpiresAt) - Date.now();
        if (left <= 0) {
          scope.cancel();
          return;
        }
        await condition(() => done, left);
      }
    })().catch(() => undefined);
    try {
      return await scope.run(fn);
    } finally {
      done = true;
      await watch;
    }
  }

  /** True when `err` is {@link beforeDeadline}'s cancellation of a recovery that outlived the deadline. */
  isDeadlineAbort(err: unknown): boolean {
    const deadline = Date.parse(this.host.state.expiresAt ?? this.host.state.maxExpiresAt);
    return isCancellation(err) && Date.now() >= deadline;
  }
}
