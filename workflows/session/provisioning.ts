/**
 * The provisioning of a new session: create every object and wait for the first Ready. Runs since
 * `event-driven-core` do it in one activity; older runs keep the step-by-step path they were recorded with.
 */
import type { ProvisionResult, SessionActivities } from '../../activities/types.js';
import type { EndReason, SessionSpec, SessionState } from '../../src/session/spec.js';
import { SessionFailureType, type FailureRecord } from './contract.js';
import type { FastRecovery } from './fast-recovery.js';
import { podStartTimeoutOf } from './failures.js';
import type { PodTracker } from './pod-tracker.js';
import type { SessionPatches } from './patches.js';
import { warmIneligibility } from '../../src/session/warm-match.js';
import {
  CLAIM_IN_PROVISIONING_PATCH,
  WARM_CLAIM_PATCH,
  claimOf,
  claimWarmPod,
  recordStartMemo,
  type WarmClaim,
} from './warm-start.js';

/** What provisioning needs of the run; accessors over its fields, so run.ts stays the owner. */
export interface ProvisionHost {
  readonly acts: SessionActivities;
  readonly spec: SessionSpec;
  readonly state: SessionState;
  readonly pods: PodTracker;
  /** Whether this run follows `event-driven-core`. */
  readonly eventDriven: boolean;
  readonly patches: SessionPatches;
  /** Set when this run follows `fast-recovery`. */
  readonly fast: FastRecovery | undefined;
  /** The spec without its secrets. */
  podSpec(): SessionSpec;
  record(type: string, message?: string): void;
  /** Waits for the current pod's Ready and records it. */
  waitForReady(): Promise<void>;
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
      await host.interruptibly(() => (host.eventDriven ? this.provisionAtOnce() : this.provisionStepByStep()));
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
    const warmClaim = host.patches.has(WARM_CLAIM_PATCH);
    // Since `fast-recovery` the activity reads the secrets from the start input: they enter history once.
    const provisioned = host.fast ? host.podSpec() : host.spec;
    let warm: WarmClaim | undefined;
    let made: ProvisionResult;
    if (warmClaim && host.patches.has(CLAIM_IN_PROVISIONING_PATCH)) {
      const ineligible = warmIneligibility(host.spec);
      if (ineligible) {
        warm = { reason: ineligible };
        made = await host.acts.provisionSession(provisioned);
      } else {
        const result = await host.acts.provisionWarmSession(provisioned);
        [made, warm] = [result, claimOf(result)];
      }
    } else {
      warm = warmClaim ? await claimWarmPod(host.podSpec()) : undefined;
      // Known before provisioning, so the pod cleanup deletes the claimed pod if provisioning fails.
      if (warm?.claimed) [host.state.start, host.state.podName] = ['warm', warm.claimed.podName];
      made = await host.acts.provisionSession(
        warm?.claimed ? { ...provisioned, podName: warm.claimed.podName } : provisioned,
      );
    }
    host.pods.current = made.podUid;
    if (warm) {
      host.state.start = made.podName === warm.claimed?.podName ? 'warm' : 'cold';
      recordStartMemo(host.state.start);
    }
    // A claimed pod was Ready long before: no Ready transition will be reported for it.
    if (warm?.claimed && host.state.start === 'warm') host.pods.readyReported(made.podUid, warm.claimed.nodeName);
    host.state.podName = made.podName;
    host.state.serviceName = made.serviceName;
    host.record('secrets_created');
    host.record('configmap_created');
    if (made.claimName) {
      host.state.pvcName = made.claimName;
      host.record(host.spec.pvc.existingClaimName ? 'pvc_bound' : 'pvc_created', made.claimName);
    }
    if (warm?.claimed && host.state.start === 'warm') {
      host.record('warm_claimed', `pod ${made.podName} of warm pool ${warm.claimed.pool}`);
    } else if (warm) {
      host.record('cold_start', warm.reason ?? 'the claimed warm pod was gone before provisioning');
    }
    host.record('pod_created', made.podName);
    host.record('service_created', made.serviceName);
    if (host.fast) await host.fast.waitForFirstReady();
    else await host.waitForReady();
  }

  /** The pre-`event-driven-core` provisioning, kept for runs that started with it. */
  private async provisionStepByStep(): Promise<void> {
    const { host } = this;
    const { acts, spec } = host;
    host.registerObjectsCleanup();
    await acts.ensureCredentialsSecret(spec);
    await acts.ensureMcpSecret(spec);
    host.record('secrets_created');
    await acts.ensureSessionConfigMap(spec);
    host.record('configmap_created');
    const claim = await acts.ensureSessionPvc(spec);
    if (claim) {
      host.state.pvcName = claim.claimName;
      host.record(spec.pvc.existingClaimName ? 'pvc_bound' : 'pvc_created', claim.claimName);
    }
    host.registerPodCleanup();
    const pod = await acts.ensureSessionPod(spec);
    host.state.podName = pod.podName;
    host.record('pod_created', pod.podName);
    await acts.ensureSessionService(spec);
    // src/k8s/names.ts gives the Service the pod's name (both are the session's base name).
    host.state.serviceName = pod.podName;
    host.record('service_created', host.state.serviceName);
    await host.waitForReady();
  }
}
