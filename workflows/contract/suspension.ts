/**
 * The rules of suspending and resuming a session, in one place: the workflow's update validators refuse
 * with these types, and the API maps the same types to its answers. No zod and no I/O here, so the
 * workflow sandbox can import it.
 *
 * Deadline rule: the session's clocks (expires_at and max_expires_at) keep running while it is
 * suspended. A suspended session that reaches its deadline ends `terminated` with reason `timeout`, and
 * its claim is kept or deleted by the PVC reclaim policy, like any session that times out. Suspending is
 * a way to free a node, not to stretch a session's life.
 */
import { isEndingOrEnded, type SessionStatus } from './spec.js';

/** The `type` of the ApplicationFailure a suspend or resume is refused with. */
export const SuspendRejection = {
  /** The session has no PVC: suspending would lose its workspace. */
  NotSuspendable: 'NotSuspendable',
  /** Suspend asked of a session that is not running (creating, restarting, suspended, terminating). */
  NotRunning: 'SessionNotRunning',
  /** Resume asked of a session that is not suspended. */
  NotSuspended: 'SessionNotSuspended',
  /** The session has ended. */
  Ended: 'SessionEnded',
  /** The user already has the most suspended sessions allowed. */
  SuspendedQuotaExceeded: 'SuspendedQuotaExceeded',
  /** Resuming would take the user past the running-session quota. */
  QuotaExceeded: 'QuotaExceeded',
} as const;
export type SuspendRejection = (typeof SuspendRejection)[keyof typeof SuspendRejection];

/** The API's answer to each refusal: HTTP status and error code. */
export const SUSPEND_REFUSAL_ANSWER: Record<SuspendRejection, { status: number; code: string }> = {
  NotSuspendable: { status: 409, code: 'NOT_SUSPENDABLE' },
  SessionNotRunning: { status: 409, code: 'SESSION_NOT_RUNNING' },
  SessionNotSuspended: { status: 409, code: 'SESSION_NOT_SUSPENDED' },
  SessionEnded: { status: 409, code: 'SESSION_ENDED' },
  SuspendedQuotaExceeded: { status: 429, code: 'SUSPENDED_QUOTA_EXCEEDED' },
  QuotaExceeded: { status: 429, code: 'QUOTA_EXCEEDED' },
};

export interface Refusal {
  type: SuspendRejection;
  message: string;
}

/** What the rules look at: where the session is, and whether it keeps a workspace across a suspend. */
export interface SuspendSubject {
  sessionId: string;
  status: SessionStatus;
  hasPvc: boolean;
  /** A termination was requested and has not begun yet. */
  terminating: boolean;
}

/** undefined when the session may be suspended now; otherwise why not. */
export function suspendRefusal(s: SuspendSubject): Refusal | undefined {
  if (s.terminating || isEndingOrEnded(s.status)) {
    return { type: SuspendRejection.Ended, message: `session ${s.sessionId} has ended or is ending` };
  }
  if (!s.hasPvc) {
    return {
      type: SuspendRejection.NotSuspendable,
      message: `session ${s.sessionId} has no PVC; only a session with a persistent workspace can be suspended`,
    };
  }
  if (s.status !== 'running') {
    return {
      type: SuspendRejection.NotRunning,
      message: `session ${s.sessionId} is ${s.status}; only a running session can be suspended`,
    };
  }
  return undefined;
}

/**
 * undefined when a resume may proceed: the session is suspended, or already resuming (the caller then
 * waits for the resume under way, so concurrent wake-ups start one pod).
 */
export function resumeRefusal(s: SuspendSubject): Refusal | undefined {
  if (s.terminating || isEndingOrEnded(s.status)) {
    return { type: SuspendRejection.Ended, message: `session ${s.sessionId} has ended or is ending` };
  }
  if (s.status !== 'suspended' && s.status !== 'resuming') {
    return {
      type: SuspendRejection.NotSuspended,
      message: `session ${s.sessionId} is ${s.status}; only a suspended session can be resumed`,
    };
  }
  return undefined;
}

/** The agent's `/status` value that counts as idle; anything else (working, unreachable) is not. */
export function agentIsIdle(agentStatus: string): boolean {
  return agentStatus === 'stable';
}

/** Where a session is in its suspend cycle, for statuses that need it (proxy wake-up). */
export function isAsleep(status: SessionStatus): boolean {
  return status === 'suspended' || status === 'resuming';
}
