/**
 * Whether session workflows still run, asked of Temporal one describe per session (authoritative, unlike
 * visibility queries, which lag), with bounded concurrency.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { WorkflowLiveness } from '../session/reconciler.js';
import { sessionWorkflowId } from '../session/spec.js';

const DESCRIBE_CONCURRENCY = 16;

export async function sessionLiveness(
  client: Client,
  sessionIds: Iterable<string>,
): Promise<Map<string, WorkflowLiveness>> {
  const ids = [...new Set(sessionIds)];
  const result = new Map<string, WorkflowLiveness>();
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
