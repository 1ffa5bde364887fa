/**
 * A closed session's final state, read without asking a worker: a query of a closed workflow makes a
 * worker replay the session's whole history. A session that ended normally returns its state; one that
 * failed carries it as the first detail of its failure (workflows/contract/session-run.ts); one ended
 * from outside the workflow (cancelled, terminated in the Temporal UI, timed out) has only what
 * visibility recorded.
 */
import { WorkflowFailedError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { SessionStatusKey } from '../../workflows/contract/search-attributes.js';
import { finalStateOf } from '../../workflows/contract/session-run.js';
import { isEnded, SessionStatusSchema, type SessionState, type SessionStatus } from '../../workflows/contract/spec.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import type { SessionBody } from './schemas.js';
import { bodyFromDescription, toSessionBody } from './session-views.js';

/**
 * A running session's state from `query`; a closed one's from its result, never a query (which would
 * replay the whole history on a worker, and fail with none running).
 */
export async function finalOrCurrentBody(
  id: string,
  handle: WorkflowHandle<typeof sessionWorkflow>,
  description: WorkflowExecutionDescription,
  query: () => Promise<SessionState>,
): Promise<SessionBody> {
  if (description.status.name !== 'RUNNING') return closedSessionBody(id, handle, description);
  try {
    return toSessionBody(await query());
  } catch (err) {
    // It may have closed since it was described.
    const now = await handle.describe();
    if (now.status.name !== 'RUNNING') return closedSessionBody(id, handle, now);
    throw err;
  }
}

async function closedSessionBody(
  id: string,
  handle: WorkflowHandle<typeof sessionWorkflow>,
  description: WorkflowExecutionDescription,
): Promise<SessionBody> {
  try {
    return toSessionBody(await handle.result());
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const state = finalStateOf(err.cause);
    if (state) return toSessionBody(state);
  }
  const execution = description.status.name;
  return {
    ...bodyFromDescription(id, description, endedStatus(description)),
    ended_at: description.closeTime?.toISOString() ?? null,
    end_reason: execution === 'CANCELLED' ? 'cancelled' : null,
  };
}

/** The status visibility recorded, unless the workflow was ended from outside before it recorded its end. */
function endedStatus(description: WorkflowExecutionDescription): SessionStatus {
  const recorded = SessionStatusSchema.safeParse(description.typedSearchAttributes.get(SessionStatusKey));
  if (recorded.success && isEnded(recorded.data)) return recorded.data;
  const execution = description.status.name;
  return execution === 'FAILED' || execution === 'TIMED_OUT' ? 'failed' : 'terminated';
}
