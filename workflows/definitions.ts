/**
 * Message definitions of the session workflow. Clients (API, tests) import these; nothing re-declares
 * the wire names.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ExtendSessionInput,
  ExtendSessionResult,
  SessionState,
  TerminateSessionInput,
} from '../src/session/spec.js';

export const sessionWorkflowType = 'sessionWorkflow';

/** The `type` of the ApplicationFailure an `extendSession` update is rejected with. */
export const ExtendRejection = {
  InvalidMinutes: 'InvalidMinutes',
  NotRunning: 'SessionNotRunning',
  PastMaxLifetime: 'PastMaxLifetime',
} as const;

export const extendSessionUpdate = defineUpdate<ExtendSessionResult, [ExtendSessionInput]>('extendSession');
/** Returns once shutdown has been requested (not once it is done); the state query shows progress. */
export const terminateSessionUpdate = defineUpdate<SessionState, [TerminateSessionInput]>('terminateSession');
export const terminateSessionSignal = defineSignal<[TerminateSessionInput]>('terminateSession');
export const getSessionStateQuery = defineQuery<SessionState>('getSessionState');
/**
 * Sent by the worker's shared pod informer when the session's pod is deleted, evicted or fails, and by the
 * node informer when its node is lost (`node-lost`) or marked for interruption (`node-interruption`).
 * `podUid` (absent from older senders) says which pod is meant, so a report about a predecessor is ignored.
 */
export const podLostSignal =
  defineSignal<[{ podName: string; reason: string; message?: string; podUid?: string }]>('podLost');

/** Sent by the worker's shared pod informer when a session pod turns Ready. */
export const podReadySignal = defineSignal<[{ podName: string; podUid: string; nodeName: string }]>('podReady');
/**
 * Sent by the worker's shared pod informer when a session pod that was Ready turns NotReady (e.g. its
 * agent crash-loops). Ready again is a podReady signal. Runs since `fast-recovery` count a pod NotReady
 * longer than `restartPolicy.unhealthyMinutes` as lost.
 */
export const podNotReadySignal = defineSignal<[{ podName: string; podUid: string }]>('podNotReady');
/** Sent by the worker's shared pod informer when a session pod object is gone from the apiserver. */
export const podGoneSignal = defineSignal<[{ podName: string; podUid: string }]>('podGone');
/**
 * The early return of a create (Update-with-Start): completes with the state once the session has left
 * `creating` — running, failed or terminating — so the API never polls a query for it.
 */
export const waitUntilStartedUpdate = defineUpdate<SessionState, []>('waitUntilStarted');
/**
 * A long poll for lifecycle events: completes with the state once it holds an event after `afterSeq`, or
 * the session has ended, or this run is about to continue as new (the caller then asks again). One
 * in-flight call per `afterSeq` serves every follower: callers use the update id `events-after-<seq>`,
 * which the server deduplicates.
 */
export const waitForEventsUpdate = defineUpdate<SessionState, [{ afterSeq: number }]>('waitForEvents');

/** The update id every follower of one session uses for "events after `afterSeq`", so they share one call. */
export function eventsUpdateId(afterSeq: number): string {
  return `events-after-${afterSeq}`;
}

/**
 * Suspends a running session with a PVC: its pod (with the SIGTERM grace) and Service are deleted, its
 * Secrets, ConfigMap and claim kept. Completes with the state once it is `suspended`. Refused (see
 * SuspendRejection in src/session/suspension.ts) when the session cannot be suspended now.
 */
export const suspendSessionUpdate = defineUpdate<SessionState, []>('suspendSession');
/**
 * Recreates a suspended session's pod and Service on the same claim. Completes with the state once it is
 * `running` again (or has ended); a second caller while it is `resuming` waits for the same resume.
 */
export const resumeSessionUpdate = defineUpdate<SessionState, []>('resumeSession');
/** Sent by the API (throttled) when a request to the session was proxied at `at`: it is not idle. */
export const sessionActivitySignal = defineSignal<[{ at: string }]>('sessionActivity');
