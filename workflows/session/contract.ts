/**
 * What a session run shares with its caller, with the run it continues as, and with the helpers it drives
 * (./messages.ts, ./provisioning.ts, ./pod-replacement.ts, ./ending.ts): its arguments, how it fails, and
 * the records it keeps while it runs.
 */
import type { SessionState } from '../../src/session/spec.js';

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

export interface ShutdownRequest {
  reason: string;
  deletePvc?: boolean;
}

export interface FailureRecord {
  type: SessionFailureType;
  /** An {@link EndReason}, or the termination reason when shutdown itself failed. */
  endReason: string;
  code: string;
  message: string;
}
