/**
 * How a session run ends: a graceful shutdown, or on failure or cancellation an undo of whatever exists,
 * saga style. Undo steps are registered before the step that creates their objects (./provisioning.ts; a
 * continued run registers them at once); a step that finds the session failed says why through
 * {@link SessionEnding.fail} before it throws, and the run (./run.ts) hands over here at its end.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
} from '@temporalio/workflow';
import type { SessionActivities } from '../contract/activities.js';
import type { EndReason, SessionError, SessionSpec, SessionState, SessionStatus } from '../contract/spec.js';
import { SessionFailureType, type FailureRecord, type ShutdownRequest } from '../contract/session-run.js';
import { errorCode, now, rootMessage } from './failures.js';
import type { RunState } from './run-state.js';

/** What the ending needs of the run; accessors over its fields, so run.ts stays the owner. */
export interface EndingHost {
  readonly acts: SessionActivities;
  readonly spec: SessionSpec;
  readonly state: SessionState;
  /** The run's root scope: its cancellation is the workflow's, not a termination request's. */
  readonly root: CancellationScope;
  readonly runState: RunState;
  /** The spec without its secrets. */
  podSpec(): SessionSpec;
  /** Deletes the pod with `graceSeconds` and returns once it is gone. */
  stopPod(graceSeconds: number): Promise<void>;
  record(type: string, message?: string): void;
  transition(to: SessionStatus, reason?: string): Promise<void>;
}

export class SessionEnding {
  /** Undo steps, newest first, saga style. Each is idempotent (deletes ignore 404). */
  private readonly compensations: { name: string; undo: () => Promise<void> }[] = [];
  private failure: FailureRecord | undefined;
  /** Set once graceful shutdown has begun, to tell a failed cleanup from a failed session. */
  private shutdownReason: string | undefined;

  constructor(private readonly host: EndingHost) {}

  /** Records why the session fails, before the step that found it throws. */
  fail(failure: FailureRecord): void {
    this.failure = failure;
  }

  /** Graceful end: SIGTERM with the spec's grace, then every other object. Not abortable once begun. */
  async shutdown(request: ShutdownRequest): Promise<SessionState> {
    const { host } = this;
    this.shutdownReason = request.reason;
    await CancellationScope.nonCancellable(async () => {
      host.record('terminating', request.reason);
      await host.transition('terminating', request.reason);
      await host.stopPod(host.spec.podStopGraceSeconds);
      await this.deleteObjects(this.deletePvcPolicy(request.deletePvc));
      await this.releaseQuota();
      host.state.endedAt = now();
      host.state.endReason = request.reason;
      host.record('terminated', request.reason);
      await host.transition('terminated', request.reason);
      await condition(allHandlersFinished);
    });
    return host.state;
  }

  /**
   * Failure or cancellation: undo whatever exists, record the end, and rethrow so the workflow closes as
   * failed (with a typed ApplicationFailure) or cancelled.
   */
  async abort(err: unknown): Promise<never> {
    const { host } = this;
    const cancelled = isCancellation(err) && host.root.consideredCancelled;
    const failure = cancelled ? undefined : (this.failure ?? this.classify(err));
    await CancellationScope.nonCancellable(async () => {
      if (failure) {
        host.state.lastError = { code: failure.code, message: failure.message, at: now() } satisfies SessionError;
        host.state.endReason = failure.endReason;
        host.record('failed', failure.message);
        await host.transition('failed', failure.endReason);
      } else {
        host.record('terminating', 'cancelled');
        await host.transition('terminating', 'cancelled');
      }
      for (const { name, undo } of this.compensations) {
        try {
          await undo();
        } catch (cleanupErr) {
          // Keep undoing the rest: one stuck object must not orphan the others.
          log.error('cleanup step failed', { step: name, error: String(cleanupErr) });
          host.record('cleanup_failed', `${name}: ${rootMessage(cleanupErr)}`);
        }
      }
      await this.releaseQuota();
      host.state.endedAt = now();
      if (!failure) {
        host.state.endReason = 'cancelled' satisfies EndReason;
        host.record('terminated', 'cancelled');
        await host.transition('terminated', 'cancelled');
      }
      await condition(allHandlersFinished);
    });
    if (!failure) throw err instanceof CancelledFailure ? err : new CancelledFailure('session workflow cancelled');
    throw ApplicationFailure.create({
      type: failure.type,
      message: failure.message,
      nonRetryable: true,
      // The final state, for readers of the closed workflow (finalStateOf in the contract).
      details: [host.state],
      ...(err instanceof Error ? { cause: err } : {}),
    });
  }

  registerObjectsCleanup(): void {
    this.addCompensation('objects', async () => {
      await this.deleteObjects(this.deletePvcPolicy(this.host.runState.terminate?.deletePvc));
    });
  }

  registerPodCleanup(): void {
    this.addCompensation('pod', async () => {
      // A running agent gets its SIGTERM grace to save work; a pod that never served anyone does not.
      await this.host.stopPod(this.host.state.phases.running ? this.host.spec.podStopGraceSeconds : 0);
    });
  }

  private classify(err: unknown): FailureRecord {
    if (this.shutdownReason !== undefined) {
      return {
        type: SessionFailureType.CleanupFailed,
        endReason: this.shutdownReason,
        code: errorCode(err),
        message: `shutdown failed: ${rootMessage(err)}`,
      };
    }
    const running = this.host.state.phases.running !== undefined;
    return {
      type: running ? SessionFailureType.PodFailed : SessionFailureType.ProvisionFailed,
      endReason: running ? ('pod_failed' satisfies EndReason) : ('provision_failed' satisfies EndReason),
      code: errorCode(err),
      message: rootMessage(err),
    };
  }

  private addCompensation(name: string, undo: () => Promise<void>): void {
    if (!this.compensations.some((c) => c.name === name)) this.compensations.unshift({ name, undo });
  }

  private async deleteObjects(deletePvc: boolean): Promise<void> {
    const result = await this.host.acts.deleteSessionObjects(this.host.podSpec(), { deletePvc });
    if (this.host.state.pvcName) this.host.state.pvcRetained = !deletePvc || result.retainedPvc !== undefined;
  }

  /** Frees the session's place in its user's quota ledger; admission then needs no liveness checks. */
  private async releaseQuota(): Promise<void> {
    const { host } = this;
    try {
      await host.acts.releaseQuota({
        namespace: host.spec.namespace,
        user: host.spec.user,
        sessionId: host.spec.sessionId,
      });
    } catch (err) {
      // A stale entry only costs one liveness check at the user's next admission (see src/session/quota.ts).
      log.warn('quota release failed', { error: String(err) });
    }
  }

  /**
   * Whether the session's claim goes with it. An adopted claim never does. A claim created by a start
   * that never reached running holds no work, so keeping it would only orphan it; otherwise the caller's
   * override, else the spec's policy.
   */
  private deletePvcPolicy(override: boolean | undefined): boolean {
    const { spec, state } = this.host;
    if (!spec.pvc.enabled || spec.pvc.existingClaimName) return false;
    if (override !== undefined) return override;
    if (state.phases.running === undefined) return true;
    return spec.pvc.deleteOnTerminate;
  }
}
