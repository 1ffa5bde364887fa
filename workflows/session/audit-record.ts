/**
 * One audit record of a status change, through the `recordAudit` activity. The audit trail is a record
 * of the session, not a precondition for it: a failed record is logged and the session goes on; only a
 * cancellation propagates.
 */
import { isCancellation, log } from '@temporalio/workflow';
import type { SessionActivities } from '../../activities/types.js';
import type { SessionSpec, SessionState, SessionStatus } from '../../src/session/spec.js';
import { now } from './failures.js';

export async function recordStatusChange(
  acts: SessionActivities,
  spec: SessionSpec,
  state: SessionState,
  change: { from: SessionStatus | undefined; to: SessionStatus; reason?: string },
): Promise<void> {
  const { from, to, reason } = change;
  try {
    await acts.recordAudit({
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
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('audit record failed', { to, error: String(err) });
  }
}
