/**
 * Suspend, resume and idle auto-suspend of a session workflow. The run loop
 * (./run.ts) asks {@link SuspendCycle.pending} and runs {@link SuspendCycle.step} between its other
 * duties, so a suspend never races a pod recovery: every change of the pod happens on the loop.
 *
 * Idle: the API signals the last proxied request (throttled); a timer to `last activity + idleMinutes`
 * asks the agent's `/status` once, and suspends with reason `idle` if it is `stable`, else re-arms.
 */
import { ApplicationFailure, condition, isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { SuspendActivities } from '../contract/activities.js';
import type { SuspendRef } from '../contract/activities.js';
import { isEndingOrEnded, type SessionSpec, type SessionState, type SessionStatus } from '../contract/spec.js';
import {
  SuspendRejection,
  agentIsIdle,
  resumeRefusal,
  suspendRefusal,
  type Refusal,
  type SuspendSubject,
} from '../contract/suspension.js';
import { resumeSessionUpdate, sessionActivitySignal, suspendSessionUpdate } from '../contract/session-messages.js';
import { onSignal, onUpdate } from '../parsed-messages.js';
import { MINUTE_MS } from './failures.js';

const acts = proxyActivities<SuspendActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '20 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['InvalidActivityInput', 'KubernetesInvalid', 'KubernetesForbidden'],
  },
});

/** What the cycle needs of the run; closures over its private parts, so run.ts stays the owner. */
export interface SuspendHost {
  spec: SessionSpec;
  state: SessionState;
  terminating(): boolean;
  record(type: string, message?: string): void;
  transition(to: SessionStatus, reason?: string): Promise<void>;
  /** Deletes the pod with the spec's SIGTERM grace and waits until it is gone. */
  stopPod(): Promise<void>;
  /** Recreates the pod and Service and waits for Ready; throws like a failed start. */
  startPod(): Promise<void>;
}

type Request = { kind: 'suspend'; reason: string } | { kind: 'resume' };

export class SuspendCycle {
  private request: Request | undefined;
  private lastActivity: number | undefined;

  constructor(
    private readonly host: SuspendHost,
    lastActivityAt: string | undefined,
  ) {
    this.lastActivity = lastActivityAt ? Date.parse(lastActivityAt) : undefined;
  }

  install(): void {
    const { host } = this;
    onSignal(sessionActivitySignal, ({ at }) => {
      const t = Date.parse(at);
      // A clock ahead of the workflow's must not postpone idleness for ever.
      if (Number.isFinite(t)) this.lastActivity = Math.max(this.lastActivity ?? 0, Math.min(t, Date.now()));
    });
    onUpdate(
      suspendSessionUpdate,
      async () => {
        await this.holdPlace('suspend');
        this.request ??= { kind: 'suspend', reason: 'user' };
        await condition(() => host.state.status === 'suspended' || this.over());
        return host.state;
      },
      { validate: () => this.refuse(suspendRefusal(this.subject())) },
    );
    onUpdate(
      resumeSessionUpdate,
      async () => {
        if (host.state.status === 'suspended' && this.request?.kind !== 'resume') {
          await this.holdPlace('resume');
          this.request = { kind: 'resume' };
        }
        await condition(() => host.state.status === 'running' || this.over());
        return host.state;
      },
      { validate: () => this.refuse(resumeRefusal(this.subject())) },
    );
  }

  /** Last proxied activity, for the next run when this one continues as new. */
  carry(): string | undefined {
    return this.lastActivity !== undefined ? new Date(this.lastActivity).toISOString() : undefined;
  }

  /** Whether {@link step} has something to do now. */
  pending(): boolean {
    const status = this.host.state.status;
    if (this.request?.kind === 'suspend') return status === 'running';
    if (this.request?.kind === 'resume') return status === 'suspended';
    const due = this.idleDeadline();
    return due !== undefined && Date.now() >= due;
  }

  /** When the loop must wake for the idle check; undefined when none is armed. */
  wakeAt(): number | undefined {
    return this.idleDeadline();
  }

  async step(): Promise<void> {
    const request = this.request;
    if (request?.kind === 'suspend') {
      this.request = undefined;
      await this.suspend(request.reason);
    } else if (request?.kind === 'resume') {
      this.request = undefined;
      await this.resume();
    } else {
      try {
        await this.checkIdle();
      } catch (err) {
        if (isCancellation(err)) throw err;
        // A failed idle check (e.g. the ledger unreachable) must not end the session: try next period.
        log.warn('idle check failed', { error: String(err) });
        this.lastActivity = Date.now();
      }
    }
  }

  // ---- steps ----------------------------------------------------------------------------------------

  private async checkIdle(): Promise<void> {
    const { status } = await acts.agentStatus(this.ref());
    // Traffic that arrived while the agent was asked also counts.
    const stillDue = Date.now() >= (this.idleDeadline() ?? Infinity);
    if (!agentIsIdle(status) || !stillDue || this.host.state.status !== 'running' || this.request) {
      this.lastActivity = Date.now();
      return;
    }
    const place = await acts.holdSuspendedPlace(this.ref());
    if (!place.ok) {
      this.host.record('idle_suspend_skipped', place.message);
      this.lastActivity = Date.now();
      return;
    }
    await this.suspend('idle');
  }

  private async suspend(reason: string): Promise<void> {
    const { host } = this;
    host.record('suspending', reason);
    await host.stopPod();
    await acts.deleteSessionService(this.ref());
    delete host.state.nodeName;
    host.record('suspended', reason);
    await host.transition('suspended', reason);
  }

  private async resume(): Promise<void> {
    const { host } = this;
    host.record('resuming');
    await host.transition('resuming');
    await host.startPod();
    host.record('running', 'resumed');
    await host.transition('running');
    this.lastActivity = Date.now();
  }

  // ---- helpers --------------------------------------------------------------------------------------

  /** Moves the session in its user's ledger; refuses the update (429) when the destination is full. */
  private async holdPlace(kind: 'suspend' | 'resume'): Promise<void> {
    const place =
      kind === 'suspend' ? await acts.holdSuspendedPlace(this.ref()) : await acts.holdRunningPlace(this.ref());
    if (place.ok) return;
    throw ApplicationFailure.create({
      type: kind === 'suspend' ? SuspendRejection.SuspendedQuotaExceeded : SuspendRejection.QuotaExceeded,
      message: place.message,
      nonRetryable: true,
    });
  }

  private idleDeadline(): number | undefined {
    const { spec, state } = this.host;
    if (!spec.idleMinutes || !spec.pvc.enabled || state.status !== 'running' || this.host.terminating()) {
      return undefined;
    }
    const since = this.lastActivity ?? Date.parse(state.phases.running ?? state.createdAt);
    return since + spec.idleMinutes * MINUTE_MS;
  }

  private over(): boolean {
    return isEndingOrEnded(this.host.state.status) || this.host.terminating();
  }

  private subject(): SuspendSubject {
    const { spec, state } = this.host;
    return {
      sessionId: spec.sessionId,
      status: state.status,
      hasPvc: spec.pvc.enabled,
      terminating: this.host.terminating(),
    };
  }

  private refuse(refusal: Refusal | undefined): void {
    if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message });
  }

  private ref(): SuspendRef {
    const { spec } = this.host;
    return { namespace: spec.namespace, user: spec.user, sessionId: spec.sessionId };
  }
}
