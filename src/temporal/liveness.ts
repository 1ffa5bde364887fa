/**
 * Whether session workflows still run. A session that visibility lists as running is taken as running:
 * callers only ever leave a running session alone, so a stale entry delays them by one run at most. Every
 * other one is asked of Temporal with a describe (authoritative, unlike visibility, which lags), with
 * bounded concurrency, so the describes grow with the orphans rather than with the sessions.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { WorkflowLiveness } from '../session/reconciler.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';

const DESCRIBE_CONCURRENCY = 16;

export async function sessionLiveness(
  client: Client,
  sessionIds: Iterable<string>,
  listedRunning: ReadonlySet<string> = new Set(),
): Promise<Map<string, WorkflowLiveness>> {
  const result = new Map<string, WorkflowLiveness>();
  const ids: string[] = [];
  for (const id of new Set(sessionIds)) {
    if (listedRunning.has(id)) result.set(id, { state: 'running' });
    else ids.push(id);
  }
  for (let i = 0; i < ids.length; i += DESCRIBE_CONCURRENCY) {
    await Promise.all(
      ids.slice(i, i + DESCRIBE_CONCURRENCY).map(async (id) => {
        try {
          const d = await client.workflow.getHandle(sessionWorkflowId(id)).describe();
          result.set(
            id,
            d.status.name === 'RUNNING'
              ? { state: 'running' }
              : { state: 'closed', ...(d.closeTime ? { closedAt: d.closeTime.toISOString() } : {}) },
          );
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) result.set(id, { state: 'absent' });
          else throw err;
        }
      }),
    );
  }
  return result;
}
