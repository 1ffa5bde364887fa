/**
 * What the session workflow's queries, updates and signals do. Kept out of ./run.ts so the run reads as
 * its lifecycle. Following Temporal's safe message handling, a handler only reads the run's state, records
 * an intent (a termination request, a deadline, a pod report) or waits for the run to act on one: every
 * activity runs on the run's own loop, never concurrently with it from a handler.
 *
 * Every argument reaching these handlers was parsed against the schema its definition carries
 * (../parsed-messages.ts): an update without a valid one is rejected by its validator, before it is
 * accepted, so it leaves no trace in the history; such a signal is dropped.
 */
import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import { onSignal, onUpdate } from '../parsed-messages.js';
import {
  isActive,
  isEnded,
  type ExtendSessionInput,
  type ExtendSessionResult,
  type SessionSpec,
  type SessionState,
  type TerminateSessionInput,
} from '../contract/spec.js';
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
} from '../contract/session-messages.js';
import { MINUTE_MS, now } from './failures.js';
import type { PodTracker } from './pod-tracker.js';
import type { RunState } from './run-state.js';

/** What the handlers need of the run; accessors over its fields, so run.ts stays the owner. */
export interface MessageHost {
  readonly spec: SessionSpec;
  readonly state: SessionState;
  readonly pods: PodTracker;
  readonly runState: RunState;
  record(type: string, message?: string): void;
}

export function installSessionHandlers(host: MessageHost): void {
  setHandler(getSessionStateQuery, () => host.state);
  onUpdate(extendSessionUpdate, (input) => extend(host, input), {
    validate: (input) => validateExtend(host, input),
    invalidType: ExtendRejection.InvalidMinutes,
  });
  onUpdate(terminateSessionUpdate, async (input) => {
    requestTermination(host, input);
    // Answer with the state shutdown has begun from, not the state before the request was seen.
    await condition(() => !isActive(host.state.status));
    return host.state;
  });
  onSignal(terminateSessionSignal, (input) => requestTermination(host, input));
  onSignal(podLostSignal, (event) => {
    // The pod keeps its name across recreations, so the event may describe a predecessor: it only
    // triggers a check of the pod as it is now.
    log.info('pod lost reported', { podName: event.podName, reason: event.reason });
    host.pods.lostReported(event);
  });
  onSignal(podReadySignal, (event) => host.pods.readyReported(event.podUid, event.nodeName));
  onSignal(podGoneSignal, (event) => host.pods.goneReported(event.podUid));
  onSignal(podNotReadySignal, (event) => host.pods.notReadyReported(event.podUid));
  onUpdate(waitUntilStartedUpdate, async () => {
    await condition(() => host.state.status !== 'creating');
    return host.state;
  });
  onUpdate(waitForEventsUpdate, async ({ afterSeq }) => {
    await condition(() => host.runState.nextSeq - 1 > afterSeq || isEnded(host.state.status) || host.runState.draining);
    // Only the new events: the answer is stored in the history once per follower batch.
    return { ...host.state, events: host.state.events.filter((e) => e.seq > afterSeq) };
  });
}

// Validators run before an update is accepted and leave no trace in history. Clients map the failure
// types to answers (see ExtendRejection); an invalid `minutes` is refused by the argument's schema.
function validateExtend(host: MessageHost, { minutes }: ExtendSessionInput): void {
  if (host.runState.terminate || (host.state.status !== 'running' && host.state.status !== 'restarting')) {
    throw ApplicationFailure.create({
      type: ExtendRejection.NotRunning,
      message: `session ${host.spec.sessionId} is ${host.runState.terminate ? 'terminating' : host.state.status}; only a running session can be extended`,
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

function requestTermination(host: MessageHost, input: TerminateSessionInput): void {
  if (host.runState.terminate || !isActive(host.state.status)) return;
  host.runState.terminate = {
    reason: input.reason,
    ...(input.deletePvc !== undefined ? { deletePvc: input.deletePvc } : {}),
  };
  host.runState.interruptible?.cancel();
}
