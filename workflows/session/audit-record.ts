/**
 * One audit record of a status change. The audit trail is a record of the session, not a precondition
 * for it: nothing the workflow does waits for it.
 *
 * Since patch `audit-in-worker-log` the record goes to the worker's `audit` sink, which writes the line
 * (and counts the transition) once the workflow task's activation is done, and not again when the
 * history is replayed. Before it, each record was a `recordAudit` activity: three history events and a
 * workflow task of its own per transition — a third of a session's history, for one log line. Both are
 * at least once: a workflow task that fails after the activation is retried, like an activity.
 */
import { isCancellation, log, proxySinks, type Sinks } from '@temporalio/workflow';
import type { AuditRecord, SessionActivities } from '../../activities/types.js';
import type { SessionSpec, SessionState, SessionStatus } from '../../src/session/spec.js';
import { now } from './failures.js';
import type { SessionPatches } from './patches.js';

export const AUDIT_IN_WORKER_LOG_PATCH = 'audit-in-worker-log';

/** The worker's sink for audit records (src/temporal/audit-sink.ts registers it). */
export interface AuditSinks extends Sinks {
  audit: {
    statusChanged(record: AuditRecord): void;
  };
}

const { audit } = proxySinks<AuditSinks>();

export async function recordStatusChange(
  acts: SessionActivities,
  patches: SessionPatches,
  spec: SessionSpec,
  state: SessionState,
  change: { from: SessionStatus | undefined; to: SessionStatus; reason?: string },
): Promise<void> {
  const { from, to, reason } = change;
  const record: AuditRecord = {
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
  };
  if (patches.has(AUDIT_IN_WORKER_LOG_PATCH)) {
    audit.statusChanged(record);
    return;
  }
  try {
    await acts.recordAudit(record);
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('audit record failed', { to, error: String(err) });
  }
}
