/**
 * Replacing the session's pod once it runs: after a loss (checked by the running loop in ./run.ts, within
 * the restart budget, handed over on an interruption notice, ./handover.ts) and on a resume
 * (./suspension.ts). A termination request aborts either.
 */
import { ApplicationFailure, CancellationScope, isCancellation, log } from '@temporalio/workflow';
import type { PodCheckResult, SessionActivities } from '../contract/activities.js';
import type { EndReason, SessionSpec, SessionState, SessionStatus } from '../contract/spec.js';
import { SessionFailureType, type FailureRecord } from '../contract/session-run.js';
import type { FastRecovery } from './fast-recovery.js';
import { MINUTE_MS, errorCode, failureTypeOf, isLost, now, podStartTimeoutOf, rootMessage } from './failures.js';
import { handsOver, replacesBeside } from './handover.js';
import type { PodTracker } from './pod-tracker.js';
import type { RunState } from './run-state.js';
import { nodeLossCheck, replacementGraceSeconds } from './recovery.js';

/** What the replacement needs of the run; accessors over its fields, so run.ts stays the owner. */
export interface ReplacementHost {
  readonly acts: SessionActivities;
  readonly spec: SessionSpec;
  readonly state: SessionState;
  readonly pods: PodTracker;
  readonly fast: FastRecovery;
  readonly runState: RunState;
  /** The spec without its secrets. */
  podSpec(): SessionSpec;
  record(type: string, message?: string): void;
  transition(to: SessionStatus, reason?: string): Promise<void>;
  /** Deletes the pod with `graceSeconds` and returns once it is gone. */
  stopPod(graceSeconds: number): Promise<void>;
  /** Waits for the current pod's Ready and records it. */
  waitForReady(): Promise<void>;
  /** Runs `fn` in a scope that a termination request cancels. */
  interruptibly<T>(fn: () => Promise<T>): Promise<T>;
  /** True when `err` is the run's own abort of a step for a termination request. */
  isTerminationAbort(err: unknown): boolean;
  /** Records why the session fails, before the run throws. */
  fail(failure: FailureRecord): void;
}

export class PodReplacement {
  constructor(private readonly host: ReplacementHost) {}

  /** Looks at the pod (or takes `known`, what the informer already told) and recovers it when lost. */
  async checkPod(known?: PodCheckResult): Promise<void> {
    const { host } = this;
    let check: PodCheckResult;
    const reported = host.pods.nodeReportOf(host.pods.current);
    try {
      check = known ?? (reported ? nodeLossCheck(reported) : await host.acts.checkSessionPod(host.podSpec()));
    } catch (err) {
      if (isCancellation(err)) throw err;
      // An unanswered health check is no evidence of loss; the next signal or check decides.
      log.warn('pod check failed', { error: String(err) });
      return;
    }
    if (!isLost(check)) return;
    try {
      await host.interruptibly(() => host.fast.beforeDeadline(() => this.recoverPod(check)));
    } catch (err) {
      // Past the deadline the running loop shuts the session down with reason `timeout`.
      if (!host.isTerminationAbort(err) && !host.fast.isDeadlineAbort(err)) throw err;
    }
  }

  /** Recreates a suspended session's pod and Service on its claim; a termination request aborts it. */
  async resumePod(): Promise<void> {
    const { host } = this;
    host.pods.lostPending = false;
    try {
      await host.interruptibly(async () => {
        await host.acts.ensureSessionService(host.podSpec());
        const pod = await host.acts.ensureSessionPod(host.podSpec());
        host.pods.current = pod.podUid;
        // A warm or handed-over pod was deleted by the suspend: the session's own `<base>` pod replaces it.
        [host.state.podName, host.runState.namedPod] = [pod.podName, undefined];
        await host.waitForReady();
      });
    } catch (err) {
      if (host.isTerminationAbort(err)) return;
      const diagnosis = podStartTimeoutOf(err);
      host.fail({
        type: SessionFailureType.PodFailed,
        endReason: 'pod_failed' satisfies EndReason,
        code: diagnosis !== undefined ? 'POD_START_TIMEOUT' : errorCode(err),
        message: `the resumed pod did not become Ready: ${diagnosis ?? rootMessage(err)}`,
      });
      throw err;
    }
  }

  /** Replaces a lost pod (same name, same Secrets and claim) until one is Ready or the budget is spent. */
  private async recoverPod(lost: PodCheckResult): Promise<void> {
    const { host } = this;
    let check: PodCheckResult = lost;
    for (;;) {
      const reason = check.lostReason ?? (check.exists ? (check.phase ?? 'failed') : 'deleted');
      host.state.restartCount += 1;
      host.record('pod_lost', check.message ? `${reason}: ${check.message}` : reason);
      const at = Date.now();
      const windowStart = at - host.spec.restartPolicy.windowMinutes * MINUTE_MS;
      host.runState.restartTimes = [...host.runState.restartTimes.filter((t) => Date.parse(t) > windowStart), now()];
      await host.transition('restarting', reason);
      if (host.runState.restartTimes.length > host.spec.restartPolicy.maxRestarts) {
        const failure: FailureRecord = {
          type: SessionFailureType.PodFailed,
          endReason: 'pod_failed' satisfies EndReason,
          code: 'POD_FAILED',
          message: `pod lost (${reason}) ${host.runState.restartTimes.length} times within ${host.spec.restartPolicy.windowMinutes} minutes; the restart policy allows ${host.spec.restartPolicy.maxRestarts}`,
        };
        host.fail(failure);
        throw ApplicationFailure.create({ type: failure.type, message: failure.message, nonRetryable: true });
      }
      // On an interruption notice the old pod keeps serving until its successor is Ready (./handover.ts).
      const previous = handsOver(check, host.spec) ? host.podSpec() : undefined;
      if (!previous && replacesBeside(check, host.spec)) {
        host.pods.abandon(host.pods.current);
        const [pod] = await Promise.all([
          host.acts.ensureSessionPod(host.podSpec(), { generation: host.state.restartCount }),
          host.acts.requestPodDeletion(host.podSpec(), { graceSeconds: 0 }),
        ]);
        host.pods.current = pod.podUid;
        host.state.podName = host.runState.namedPod = pod.podName;
      } else if (previous) {
        const pod = await host.acts.ensureSessionPod(host.podSpec(), { generation: host.state.restartCount });
        host.pods.current = pod.podUid;
        host.state.podName = host.runState.namedPod = pod.podName;
        host.record('pod_created', `${pod.podName}, beside ${previous.podName ?? 'the session pod'} until it is Ready`);
      } else {
        if (check.exists) await host.stopPod(replacementGraceSeconds(check, host.spec));
        // A lost warm or handed-over pod is replaced like any other, by the session's own `<base>` pod.
        const pod = await host.acts.ensureSessionPod(host.podSpec());
        host.pods.current = pod.podUid;
        if (host.state.start === 'warm' || host.runState.namedPod)
          [host.state.podName, host.runState.namedPod] = [pod.podName, undefined];
      }
      try {
        await host.waitForReady();
      } catch (err) {
        // Whatever became of its successor, the interrupted pod still goes, with its grace.
        if (previous) await this.stopHandedOver(previous);
        if (failureTypeOf(err) === 'PodFailed') {
          // Lost again before it was Ready (e.g. another preemption): that costs another restart.
          check = (await host.fast.lostBeforeReady(err))!;
          continue;
        }
        const diagnosis = podStartTimeoutOf(err);
        if (diagnosis !== undefined) {
          host.fail({
            type: SessionFailureType.PodFailed,
            endReason: 'pod_failed' satisfies EndReason,
            code: 'POD_START_TIMEOUT',
            message: `the replacement pod did not become Ready: ${diagnosis}`,
          });
        }
        throw err;
      }
      if (previous) await this.stopHandedOver(previous);
      host.record('pod_restarted', `on node ${host.state.nodeName ?? 'unknown'}`);
      await host.transition('running');
      return;
    }
  }

  /** Stops a handed-over pod with its full grace: its node is going away, its agent may save its work. */
  private async stopHandedOver(previous: SessionSpec): Promise<void> {
    const { host } = this;
    await CancellationScope.nonCancellable(() => host.pods.stop(host.acts, previous, host.spec.podStopGraceSeconds));
  }
}
