/**
 * What the session workflow's queries, updates and signals do. Kept out of ./run.ts so the run reads as
 * its lifecycle; the handlers only read the run's state or ask it to stop, through {@link MessageHost}.
 */
import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import type {
  ExtendSessionInput,
  ExtendSessionResult,
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
import type { ShutdownRequest } from './contract.js';
import { MINUTE_MS, now, validateTerminateInput } from './failures.js';
import type { PodTracker } from './pod-tracker.js';

/** Statuses in which the session still holds or is acquiring a pod. */
const ACTIVE: ReadonlySet<SessionStatus> = new Set<SessionStatus>([
  'creating',
  'running',
  'restarting',
  'suspended',
  'resuming',
]);
const ENDED: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['terminated', 'failed']);

/** What the handlers need of the run; accessors over its fields, so run.ts stays the owner. */
export interface MessageHost {
  readonly spec: SessionSpec;
  readonly state: SessionState;
  readonly pods: PodTracker;
  /** The termination requested, once one is; setting it is how a request reaches the run. */
  terminate: ShutdownRequest | undefined;
  /** The scope of the step a termination request may abort (provisioning or a pod recovery). */
  readonly interruptible: { cancel(): void } | undefined;
  /** The seq the next recorded event gets. */
  readonly nextSeq: number;
  /** Set before continuing as new: long-polling followers are answered so the handlers can finish. */
  readonly draining: boolean;
  record(type: string, message?: string): void;
}

export function installSessionHandlers(host: MessageHost): void {
  setHandler(getSessionStateQuery, () => host.state);
  setHandler(extendSessionUpdate, (input) => extend(host, input), {
    validator: (input) => validateExtend(host, input),
  });
  setHandler(
    terminateSessionUpdate,
    async (input) => {
      requestTermination(host, input);
      // Answer with the state shutdown has begun from, not the state before the request was seen.
      await condition(() => !ACTIVE.has(host.state.status));
      return host.state;
    },
    { validator: validateTerminateInput },
  );
  setHandler(terminateSessionSignal, (input) => requestTermination(host, input));
  setHandler(podLostSignal, (event) => {
    // The pod keeps its name across recreations, so the event may describe a predecessor: it only
    // triggers a check of the pod as it is now.
    log.info('pod lost reported', { podName: event.podName, reason: event.reason });
    host.pods.lostReported(event);
  });
  setHandler(podReadySignal, (event) => host.pods.readyReported(event.podUid, event.nodeName));
  setHandler(podGoneSignal, (event) => host.pods.goneReported(event.podUid));
  setHandler(podNotReadySignal, (event) => host.pods.notReadyReported(event.podUid));
  setHandler(waitUntilStartedUpdate, async () => {
    await condition(() => host.state.status !== 'creating');
    return host.state;
  });
  setHandler(
    waitForEventsUpdate,
    async ({ afterSeq }) => {
      await condition(() => host.nextSeq - 1 > afterSeq || ENDED.has(host.state.status) || host.draining);
      // Only the new events: the answer is stored in the history once per follower batch.
      return { ...host.state, events: host.state.events.filter((e) => e.seq > afterSeq) };
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
function validateExtend(host: MessageHost, input: ExtendSessionInput): void {
  const minutes: unknown = input?.minutes;
  if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes <= 0) {
    throw ApplicationFailure.create({
      type: ExtendRejection.InvalidMinutes,
      message: `minutes must be a positive integer, got ${JSON.stringify(minutes)}`,
    });
  }
  if (host.terminate || (host.state.status !== 'running' && host.state.status !== 'restarting')) {
    throw ApplicationFailure.create({
      type: ExtendRejection.NotRunning,
      message: `session ${host.spec.sessionId} is ${host.terminate ? 'terminating' : host.state.status}; only a running session can be extended`,
    });
  }
  const candidate = extendedDeadline(host, minutes);
  if (candidate > Date.parse(host.state.maxExpiresAt)) {
    throw ApplicationFailure.create({
      type: ExtendRejection.PastMaxLifetime,
      message: `extending by ${minutes} minutes would end the session at ${new Date(candidate).toISOString()}, past its maximum lifetime of ${host.spec.maxLifetimeMinutes} minutes (${host.state.maxExpiresAt})`,
    });
  }
}

function extend(host: MessageHost, input: ExtendSessionInput): ExtendSessionResult {
  const expiresAt = new Date(extendedDeadline(host, input.minutes)).toISOString();
  host.state.expiresAt = expiresAt;
  host.record('extended', `by ${input.minutes} minutes, until ${expiresAt}`);
  // No wake-up needed: the running loop's timer fires at the old deadline and finds the new one.
  return { expiresAt };
}

function extendedDeadline(host: MessageHost, minutes: number): number {
  const base = Math.max(Date.now(), Date.parse(host.state.expiresAt ?? now()));
  return base + minutes * MINUTE_MS;
}

function requestTermination(host: MessageHost, input: TerminateSessionInput | undefined): void {
  if (host.terminate || !ACTIVE.has(host.state.status)) return;
  host.terminate = {
    reason: typeof input?.reason === 'string' && input.reason.length > 0 ? input.reason : 'user',
    ...(typeof input?.deletePvc === 'boolean' ? { deletePvc: input.deletePvc } : {}),
  };
  host.interruptible?.cancel();
}
