/**
 * One audit record of a status change. The audit trail is a record of the session, not a precondition
 * for it: nothing the workflow does waits for it. The record goes to the worker's `audit` sink, which
 * writes the line (and counts the transition) once the workflow task's activation is done, and not again
 * when the history is replayed — an activity per transition would cost three history events and a workflow
 * task for one log line. At least once: a workflow task that fails after the activation is retried.
 */
import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { AuditRecord } from '../contract/activities.js';
import type { SessionSpec, SessionState, SessionStatus } from '../contract/spec.js';
import { now } from './failures.js';

/** The worker's sink for audit records (src/temporal/audit-sink.ts registers it). */
export interface AuditSinks extends Sinks {
  audit: {
    statusChanged(record: AuditRecord): void;
  };
}

const { audit } = proxySinks<AuditSinks>();

export function recordStatusChange(
  spec: SessionSpec,
  state: SessionState,
  change: { from: SessionStatus | undefined; to: SessionStatus; reason?: string },
): void {
  const { from, to, reason } = change;
  audit.statusChanged({
    sessionId: spec.sessionId,
    user: spec.user,
    ...(from ? { from } : {}),
    to,
    ...(reason ? { reason } : {}),
    at: now(),
    detail: {
      restartCount: state.restartCount,
      ...(state.nodeName ? { node: state.nodeName } : {}),
    },
  });
}
