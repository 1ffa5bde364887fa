/**
 * Which workflows this worker's informer may signal: only sessions on its own task queue. Several
 * deployments (or test workers) may share a session namespace, each with its own payload key; a signal
 * encrypted with another deployment's key cannot be decoded and fails the receiving workflow's tasks.
 * One describe per session, cached, so the cost stays O(sessions seen), not O(events).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';

const REMEMBERED = 10_000;

export function ownSessionFilter(client: Client, taskQueue: string): (sessionId: string) => Promise<boolean> {
  const known = new Map<string, boolean>();
  return async (sessionId) => {
    const cached = known.get(sessionId);
    if (cached !== undefined) return cached;
    let own: boolean;
    try {
      const description = await client.workflow.getHandle(sessionWorkflowId(sessionId)).describe();
      own = description.taskQueue === taskQueue;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      own = false;
    }
    if (known.size >= REMEMBERED) known.delete(known.keys().next().value as string);
    known.set(sessionId, own);
    return own;
  };
}
