/**
 * The session workflow's messages: their wire names, and for each signal and update the zod schema of its
 * one argument. Clients (API, worker informers, CLI, tests) import these; nothing re-declares a name.
 *
 * Every signal and update carries exactly one argument, an object, and the workflow parses it with the
 * schema its definition carries before acting on it (workflows/parsed-messages.ts): anyone who can reach the Temporal frontend can send a
 * message, so a message without its argument, with an unencrypted one or with a malformed one must change
 * nothing — an update is rejected by its validator (nothing is recorded), a signal is dropped and counted.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { NoDataSchema, schemaSignal, schemaUpdate } from './schema-messages.js';
import {
  ExtendSessionInputSchema,
  TerminateSessionInputSchema,
  type ExtendSessionResult,
  type SessionState,
} from './spec.js';

export const sessionWorkflowType = 'sessionWorkflow';

/** The `type` of the ApplicationFailure an `extendSession` update is rejected with. */
export const ExtendRejection = {
  InvalidMinutes: 'InvalidMinutes',
  NotRunning: 'SessionNotRunning',
  PastMaxLifetime: 'PastMaxLifetime',
} as const;

const PodNameSchema = z.string().min(1).max(253);
const PodUidSchema = z.string().min(1).max(128);

/**
 * Sent by the worker's shared pod informer when the session's pod is deleted, evicted or fails, and by the
 * node informer when its node is lost (`node-lost`) or marked for interruption (`node-interruption`).
 * `podUid` says which pod is meant, so a report about a predecessor is ignored.
 */
export const PodLostSchema = z.object({
  podName: PodNameSchema,
  reason: z.string().min(1).max(200),
  message: z.string().max(4000).optional(),
  podUid: PodUidSchema.optional(),
});
export type PodLost = z.infer<typeof PodLostSchema>;
export const PodReadySchema = z.object({ podName: PodNameSchema, podUid: PodUidSchema, nodeName: z.string().max(253) });
export type PodReady = z.infer<typeof PodReadySchema>;
export const PodRefSchema = z.object({ podName: PodNameSchema, podUid: PodUidSchema });
export type PodRef = z.infer<typeof PodRefSchema>;
/** -1 asks for everything at once (a follower's first call). */
export const WaitForEventsSchema = z.object({ afterSeq: z.number().int().min(-1) });
export const SessionActivitySchema = z.object({ at: z.iso.datetime() });

/** An invalid `minutes` is refused with ExtendRejection.InvalidMinutes, which the API answers with 400. */
export const extendSessionUpdate = schemaUpdate<ExtendSessionResult, typeof ExtendSessionInputSchema>(
  'extendSession',
  ExtendSessionInputSchema,
);
/** Returns once shutdown has been requested (not once it is done); the state query shows progress. */
export const terminateSessionUpdate = schemaUpdate<SessionState, typeof TerminateSessionInputSchema>(
  'terminateSession',
  TerminateSessionInputSchema,
);
export const terminateSessionSignal = schemaSignal('terminateSession', TerminateSessionInputSchema);
export const getSessionStateQuery = defineQuery<SessionState>('getSessionState');
export const podLostSignal = schemaSignal('podLost', PodLostSchema);
/** Sent by the worker's shared pod informer when a session pod turns Ready. */
export const podReadySignal = schemaSignal('podReady', PodReadySchema);
/**
 * Sent by the worker's shared pod informer when a session pod that was Ready turns NotReady (e.g. its
 * agent crash-loops). Ready again is a podReady signal. A pod NotReady longer than
 * `restartPolicy.unhealthyMinutes` counts as lost.
 */
export const podNotReadySignal = schemaSignal('podNotReady', PodRefSchema);
/** Sent by the worker's shared pod informer when a session pod object is gone from the apiserver. */
export const podGoneSignal = schemaSignal('podGone', PodRefSchema);
/**
 * The early return of a create (Update-with-Start): completes with the state once the session has left
 * `creating` — running, failed or terminating — so the API never polls a query for it.
 */
export const waitUntilStartedUpdate = schemaUpdate<SessionState, typeof NoDataSchema>('waitUntilStarted', NoDataSchema);
/**
 * A long poll for lifecycle events: completes with the state once it holds an event after `afterSeq`, or
 * the session has ended, or this run is about to continue as new (the caller then asks again). One
 * in-flight call per `afterSeq` serves every follower: callers use the update id `events-after-<seq>`,
 * which the server deduplicates.
 */
export const waitForEventsUpdate = schemaUpdate<SessionState, typeof WaitForEventsSchema>(
  'waitForEvents',
  WaitForEventsSchema,
);

/** The update id every follower of one session uses for "events after `afterSeq`", so they share one call. */
export function eventsUpdateId(afterSeq: number): string {
  return `events-after-${afterSeq}`;
}

/**
 * Suspends a running session with a PVC: its pod (with the SIGTERM grace) and Service are deleted, its
 * Secrets, ConfigMap and claim kept. Completes with the state once it is `suspended`. Refused (see
 * SuspendRejection in ./suspension.ts) when the session cannot be suspended now.
 */
export const suspendSessionUpdate = schemaUpdate<SessionState, typeof NoDataSchema>('suspendSession', NoDataSchema);
/**
 * Recreates a suspended session's pod and Service on the same claim. Completes with the state once it is
 * `running` again (or has ended); a second caller while it is `resuming` waits for the same resume.
 */
export const resumeSessionUpdate = schemaUpdate<SessionState, typeof NoDataSchema>('resumeSession', NoDataSchema);
/** Sent by the API (throttled) when a request to the session was proxied at `at`: it is not idle. */
export const sessionActivitySignal = schemaSignal('sessionActivity', SessionActivitySchema);

/** Every signal and update of the session workflow, for tests that try each with a bad argument. */
export const sessionSignals = [
  terminateSessionSignal,
  podLostSignal,
  podReadySignal,
  podNotReadySignal,
  podGoneSignal,
  sessionActivitySignal,
] as const;
export const sessionUpdates = [
  extendSessionUpdate,
  terminateSessionUpdate,
  waitUntilStartedUpdate,
  waitForEventsUpdate,
  suspendSessionUpdate,
  resumeSessionUpdate,
] as const;
