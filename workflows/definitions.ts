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
/** Sent by the worker's shared pod informer when the session's pod is deleted, evicted or fails. */
export const podLostSignal = defineSignal<[{ podName: string; reason: string; message?: string }]>('podLost');
