/**
 * One run of a session workflow (see ../session.ts). The lifecycle: provision (./provisioning.ts), wait for
 * Ready, run until the deadline or a termination request (recovering lost pods, ./pod-replacement.ts), shut
 * down; on failure or cancellation undo whatever exists, saga style (./ending.ts). What its messages do is
 * in ./messages.ts.
 */
import {
  CancellationScope,
  CancelledFailure,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SessionActivities } from '../contract/activities.js';
import type { EndReason, SessionSpec, SessionState, SessionStatus } from '../contract/spec.js';
import { SessionStatusKey } from '../contract/search-attributes.js';
import { sessionActivities } from './activities.js';
import type { SessionCarryOver, SessionTuning, ShutdownRequest } from '../contract/session-run.js';
import { SessionEnding, type EndingHost } from './ending.js';
import { addMinutes, now } from './failures.js';
import { installSessionHandlers, type MessageHost } from './messages.js';
import { PodReplacement, type ReplacementHost } from './pod-replacement.js';
import { PodTracker } from './pod-tracker.js';
import { Provisioning, type ProvisionHost } from './provisioning.js';
import { FastRecovery, type RecoveryHost } from './fast-recovery.js';
import type { RunState } from './run-state.js';
import { SuspendCycle } from './suspension.js';
import { recordStatusChange } from './audit-record.js';
import { publishSessionAttributes } from './identity-attributes.js';

export { SessionFailureType, type SessionCarryOver, type SessionTuning } from '../contract/session-run.js';

/** The run as its helpers see it; each helper's own interface says which part it uses. */
type RunHost = MessageHost & ProvisionHost & ReplacementHost & EndingHost & RecoveryHost;

const EVENTS_KEPT = 200;
const CONTAINER_PORT = 9000;

export class SessionRun {
  private readonly acts: SessionActivities;
  private readonly root = CancellationScope.current();
  private readonly state: SessionState;
  private readonly pods: PodTracker;
  private readonly runState: RunState;
  private readonly fast: FastRecovery;
  private readonly rest: SuspendCycle;
  private readonly host: RunHost;
  private readonly provisioning: Provisioning;
  private readonly replacement: PodReplacement;
  private readonly ending: SessionEnding;

  constructor(
    private readonly spec: SessionSpec,
    private readonly carried: SessionCarryOver | undefined,
    private readonly tuning: SessionTuning | undefined,
  ) {
    this.acts = sessionActivities();
    this.runState = {
      terminate: carried?.terminate,
      interruptible: undefined,
      nextSeq: carried?.nextSeq ?? 1,
      draining: false,
      // A run continued as new gets the pod it runs in through its spec (see continueAsNew).
      namedPod: spec.podName,
      restartTimes: carried?.restartTimes ?? [],
    };
    if (carried) {
      this.state = carried.state;
      this.pods = new PodTracker(carried.podLostPending, carried.podUid);
    } else {
      const createdAt = now();
      this.state = {
        sessionId: spec.sessionId,
        user: spec.user,
        namespace: spec.namespace,
        status: 'creating',
        url: '',
        // Object names are derived with a hash (src/k8s/names.ts, node:crypto), which the sandbox cannot
        // run; they are filled in from what the activities report.
        podName: '',
        serviceName: '',
        createdAt,
        maxExpiresAt: addMinutes(createdAt, spec.maxLifetimeMinutes),
        restartCount: 0,
        phases: { creating: createdAt },
        events: [],
      };
      this.pods = new PodTracker(false, undefined);
    }
    const host = this.helperHost();
    this.fast = new FastRecovery(host);
    this.host = { ...host, fast: this.fast };
    this.provisioning = new Provisioning(this.host);
    this.replacement = new PodReplacement(this.host);
    this.ending = new SessionEnding(this.host);
    if (carried) {
      // Only a running session continues as new, so everything was provisioned.
      this.ending.registerObjectsCleanup();
      this.ending.registerPodCleanup();
    }
    this.rest = new SuspendCycle(
      {
        spec,
        state: this.state,
        terminating: () => this.runState.terminate !== undefined,
        record: (type, message) => this.record(type, message),
        transition: (to, reason) => this.transition(to, reason),
        stopPod: () => this.stopPod(this.spec.podStopGraceSeconds),
        startPod: () => this.replacement.resumePod(),
      },
      carried?.lastActivityAt,
    );
    installSessionHandlers(this.host);
    this.rest.install();
  }

  async run(): Promise<SessionState> {
    publishSessionAttributes(this.spec, this.state.status);
    try {
      if (!this.carried) {
        this.audit(undefined, 'creating');
        const aborted = await this.provisioning.provision();
        if (!aborted) await this.enterRunning();
      }
      const request = this.runState.terminate ?? (await this.runUntilShutdown());
      return await this.ending.shutdown(request);
    } catch (err) {
      // Continuing as new is how a long session survives, not an end: nothing to undo.
      if (err instanceof ContinueAsNew) throw err;
      return await this.ending.abort(err);
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /** Waits for the current pod's Ready and records it. */
  private async waitForReady(): Promise<void> {
    const nodeName = await this.pods.waitReady(this.acts, this.podSpec(), this.spec.podStartTimeoutSeconds);
    this.state.nodeName = nodeName;
    this.record('pod_ready', `on node ${nodeName}`);
  }

  private async enterRunning(): Promise<void> {
    const startedAt = now();
    this.state.url = `http://${this.state.serviceName}.${this.spec.namespace}.svc.cluster.local:${CONTAINER_PORT}`;
    const idleDeadline = Date.parse(addMinutes(startedAt, this.spec.timeoutMinutes));
    this.state.expiresAt = new Date(Math.min(idleDeadline, Date.parse(this.state.maxExpiresAt))).toISOString();
    this.record('running', this.state.url);
    await this.transition('running');
  }

  /** Waits for the deadline or a termination request, recovering the pod whenever it is lost. */
  private async runUntilShutdown(): Promise<ShutdownRequest> {
    for (;;) {
      if (this.runState.terminate) return this.runState.terminate;
      const expiresAt = Date.parse(this.state.expiresAt!);
      if (Date.now() >= expiresAt) return { reason: 'timeout' satisfies EndReason };
      if (this.rest.pending()) {
        await this.rest.step();
        continue;
      }
      // A suspended session has no pod to lose: the going of the one it stopped is no loss.
      const asleep = this.state.status === 'suspended';
      if (asleep) this.pods.lostPending = false;
      const unhealthyAt = asleep ? undefined : this.fast.unhealthyAt();
      if (unhealthyAt !== undefined && Date.now() >= unhealthyAt) {
        await this.replacement.checkPod(this.fast.unhealthyCheck());
        continue;
      }
      // No look at the pod unasked: the reconciler's sweep signals a running session it finds without a
      // Ready pod, so an idle session schedules nothing.
      if (!asleep && this.pods.lostPending) {
        this.pods.lostPending = false;
        await this.replacement.checkPod();
        continue;
      }
      if (this.shouldContinueAsNew()) await this.continueAsNew();
      // Extending only moves the deadline later, so waking at the old one and looping is enough.
      const wakeAt = Math.min(expiresAt, unhealthyAt ?? Infinity, this.rest.wakeAt() ?? Infinity);
      const flips = this.pods.readinessChanges;
      // Waking when the history has grown long (e.g. many updates) lets a quiet session continue as new too.
      await condition(
        () =>
          this.runState.terminate !== undefined ||
          (this.pods.lostPending && this.state.status !== 'suspended') ||
          this.shouldContinueAsNew() ||
          this.pods.readinessChanges !== flips ||
          this.rest.pending(),
        Math.max(1, wakeAt - Date.now()),
      );
    }
  }

  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    const limit = this.tuning?.continueAsNewAfterEvents;
    return info.continueAsNewSuggested || (limit !== undefined && info.historyLength >= limit);
  }

  /** Deletes the pod with `graceSeconds` and returns once it is gone. */
  private async stopPod(graceSeconds: number): Promise<void> {
    await this.pods.stop(this.acts, this.podSpec(), graceSeconds);
  }

  private async continueAsNew(): Promise<never> {
    // Followers long-polling for events are answered now and ask the next run; nothing else waits long.
    this.runState.draining = true;
    await condition(allHandlersFinished);
    const carry: SessionCarryOver = {
      state: this.state,
      nextSeq: this.runState.nextSeq,
      restartTimes: this.runState.restartTimes,
      podLostPending: this.pods.lostPending,
      ...(this.runState.terminate ? { terminate: this.runState.terminate } : {}),
      ...(this.pods.current ? { podUid: this.pods.current } : {}),
      ...(this.rest.carry() ? { lastActivityAt: this.rest.carry() } : {}),
    };
    // The next run never provisions, so the secrets stay out of its history.
    const spec = this.podSpec();
    return continueAsNew<(s: SessionSpec, c: SessionCarryOver, t?: SessionTuning) => Promise<SessionState>>(
      spec,
      carry,
      ...(this.tuning ? [this.tuning] : []),
    );
  }

  // ---- helpers --------------------------------------------------------------------------------------

  /** The run as its helpers see it: its records (shared by reference) and its steps. */
  private helperHost(): Omit<RunHost, 'fast'> {
    return {
      acts: this.acts,
      spec: this.spec,
      state: this.state,
      pods: this.pods,
      root: this.root,
      runState: this.runState,
      podSpec: () => this.podSpec(),
      record: (type, message) => this.record(type, message),
      transition: (to, reason) => this.transition(to, reason),
      stopPod: (grace) => this.stopPod(grace),
      waitForReady: () => this.waitForReady(),
      interruptibly: (fn) => this.interruptibly(fn),
      isTerminationAbort: (err) => this.isTerminationAbort(err),
      registerObjectsCleanup: () => this.ending.registerObjectsCleanup(),
      registerPodCleanup: () => this.ending.registerPodCleanup(),
      fail: (failure) => this.ending.fail(failure),
    };
  }

  /** The spec without its secrets: what every step after provisioning needs. */
  private podSpec(): SessionSpec {
    // A warm-started session runs in the pod it claimed (or, after a recovery, its own `<base>` pod); a
    // handed-over one in its `<base>-g<N>`.
    const podName = this.state.start === 'warm' ? this.state.podName : this.runState.namedPod;
    return { ...this.spec, secrets: {}, ...(podName ? { podName } : {}) };
  }

  /** Runs `fn` in a scope that a termination request cancels. */
  private async interruptibly<T>(fn: () => Promise<T>): Promise<T> {
    if (this.runState.terminate) throw new CancelledFailure('termination requested');
    const scope = new CancellationScope();
    this.runState.interruptible = scope;
    try {
      return await scope.run(fn);
    } finally {
      this.runState.interruptible = undefined;
    }
  }

  /** True when `err` is our own abort of a step for a termination request, not a workflow cancellation. */
  private isTerminationAbort(err: unknown): boolean {
    return isCancellation(err) && this.runState.terminate !== undefined && !this.root.consideredCancelled;
  }

  private async transition(to: SessionStatus, reason?: string): Promise<void> {
    const from = this.state.status;
    if (from === to) return;
    this.state.status = to;
    this.state.phases[to] ??= now();
    upsertSearchAttributes([{ key: SessionStatusKey, value: to }]);
    this.audit(from, to, reason);
  }

  private audit(from: SessionStatus | undefined, to: SessionStatus, reason?: string): void {
    recordStatusChange(this.spec, this.state, {
      from,
      to,
      ...(reason ? { reason } : {}),
    });
  }

  private record(type: string, message?: string): void {
    this.state.events.push({ seq: this.runState.nextSeq++, type, at: now(), ...(message ? { message } : {}) });
    if (this.state.events.length > EVENTS_KEPT) this.state.events.splice(0, this.state.events.length - EVENTS_KEPT);
  }
}
