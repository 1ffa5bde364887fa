/**
 * How the API (and tests) reach Temporal: one client per process, always with the payload codec, so
 * session specs — which carry tokens — are encrypted before they leave the process.
 */
import { Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { sessionWorkflowId, type SessionSpec } from '../session/spec.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { SessionIdKey, SessionStatusKey, SessionUserKey } from '../../workflows/search-attributes.js';
import { sessionWorkflowType } from '../../workflows/definitions.js';

/** Where a session workflow runs. */
export interface SessionStartConfig {
  temporalNamespace: string;
  taskQueue: string;
}

/**
 * Starts the session's workflow, or returns the one already running for this session id: a retried or
 * duplicated create request must never produce a second set of Kubernetes objects.
 */
export async function startSession(
  client: Client,
  spec: SessionSpec,
  config: SessionStartConfig,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof sessionWorkflow>> {
  return client.workflow.start<typeof sessionWorkflow>(sessionWorkflowType, {
    workflowId: sessionWorkflowId(spec.sessionId),
    taskQueue: config.taskQueue,
    args: [spec],
    workflowIdConflictPolicy: 'USE_EXISTING',
    // A session id names one session ever: reusing a finished one's id would mix its history and objects.
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: SessionIdKey, value: spec.sessionId },
      { key: SessionUserKey, value: spec.user },
      { key: SessionStatusKey, value: 'creating' },
    ],
  });
}
