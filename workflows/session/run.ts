/**
 * One run of a session workflow (see ../session.ts). The lifecycle: provision, wait for Ready, run until
 * the deadline or a termination request (recovering lost pods), shut down; on failure or cancellation undo
 * whatever exists, saga style.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PodCheckResult, SessionActivities } from '../../activities/types.js';
import type {
  EndReason,
  ExtendSessionInput,
  ExtendSessionResult,
  SessionError,
  SessionSpec,
  SessionState,
  SessionStatus,
  TerminateSessionInput,
} from '../../src/session/spec.js';
import {
  ExtendRejection,
  extendSessionUpdate,
  getSessionStateQuery,
  podGoneSignal,
  podLostSignal,
  podNotReadySignal,
  podReadySignal,
  terminateSessionSignal,
  terminateSessionUpdate,
  waitForEventsUpdate,
  waitUntilStartedUpdate,
} from '../definitions.js';
import { SessionIdKey, SessionStatusKey, SessionUserKey } from '../search-attributes.js';
import { sessionActivities } from './activities.js';
import {
  MINUTE_MS,
  addMinutes,
  errorCode,
  failureTypeOf,
  isLost,
  now,
  podStartTimeoutOf,
  rootMessage,
  validateTerminateInput,
} from './failures.js';
import { PodTracker } from './pod-tracker.js';
import { FAST_RECOVERY_PATCH, nodeLossCheck, replacementGraceSeconds } from './recovery.js';
import { FastRecovery } from './fast-recovery.js';
import { SUSPEND_RESUME_PATCH, SuspendCycle } from './suspension.js';
import { WARM_CLAIM_PATCH, claimWarmPod, recordStartMemo } from './warm-start.js';
import { HANDOVER_PATCH, handsOver } from './handover.js';

/** The `type` of the ApplicationFailure a failed session workflow ends with. */
export const SessionFailureType = {
  /** The pod never became Ready within `podStartTimeoutSeconds`; the message is the diagnosis. */
  PodStartTimeout: 'PodStartTimeout',
  /** The running session's pod was lost more often than the restart policy allows, or could not be recreated. */
  PodFailed: 'PodFailed',
  /** A Kubernetes object could not be created. */
  ProvisionFailed: 'ProvisionFailed',
  /** Shutdown could not delete the session's objects (e.g. permission withdrawn); see lastError. */
  CleanupFailed: 'CleanupFailed',
} as const;
export type SessionFailureType = (typeof SessionFailureType)[keyof typeof SessionFailureType];

/** What a run hands to the next when the history grows long enough to continue-as-new. */
export interface SessionCarryOver {
  state: SessionState;
  nextSeq: number;
  /** When each pod recreation happened, for the restart budget's sliding window. */
  restartTimes: string[];
  terminate?: ShutdownRequest;
  podLostPending: boolean;
  /** The uid of the running pod (runs since `event-driven-core`), to tell its signals from a predecessor's. */
  podUid?: string;
  /** The last proxied request the run heard of (runs since `suspend-resume`), for the idle timer. */
  lastActivityAt?: string;
}

/** Knobs a test or an operator passes as the workflow's third argument; each has a production default. */
export interface SessionTuning {
  /** Continue as new once the history has this many events (default: when the server suggests it). */
  continueAsNewAfterEvents?: number;
}

interface ShutdownRequest {
  reason: string;
  deletePvc?: boolean;
}

interface FailureRecord {
  type: SessionFailureType;
  /** An {@link EndReason}, or the termination reason when shutdown itself failed. */
  endReason: string;
  code: string;
  message: string;
}

export const EVENT_DRIVEN_PATCH = 'event-driven-core';
const EVENTS_KEPT = 200;
/** The informer's podLost signal is the fast path; this catches a signal lost while no worker ran. */
const SAFETY_CHECK_INTERVAL_MS = 5 * MINUTE_MS;
/** Statuses in which the session still holds or is acquiring a pod. */
const ACTIVE: ReadonlySet<SessionStatus> = new Set<SessionStatus>([
  'creating',
  'running',
  'restarting',
  'suspended',
  'resuming',
]);
const ENDED: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['terminated', 'failed']);
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
  /** Undo steps, newest first, saga style. Each is idempotent (deletes ignore 404). */
  private readonly compensations: { name: string; undo: () => Promise<void> }[] = [];
  private failure: FailureRecord | undefined;
  /** Set once graceful shutdown has begun, to tell a failed cleanup from a failed session. */
  private shutdownReason: string | undefined;
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
      this.pods = new PodTracker(carried.podLostPending, carried.podUid);
      // Only a running session continues as new, so everything was provisioned.
      this.registerObjectsCleanup();
      this.registerPodCleanup();
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
      this.pods = new PodTracker(false, undefined);
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
        startPod: () => this.resumePod(),
      },
      carried?.lastActivityAt,
    );
    this.installHandlers();
    this.rest.install();
  }

  async run(): Promise<SessionState> {
    this.eventDriven = patched(EVENT_DRIVEN_PATCH);
    if (this.eventDriven && patched(FAST_RECOVERY_PATCH)) this.fast = this.fastRecovery();
    this.pods.fast = this.fast !== undefined;
    this.suspendable = this.eventDriven && patched(SUSPEND_RESUME_PATCH);
    this.handover = this.fast !== undefined && patched(HANDOVER_PATCH);
    upsertSearchAttributes([
      { key: SessionIdKey, value: this.spec.sessionId },
      { key: SessionUserKey, value: this.spec.user },
      { key: SessionStatusKey, value: this.state.status },
    ]);
    try {
      if (!this.carried) {
        await this.audit(undefined, 'creating');
        const aborted = await this.provision();
        if (!aborted) await this.enterRunning();
      }
      const request = this.terminate ?? (await this.runUntilShutdown());
      return await this.shutdown(request);
    } catch (err) {
      // Continuing as new is how a long session survives, not an end: nothing to undo.
      if (err instanceof ContinueAsNew) throw err;
      return await this.abort(err);
    }
  }

  // ---- messages -------------------------------------------------------------------------------------

  private installHandlers(): void {
    setHandler(getSessionStateQuery, () => this.state);
    setHandler(extendSessionUpdate, (input) => this.extend(input), {
      validator: (input) => this.validateExtend(input),
    });
    setHandler(
      terminateSessionUpdate,
      async (input) => {
        this.requestTermination(input);
        // Answer with the state shutdown has begun from, not the state before the request was seen.
        await condition(() => !ACTIVE.has(this.state.status));
        return this.state;
      },
      { validator: validateTerminateInput },
    );
    setHandler(terminateSessionSignal, (input) => this.requestTermination(input));
    setHandler(podLostSignal, (event) => {
      // The pod keeps its name across recreations, so the event may describe a predecessor: it only
      // triggers a check of the pod as it is now.
      log.info('pod lost reported', { podName: event.podName, reason: event.reason });
      this.pods.lostReported(event);
    });
    setHandler(podReadySignal, (event) => this.pods.readyReported(event.podUid, event.nodeName));
    setHandler(podGoneSignal, (event) => this.pods.goneReported(event.podUid));
    setHandler(podNotReadySignal, (event) => this.pods.notReadyReported(event.podUid));
    setHandler(waitUntilStartedUpdate, async () => {
      await condition(() => this.state.status !== 'creating');
      return this.state;
    });
    setHandler(
      waitForEventsUpdate,
      async ({ afterSeq }) => {
        await condition(() => this.nextSeq - 1 > afterSeq || ENDED.has(this.state.status) || this.draining);
        // Only the new events: the answer is stored in the history once per follower batch.
        return { ...this.state, events: this.state.events.filter((e) => e.seq > afterSeq) };
      },
      {
        validator: (input) => {
          const afterSeq: unknown = input?.afterSeq;
          // -1 asks for everything at once (a follower's first call).
          if (typeof afterSeq !== 'number' || !Number.isInteger(afterSeq) || afterSeq < -1) {
            throw new Error('afterSeq must be an integer of at least -1');
          }
        },
      },
    );
  }

  // Validators run before an update is accepted and leave no trace in history, so their failure types
  // can change without a patch. Clients map the types to answers (see ExtendRejection).
  private validateExtend(input: ExtendSessionInput): void {
    const minutes: unknown = input?.minutes;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes <= 0) {
      throw ApplicationFailure.create({
        type: ExtendRejection.InvalidMinutes,
        message: `minutes must be a positive integer, got ${JSON.stringify(minutes)}`,
      });
    }
    if (this.terminate || (this.state.status !== 'running' && this.state.status !== 'restarting')) {
      throw ApplicationFailure.create({
        type: ExtendRejection.NotRunning,
        message: `session ${this.spec.sessionId} is ${this.terminate ? 'terminating' : this.state.status}; only a running session can be extended`,
      });
    }
    const candidate = this.extendedDeadline(minutes);
    if (candidate > Date.parse(this.state.maxExpiresAt)) {
      throw ApplicationFailure.create({
        type: ExtendRejection.PastMaxLifetime,
        message: `extending by ${minutes} minutes would end the session at ${new Date(candidate).toISOString()}, past its maximum lifetime of ${this.spec.maxLifetimeMinutes} minutes (${this.state.maxExpiresAt})`,
      });
    }
  }

  private extend(input: ExtendSessionInput): ExtendSessionResult {
    const expiresAt = new Date(this.extendedDeadline(input.minutes)).toISOString();
    this.state.expiresAt = expiresAt;
    this.record('extended', `by ${input.minutes} minutes, until ${expiresAt}`);
    // No wake-up needed: the running loop's timer fires at the old deadline and finds the new one.
    return { expiresAt };
  }

  private extendedDeadline(minutes: number): number {
    const base = Math.max(Date.now(), Date.parse(this.state.expiresAt ?? now()));
    return base + minutes * MINUTE_MS;
  }

  private requestTermination(input: TerminateSessionInput | undefined): void {
    if (this.terminate || !ACTIVE.has(this.state.status)) return;
    this.terminate = {
      reason: typeof input?.reason === 'string' && input.reason.length > 0 ? input.reason : 'user',
      ...(typeof input?.deletePvc === 'boolean' ? { deletePvc: input.deletePvc } : {}),
    };
    this.interruptible?.cancel();
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /** Creates every object and waits for Ready. Returns true when a termination request aborted it. */
  private async provision(): Promise<boolean> {
    try {
      await this.interruptibly(() => (this.eventDriven ? this.provisionAtOnce() : this.provisionStepByStep()));
      return false;
    } catch (err) {
      if (this.isTerminationAbort(err)) return true;
      const diagnosis = podStartTimeoutOf(err);
      if (diagnosis !== undefined) {
        this.failure = {
          type: SessionFailureType.PodStartTimeout,
          endReason: 'start_timeout' satisfies EndReason,
          code: 'POD_START_TIMEOUT',
          message: diagnosis,
        };
      }
      throw err;
    }
  }

  /** One activity creates every object, independent ones concurrently; readiness comes from the informer. */
  private async provisionAtOnce(): Promise<void> {
    // Undo steps are registered before their step: a step that fails or is cancelled mid-call may still
    // have created objects, and the deletes are idempotent.
    this.registerObjectsCleanup();
    this.registerPodCleanup();
    const warmClaim = patched(WARM_CLAIM_PATCH);
    const warm = warmClaim ? await claimWarmPod(this.podSpec()) : undefined;
    // Known before provisioning, so the pod cleanup deletes the claimed pod if provisioning fails.
    if (warm?.claimed) [this.state.start, this.state.podName] = ['warm', warm.claimed.podName];
    // Since `fast-recovery` the activity reads the secrets from the start input: they enter history once.
    const provisioned = this.fast ? this.podSpec() : this.spec;
    const made = await this.acts.provisionSession(
      warm?.claimed ? { ...provisioned, podName: warm.claimed.podName } : provisioned,
    );
    this.pods.current = made.podUid;
    if (warm) {
      this.state.start = made.podName === warm.claimed?.podName ? 'warm' : 'cold';
      recordStartMemo(this.state.start);
    }
    // A claimed pod was Ready long before: no Ready transition will be reported for it.
    if (warm?.claimed && this.state.start === 'warm') this.pods.readyReported(made.podUid, warm.claimed.nodeName);
    this.state.podName = made.podName;
    this.state.serviceName = made.serviceName;
    this.record('secrets_created');
    this.record('configmap_created');
    if (made.claimName) {
      this.state.pvcName = made.claimName;
      this.record(this.spec.pvc.existingClaimName ? 'pvc_bound' : 'pvc_created', made.claimName);
    }
    if (warm?.claimed && this.state.start === 'warm') {
      this.record('warm_claimed', `pod ${made.podName} of warm pool ${warm.claimed.pool}`);
    } else if (warm) {
      this.record('cold_start', warm.reason ?? 'the claimed warm pod was gone before provisioning');
    }
    this.record('pod_created', made.podName);
    this.record('service_created', made.serviceName);
    if (this.fast) await this.fast.waitForFirstReady();
    else await this.waitForReady();
  }

  /** The pre-`event-driven-core` provisioning, kept for runs that started with it. */
  private async provisionStepByStep(): Promise<void> {
    const { acts, spec } = this;
    this.registerObjectsCleanup();
    await acts.ensureCredentialsSecret(spec);
    await acts.ensureMcpSecret(spec);
    this.record('secrets_created');
    await acts.ensureSessionConfigMap(spec);
    this.record('configmap_created');
    const claim = await acts.ensureSessionPvc(spec);
    if (claim) {
      this.state.pvcName = claim.claimName;
      this.record(spec.pvc.existingClaimName ? 'pvc_bound' : 'pvc_created', claim.claimName);
    }
    this.registerPodCleanup();
    const pod = await acts.ensureSessionPod(spec);
    this.state.podName = pod.podName;
    this.record('pod_created', pod.podName);
    await acts.ensureSessionService(spec);
    // src/k8s/names.ts gives the Service the pod's name (both are the session's base name).
    this.state.serviceName = pod.podName;
    this.record('service_created', this.state.serviceName);
    await this.waitForReady();
  }

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
    let nextCheckAt = Date.now() + SAFETY_CHECK_INTERVAL_MS;
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
        await this.checkPod(this.fast?.unhealthyCheck());
        continue;
      }
      if (!asleep && (this.pods.lostPending || Date.now() >= nextCheckAt)) {
        this.pods.lostPending = false;
        nextCheckAt = Date.now() + SAFETY_CHECK_INTERVAL_MS;
        await this.checkPod();
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

  /** Looks at the pod (or takes `known`, what the informer already told) and recovers it when lost. */
  private async checkPod(known?: PodCheckResult): Promise<void> {
    let check: PodCheckResult;
    const reported = this.fast ? this.pods.nodeReportOf(this.pods.current) : undefined;
    try {
      check = known ?? (reported ? nodeLossCheck(reported) : await this.acts.checkSessionPod(this.podSpec()));
    } catch (err) {
      if (isCancellation(err)) throw err;
      // An unanswered health check is no evidence of loss; the next signal or check decides.
      log.warn('pod check failed', { error: String(err) });
      return;
    }
    if (!isLost(check)) return;
    const fast = this.fast;
    try {
      await this.interruptibly(() =>
        fast ? fast.beforeDeadline(() => this.recoverPod(check)) : this.recoverPod(check),
      );
    } catch (err) {
      // Past the deadline the running loop shuts the session down with reason `timeout`.
      if (!this.isTerminationAbort(err) && !fast?.isDeadlineAbort(err)) throw err;
    }
  }

  /** Replaces a lost pod (same name, same Secrets and claim) until one is Ready or the budget is spent. */
  private async recoverPod(lost: PodCheckResult): Promise<void> {
    let check: PodCheckResult = lost;
    for (;;) {
      const reason = check.lostReason ?? (check.exists ? (check.phase ?? 'failed') : 'deleted');
      this.state.restartCount += 1;
      this.record('pod_lost', check.message ? `${reason}: ${check.message}` : reason);
      const at = Date.now();
      const windowStart = at - this.spec.restartPolicy.windowMinutes * MINUTE_MS;
      this.restartTimes = [...this.restartTimes.filter((t) => Date.parse(t) > windowStart), now()];
      await this.transition('restarting', reason);
      if (this.restartTimes.length > this.spec.restartPolicy.maxRestarts) {
        this.failure = {
          type: SessionFailureType.PodFailed,
          endReason: 'pod_failed' satisfies EndReason,
          code: 'POD_FAILED',
          message: `pod lost (${reason}) ${this.restartTimes.length} times within ${this.spec.restartPolicy.windowMinutes} minutes; the restart policy allows ${this.spec.restartPolicy.maxRestarts}`,
        };
        throw ApplicationFailure.create({ type: this.failure.type, message: this.failure.message, nonRetryable: true });
      }
      // On an interruption notice the old pod keeps serving until its successor is Ready (./handover.ts).
      const previous = this.handover && handsOver(check, this.spec) ? this.podSpec() : undefined;
      if (previous) {
        const pod = await this.acts.ensureSessionPod(this.podSpec(), { generation: this.state.restartCount });
        this.pods.current = pod.podUid;
        this.state.podName = this.namedPod = pod.podName;
        this.record('pod_created', `${pod.podName}, beside ${previous.podName ?? 'the session pod'} until it is Ready`);
      } else {
        if (check.exists) await this.stopPod(this.fast ? replacementGraceSeconds(check, this.spec) : 0);
        // A lost warm or handed-over pod is replaced like any other, by the session's own `<base>` pod.
        const pod = await this.acts.ensureSessionPod(this.podSpec());
        this.pods.current = pod.podUid;
        if (this.state.start === 'warm' || this.namedPod)
          [this.state.podName, this.namedPod] = [pod.podName, undefined];
      }
      try {
        await this.waitForReady();
      } catch (err) {
        // Whatever became of its successor, the interrupted pod still goes, with its grace.
        if (previous) await this.stopHandedOver(previous);
        if (failureTypeOf(err) === 'PodFailed') {
          // Lost again before it was Ready (e.g. another preemption): that costs another restart.
          check = (await this.fast?.lostBeforeReady()) ?? {
            exists: true,
            ready: false,
            lostReason: 'failed',
            message: rootMessage(err),
          };
          continue;
        }
        const diagnosis = podStartTimeoutOf(err);
        if (diagnosis !== undefined) {
          this.failure = {
            type: SessionFailureType.PodFailed,
            endReason: 'pod_failed' satisfies EndReason,
            code: 'POD_START_TIMEOUT',
            message: `the replacement pod did not become Ready: ${diagnosis}`,
          };
        }
        throw err;
      }
      if (previous) await this.stopHandedOver(previous);
      this.record('pod_restarted', `on node ${this.state.nodeName ?? 'unknown'}`);
      await this.transition('running');
      return;
    }
  }

  /** Stops a handed-over pod with its full grace: its node is going away, its agent may save its work. */
  private async stopHandedOver(previous: SessionSpec): Promise<void> {
    await CancellationScope.nonCancellable(() => this.pods.stop(this.acts, previous, this.spec.podStopGraceSeconds));
  }

  /** Recreates a suspended session's pod and Service on its claim; a termination request aborts it. */
  private async resumePod(): Promise<void> {
    this.pods.lostPending = false;
    try {
      await this.interruptibly(async () => {
        await this.acts.ensureSessionService(this.podSpec());
        const pod = await this.acts.ensureSessionPod(this.podSpec());
        this.pods.current = pod.podUid;
        // A warm or handed-over pod was deleted by the suspend: the session's own `<base>` pod replaces it.
        [this.state.podName, this.namedPod] = [pod.podName, undefined];
        await this.waitForReady();
      });
    } catch (err) {
      if (this.isTerminationAbort(err)) return;
      const diagnosis = podStartTimeoutOf(err);
      this.failure = {
        type: SessionFailureType.PodFailed,
        endReason: 'pod_failed' satisfies EndReason,
        code: diagnosis !== undefined ? 'POD_START_TIMEOUT' : errorCode(err),
        message: `the resumed pod did not become Ready: ${diagnosis ?? rootMessage(err)}`,
      };
      throw err;
    }
  }

  /** Deletes the pod with `graceSeconds` and returns once it is gone. */
  private async stopPod(graceSeconds: number): Promise<void> {
    if (!this.eventDriven) {
      await this.acts.deleteSessionPod(this.spec, { graceSeconds });
      return;
    }
    await this.pods.stop(this.acts, this.podSpec(), graceSeconds);
  }

  /** Graceful end: SIGTERM with the spec's grace, then every other object. Not abortable once begun. */
  private async shutdown(request: ShutdownRequest): Promise<SessionState> {
    this.shutdownReason = request.reason;
    await CancellationScope.nonCancellable(async () => {
      this.record('terminating', request.reason);
      await this.transition('terminating', request.reason);
      await this.stopPod(this.spec.podStopGraceSeconds);
      await this.deleteObjects(this.deletePvcPolicy(request.deletePvc));
      await this.releaseQuota();
      this.state.endedAt = now();
      this.state.endReason = request.reason;
      this.record('terminated', request.reason);
      await this.transition('terminated', request.reason);
      await condition(allHandlersFinished);
    });
    return this.state;
  }

  /**
   * Failure or cancellation: undo whatever exists, record the end, and rethrow so the workflow closes as
   * failed (with a typed ApplicationFailure) or cancelled.
   */
  private async abort(err: unknown): Promise<never> {
    const cancelled = isCancellation(err) && this.root.consideredCancelled;
    const failure = cancelled ? undefined : (this.failure ?? this.classify(err));
    await CancellationScope.nonCancellable(async () => {
      if (failure) {
        this.state.lastError = { code: failure.code, message: failure.message, at: now() } satisfies SessionError;
        this.state.endReason = failure.endReason;
        this.record('failed', failure.message);
        await this.transition('failed', failure.endReason);
      } else {
        this.record('terminating', 'cancelled');
        await this.transition('terminating', 'cancelled');
      }
      for (const { name, undo } of this.compensations) {
        try {
          await undo();
        } catch (cleanupErr) {
          // Keep undoing the rest: one stuck object must not orphan the others.
          log.error('cleanup step failed', { step: name, error: String(cleanupErr) });
          this.record('cleanup_failed', `${name}: ${rootMessage(cleanupErr)}`);
        }
      }
      await this.releaseQuota();
      this.state.endedAt = now();
      if (!failure) {
        this.state.endReason = 'cancelled' satisfies EndReason;
        this.record('terminated', 'cancelled');
        await this.transition('terminated', 'cancelled');
      }
      await condition(allHandlersFinished);
    });
    if (!failure) throw err instanceof CancelledFailure ? err : new CancelledFailure('session workflow cancelled');
    throw ApplicationFailure.create({
      type: failure.type,
      message: failure.message,
      nonRetryable: true,
      ...(err instanceof Error ? { cause: err } : {}),
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
    const running = this.state.phases.running !== undefined;
    return {
      type: running ? SessionFailureType.PodFailed : SessionFailureType.ProvisionFailed,
      endReason: running ? ('pod_failed' satisfies EndReason) : ('provision_failed' satisfies EndReason),
      code: errorCode(err),
      message: rootMessage(err),
    };
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

  /** The recovery of runs since `fast-recovery`, over this run's state. */
  private fastRecovery(): FastRecovery {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host's accessors read this run's fields
    const run = this;
    return new FastRecovery({
      acts: this.acts,
      spec: this.spec,
      pods: this.pods,
      state: this.state,
      podSpec: () => this.podSpec(),
      record: (type, message) => this.record(type, message),
      stopPod: (grace) => this.stopPod(grace),
      waitForReady: () => this.waitForReady(),
      get restartTimes() {
        return run.restartTimes;
      },
      set restartTimes(times: string[]) {
        run.restartTimes = times;
      },
      fail: (failure) => {
        this.failure = failure;
      },
    });
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

  private registerObjectsCleanup(): void {
    this.addCompensation('objects', async () => {
      await this.deleteObjects(this.deletePvcPolicy(this.terminate?.deletePvc));
    });
  }

  private registerPodCleanup(): void {
    this.addCompensation('pod', async () => {
      // A running agent gets its SIGTERM grace to save work; a pod that never served anyone does not.
      await this.stopPod(this.state.phases.running ? this.spec.podStopGraceSeconds : 0);
    });
  }

  private addCompensation(name: string, undo: () => Promise<void>): void {
    if (!this.compensations.some((c) => c.name === name)) this.compensations.unshift({ name, undo });
  }

  private async deleteObjects(deletePvc: boolean): Promise<void> {
    const result = await this.acts.deleteSessionObjects(this.podSpec(), { deletePvc });
    if (this.state.pvcName) this.state.pvcRetained = !deletePvc || result.retainedPvc !== undefined;
  }

  /** Frees the session's place in its user's quota ledger; admission then needs no liveness checks. */
  private async releaseQuota(): Promise<void> {
    if (!this.eventDriven) return;
    try {
      await this.acts.releaseQuota({
        namespace: this.spec.namespace,
        user: this.spec.user,
        sessionId: this.spec.sessionId,
      });
    } catch (err) {
      // A stale entry only costs one liveness check at the user's next admission (see src/api/quota.ts).
      log.warn('quota release failed', { error: String(err) });
    }
  }

  /**
   * Whether the session's claim goes with it. An adopted claim never does. A claim created by a start
   * that never reached running holds no work, so keeping it would only orphan it; otherwise the caller's
   * override, else the spec's policy.
   */
  private deletePvcPolicy(override: boolean | undefined): boolean {
    if (!this.spec.pvc.enabled || this.spec.pvc.existingClaimName) return false;
    if (override !== undefined) return override;
    if (this.state.phases.running === undefined) return true;
    return this.spec.pvc.deleteOnTerminate;
  }

  private async transition(to: SessionStatus, reason?: string): Promise<void> {
    const from = this.state.status;
    if (from === to) return;
    this.state.status = to;
    this.state.phases[to] ??= now();
    upsertSearchAttributes([{ key: SessionStatusKey, value: to }]);
    await this.audit(from, to, reason);
  }

  private async audit(from: SessionStatus | undefined, to: SessionStatus, reason?: string): Promise<void> {
    try {
      await this.acts.recordAudit({
        sessionId: this.spec.sessionId,
        user: this.spec.user,
        ...(from ? { from } : {}),
        to,
        ...(reason ? { reason } : {}),
        at: now(),
        detail: {
          restartCount: this.state.restartCount,
          ...(this.state.nodeName ? { node: this.state.nodeName } : {}),
        },
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The audit trail is a record of the session, not a precondition for it.
      log.warn('audit record failed', { to, error: String(err) });
    }
  }

  private record(type: string, message?: string): void {
    this.state.events.push({ seq: this.nextSeq++, type, at: now(), ...(message ? { message } : {}) });
    if (this.state.events.length > EVENTS_KEPT) this.state.events.splice(0, this.state.events.length - EVENTS_KEPT);
  }
}
