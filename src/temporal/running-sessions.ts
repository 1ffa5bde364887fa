/**
 * Every running session workflow with its recorded status and task queue, from one paged visibility
 * query: what the reconciler needs about thousands of sessions for the cost of a few list calls, instead
 * of one describe each. Visibility lags a little behind the workflows (a just-started session may be
 * missing, a just-closed one still listed), so callers treat it as a hint and confirm what they act on.
 */
import type { Client } from '@temporalio/client';
import { sessionWorkflowType } from '../../workflows/contract/session-messages.js';
import { SessionIdKey, SessionStatusKey } from '../../workflows/contract/search-attributes.js';
import { keywordReader } from './keywords.js';

export interface RunningSession {
  /** The status the workflow last recorded (`SessionStatus`); undefined before its first task. */
  status: string | undefined;
  taskQueue: string;
}

const PAGE_SIZE = 1_000;
const LIST_TIMEOUT_MS = 30_000;

export async function listRunningSessions(client: Client): Promise<Map<string, RunningSession>> {
  const running = new Map<string, RunningSession>();
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.connection.withDeadline(Date.now() + LIST_TIMEOUT_MS, () =>
      client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query: `WorkflowType = '${sessionWorkflowType}' AND ExecutionStatus = 'Running'`,
        pageSize: PAGE_SIZE,
        ...(nextPageToken ? { nextPageToken } : {}),
      }),
    );
    for (const execution of page.executions ?? []) {
      const attributes = keywordReader(execution.searchAttributes?.indexedFields);
      const sessionId = attributes.get(SessionIdKey) ?? execution.execution?.workflowId?.replace(/^session-/, '');
      if (!sessionId) continue;
      running.set(sessionId, { status: attributes.get(SessionStatusKey), taskQueue: execution.taskQueue ?? '' });
    }
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return running;
}
