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
import type { SessionActivities } from '../../activities/types.js';
import type { EndReason, SessionSpec, SessionState, SessionStatus } from '../../src/session/spec.js';
import { SessionStatusKey } from '../search-attributes.js';
import { sessionActivities } from './activities.js';
import type { SessionCarryOver, SessionTuning, ShutdownRequest } from './contract.js';
import { SessionEnding, type EndingHost } from './ending.js';
import { addMinutes, now } from './failures.js';
import { installSessionHandlers, type MessageHost } from './messages.js';
import { PodReplacement, type ReplacementHost } from './pod-replacement.js';
import { PodTracker } from './pod-tracker.js';
import { Provisioning, type ProvisionHost } from './provisioning.js';
import { FAST_RECOVERY_PATCH } from './recovery.js';
import { FastRecovery, type RecoveryHost } from './fast-recovery.js';
import { SUSPEND_RESUME_PATCH, SuspendCycle } from './suspension.js';
import { HANDOVER_PATCH } from './handover.js';
import { SafetyCheck } from './safety-check.js';
import { SessionPatches } from './patches.js';
import { recordStatusChange } from './audit-record.js';
import { publishSessionAttributes } from './identity-attributes.js';

export { SessionFailureType, type SessionCarryOver, type SessionTuning } from './contract.js';

/** The run as its helpers see it; each helper's own interface says which part it uses. */
type RunHost = MessageHost & ProvisionHost & ReplacementHost & EndingHost & RecoveryHost;

export const EVENT_DRIVEN_PATCH = 'event-driven-core';
/** The first audit record no longer holds up provisioning (it was one more sequential round trip of every create). */
export const AUDIT_ALONGSIDE_PROVISIONING_PATCH = 'audit-alongside-provisioning';
const EVENTS_KEPT = 200;
const CONTAINER_PORT = 9000;

export class SessionRun {
  private readonly acts: SessionActivities;
  private readonly root = CancellationScope.current();
  private readonly state: SessionState;
  private readonly pods: PodTracker;
  private nextSeq: number;
  private restartTimes: string[];
  private terminate: ShutdownRequest | undefined;
  /** The scope of the step a termination request may abort (provisioning or a pod recovery). */
  private interruptible: CancellationScope | undefined;
  /** Set before continuing as new: long-polling followers are answered so the handlers can finish. */
  private draining = false;
  /** Whether this run follows `event-driven-core`; decided at its first task, fixed for the run. */
  private eventDriven = false;
  /** Set when this run follows `fast-recovery` (see ./fast-recovery.ts); decided at its first task. */
  private fast: FastRecovery | undefined;
  /** Whether this run follows `suspend-resume` (see ./suspension.ts); decided at its first task. */
  private suspendable = false;
  private readonly rest: SuspendCycle;
  /** Whether this run follows `interruption-handover` (see ./handover.ts); decided at its first task. */
  private handover = false;
  /** The pod's name when it is a handover's `<base>-g<N>` rather than the session's own `<base>`. */
  private namedPod: string | undefined;
  private readonly host: RunHost;
  private readonly provisioning: Provisioning;
  private readonly replacement: PodReplacement;
  private readonly ending: SessionEnding;
  private readonly safetyCheck = new SafetyCheck();
  /** Before any other command of the run: see ./patches.ts. */
  private readonly patches = new SessionPatches();

  constructor(
    private readonly spec: SessionSpec,
    private readonly carried: SessionCarryOver | undefined,
    private readonly tuning: SessionTuning | undefined,
  ) {
    this.acts = sessionActivities(spec);
    // A run continued as new gets the pod it runs in through its spec (see continueAsNew).
    this.namedPod = spec.podName;
    if (carried) {
      this.state = carried.state;
      this.nextSeq = carried.nextSeq;
      this.restartTimes = carried.restartTimes;
      this.terminate = carried.terminate;
      this.pods = new PodTracker(this.patches, carried.podLostPending, carried.podUid);
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
      this.nextSeq = 1;
      this.restartTimes = [];
      this.pods = new PodTracker(this.patches, false, undefined);
    }
    this.host = this.helperHost();
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
        enabled: () => this.suspendable,
        terminating: () => this.terminate !== undefined,
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
    const { patches } = this;
    this.eventDriven = patches.has(EVENT_DRIVEN_PATCH);
    if (this.eventDriven && patches.has(FAST_RECOVERY_PATCH)) this.fast = new FastRecovery(this.host);
    this.pods.fast = this.fast !== undefined;
    this.suspendable = this.eventDriven && patches.has(SUSPEND_RESUME_PATCH);
    this.handover = this.fast !== undefined && patches.has(HANDOVER_PATCH);
    this.safetyCheck.decide(this.eventDriven, patches);
    publishSessionAttributes(patches, this.spec, this.state.status);
    try {
      if (!this.carried) {
        let aborted: boolean;
        if (patches.has(AUDIT_ALONGSIDE_PROVISIONING_PATCH)) {
          // A record, not a precondition: beside provisioning (waiting cost each create an activity and a
          // workflow task), done before `running`; handled at once so a failed provisioning leaves no rejection.
          const creatingRecorded = this.audit(undefined, 'creating');
          creatingRecorded.catch(() => undefined);
          aborted = await this.provisioning.provision();
          await creatingRecorded;
        } else {
          await this.audit(undefined, 'creating');
          aborted = await this.provisioning.provision();
        }
        if (!aborted) await this.enterRunning();
      }
      const request = this.terminate ?? (await this.runUntilShutdown());
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
    if (this.eventDriven) {
      const nodeName = await this.pods.waitReady(this.acts, this.podSpec(), this.spec.podStartTimeoutSeconds);
      this.state.nodeName = nodeName;
      this.record('pod_ready', `on node ${nodeName}`);
      return;
    }
    const ready = await this.acts.waitForPodReady(this.spec, { timeoutSeconds: this.spec.podStartTimeoutSeconds });
    this.state.nodeName = ready.nodeName;
    this.record('pod_ready', `on node ${ready.nodeName}`);
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
    let nextCheckAt = this.safetyCheck.nextAt();
    for (;;) {
      if (this.terminate) return this.terminate;
      const expiresAt = Date.parse(this.state.expiresAt!);
      if (Date.now() >= expiresAt) return { reason: 'timeout' satisfies EndReason };
      if (this.rest.pending()) {
        await this.rest.step();
        continue;
      }
      // A suspended session has no pod to lose: the going of the one it stopped is no loss.
      const asleep = this.state.status === 'suspended';
      if (asleep) this.pods.lostPending = false;
      const unhealthyAt = asleep ? undefined : this.fast?.unhealthyAt();
      if (unhealthyAt !== undefined && Date.now() >= unhealthyAt) {
        await this.replacement.checkPod(this.fast?.unhealthyCheck());
        continue;
      }
      if (!asleep && (this.pods.lostPending || Date.now() >= nextCheckAt)) {
        this.pods.lostPending = false;
        nextCheckAt = this.safetyCheck.nextAt();
        await this.replacement.checkPod();
        continue;
      }
      if (this.shouldContinueAsNew()) await this.continueAsNew();
      // Extending only moves the deadline later, so waking at the old one and looping is enough.
      const wakeAt = Math.min(expiresAt, nextCheckAt, unhealthyAt ?? Infinity, this.rest.wakeAt() ?? Infinity);
      const flips = this.pods.readinessChanges;
      // Waking when the history has grown long (e.g. many updates) lets a quiet session continue as new too.
      await condition(
        () =>
          this.terminate !== undefined ||
          (this.pods.lostPending && this.state.status !== 'suspended') ||
          (this.eventDriven && this.shouldContinueAsNew()) ||
          (this.fast !== undefined && this.pods.readinessChanges !== flips) ||
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
    if (!this.eventDriven) {
      await this.acts.deleteSessionPod(this.spec, { graceSeconds });
      return;
    }
    await this.pods.stop(this.acts, this.podSpec(), graceSeconds);
  }

  private async continueAsNew(): Promise<never> {
    // Followers long-polling for events are answered now and ask the next run; nothing else waits long.
    this.draining = true;
    await condition(allHandlersFinished);
    const carry: SessionCarryOver = {
      state: this.state,
      nextSeq: this.nextSeq,
      restartTimes: this.restartTimes,
      podLostPending: this.pods.lostPending,
      ...(this.terminate ? { terminate: this.terminate } : {}),
      ...(this.eventDriven && this.pods.current ? { podUid: this.pods.current } : {}),
      ...(this.suspendable && this.rest.carry() ? { lastActivityAt: this.rest.carry() } : {}),
    };
    // The next run never provisions, so the secrets stay out of its history.
    const spec = this.eventDriven ? this.podSpec() : this.spec;
    return continueAsNew<(s: SessionSpec, c: SessionCarryOver, t?: SessionTuning) => Promise<SessionState>>(
      spec,
      carry,
      ...(this.tuning ? [this.tuning] : []),
    );
  }

  // ---- helpers --------------------------------------------------------------------------------------

  /** The run as its helpers see it: accessors over this run's fields, read when used, not when built. */
  private helperHost(): RunHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host's accessors read this run's fields
    const run = this;
    return {
      acts: this.acts,
      spec: this.spec,
      state: this.state,
      pods: this.pods,
      root: this.root,
      get eventDriven() {
        return run.eventDriven;
      },
      patches: this.patches,
      get fast() {
        return run.fast;
      },
      get handover() {
        return run.handover;
      },
      get terminate() {
        return run.terminate;
      },
      set terminate(request: ShutdownRequest | undefined) {
        run.terminate = request;
      },
      get interruptible() {
        return run.interruptible;
      },
      get nextSeq() {
        return run.nextSeq;
      },
      get draining() {
        return run.draining;
      },
      get namedPod() {
        return run.namedPod;
      },
      set namedPod(name: string | undefined) {
        run.namedPod = name;
      },
      get restartTimes() {
        return run.restartTimes;
      },
      set restartTimes(times: string[]) {
        run.restartTimes = times;
      },
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
    if (!this.eventDriven) return this.spec;
    // A warm-started session runs in the pod it claimed (or, after a recovery, its own `<base>` pod); a
    // handed-over one in its `<base>-g<N>`.
    const podName = this.state.start === 'warm' ? this.state.podName : this.namedPod;
    return { ...this.spec, secrets: {}, ...(podName ? { podName } : {}) };
  }

  /** Runs `fn` in a scope that a termination request cancels. */
  private async interruptibly<T>(fn: () => Promise<T>): Promise<T> {
    if (this.terminate) throw new CancelledFailure('termination requested');
    const scope = new CancellationScope();
    this.interruptible = scope;
    try {
      return await scope.run(fn);
    } finally {
      this.interruptible = undefined;
    }
  }

  /** True when `err` is our own abort of a step for a termination request, not a workflow cancellation. */
  private isTerminationAbort(err: unknown): boolean {
    return isCancellation(err) && this.terminate !== undefined && !this.root.consideredCancelled;
  }

  private async transition(to: SessionStatus, reason?: string): Promise<void> {
    const from = this.state.status;
    if (from === to) return;
    this.state.status = to;
    this.state.phases[to] ??= now();
    upsertSearchAttributes([{ key: SessionStatusKey, value: to }]);
    await this.audit(from, to, reason);
  }

  private audit(from: SessionStatus | undefined, to: SessionStatus, reason?: string): Promise<void> {
    return recordStatusChange(this.acts, this.patches, this.spec, this.state, {
      from,
      to,
      ...(reason ? { reason } : {}),
    });
  }

  private record(type: string, message?: string): void {
    this.state.events.push({ seq: this.nextSeq++, type, at: now(), ...(message ? { message } : {}) });
    if (this.state.events.length > EVENTS_KEPT) this.state.events.splice(0, this.state.events.length - EVENTS_KEPT);
  }
}
