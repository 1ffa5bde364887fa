/** What every workflow suite does with a session's handle: wait for a status, and end it after a test. */
import type { WorkflowHandle } from '@temporalio/client';
import type { SessionState } from '../../workflows/contract/spec.js';
import { getSessionStateQuery, terminateSessionSignal } from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { eventually } from '../support/wait.js';

export type SessionHandle = WorkflowHandle<typeof sessionWorkflow>;

/** The session's state once its status is `status` (queried until then, within `eventually`'s bound). */
export function untilStatus(handle: SessionHandle, status: SessionState['status']): Promise<SessionState> {
  return eventually(`session ${handle.workflowId} to be ${status}`, async () => {
    const current = await handle.query(getSessionStateQuery);
    return current.status === status ? current : undefined;
  });
}

/** Ends a test's session if the test left it running, so no workflow outlives its test. */
export async function terminateQuietly(handle: SessionHandle): Promise<void> {
  await handle.signal(terminateSessionSignal, { reason: 'test-cleanup' }).catch(() => undefined);
}
