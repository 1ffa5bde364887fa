/**
 * The provisioning of a new session: one activity creates every object (independent ones concurrently,
 * and the claim of a warm pod beside them when the session may start warm); readiness comes from the
 * informer's signals.
 */
import type { ProvisionResult, SessionActivities } from '../contract/activities.js';
import type { EndReason, SessionSpec, SessionState } from '../contract/spec.js';
import { SessionFailureType, type FailureRecord } from '../contract/session-run.js';
import type { FastRecovery } from './fast-recovery.js';
import { podStartTimeoutOf } from './failures.js';
import type { PodTracker } from './pod-tracker.js';
import { warmIneligibility } from '../contract/warm-match.js';
import { claimOf, recordStartMemo, type WarmClaim } from './warm-start.js';

/** What provisioning needs of the run; accessors over its fields, so run.ts stays the owner. */
export interface ProvisionHost {
  readonly acts: SessionActivities;
  readonly spec: SessionSpec;
  readonly state: SessionState;
  readonly pods: PodTracker;
  readonly fast: FastRecovery;
  /** The spec without its secrets. */
  podSpec(): SessionSpec;
  record(type: string, message?: string): void;
  /** Runs `fn` in a scope that a termination request cancels. */
  interruptibly<T>(fn: () => Promise<T>): Promise<T>;
  /** True when `err` is the run's own abort of a step for a termination request. */
  isTerminationAbort(err: unknown): boolean;
  registerObjectsCleanup(): void;
  registerPodCleanup(): void;
  /** Records why the session fails, before the run throws. */
  fail(failure: FailureRecord): void;
}

export class Provisioning {
  constructor(private readonly host: ProvisionHost) {}

  /** Creates every object and waits for Ready. Returns true when a termination request aborted it. */
  async provision(): Promise<boolean> {
    const { host } = this;
    try {
      await host.interruptibly(() => this.provisionAtOnce());
      return false;
    } catch (err) {
      if (host.isTerminationAbort(err)) return true;
      const diagnosis = podStartTimeoutOf(err);
      if (diagnosis !== undefined) {
        host.fail({
          type: SessionFailureType.PodStartTimeout,
          endReason: 'start_timeout' satisfies EndReason,
          code: 'POD_START_TIMEOUT',
          message: diagnosis,
        });
      }
      throw err;
    }
  }

  /** One activity creates every object, independent ones concurrently; readiness comes from the informer. */
  private async provisionAtOnce(): Promise<void> {
    const { host } = this;
    // Undo steps are registered before their step: a step that fails or is cancelled mid-call may still
    // have created objects, and the deletes are idempotent.
    host.registerObjectsCleanup();
    host.registerPodCleanup();
    // The activity reads the secrets from the start input: they enter the history once.
    const provisioned = host.podSpec();
    let warm: WarmClaim;
    let made: ProvisionResult;
    const ineligible = warmIneligibility(host.spec);
    if (ineligible) {
      warm = { reason: ineligible };
      made = await host.acts.provisionSession(provisioned);
    } else {
      const result = await host.acts.provisionWarmSession(provisioned);
      [made, warm] = [result, claimOf(result)];
    }
    host.pods.current = made.podUid;
    host.state.start = made.podName === warm.claimed?.podName ? 'warm' : 'cold';
    recordStartMemo(host.state.start);
    // A claimed pod was Ready long before: no Ready transition will be reported for it.
    if (warm.claimed && host.state.start === 'warm') host.pods.readyReported(made.podUid, warm.claimed.nodeName);
    host.state.podName = made.podName;
    host.state.serviceName = made.serviceName;
    host.record('secrets_created');
    host.record('configmap_created');
    if (made.claimName) {
      host.state.pvcName = made.claimName;
      host.record(host.spec.pvc.existingClaimName ? 'pvc_bound' : 'pvc_created', made.claimName);
    }
    if (warm.claimed && host.state.start === 'warm') {
      host.record('warm_claimed', `pod ${made.podName} of warm pool ${warm.claimed.pool}`);
    } else {
      host.record('cold_start', warm.reason ?? 'the claimed warm pod was gone before provisioning');
    }
    host.record('pod_created', made.podName);
    host.record('service_created', made.serviceName);
    await host.fast.waitForFirstReady();
  }
}
