/**
 * How the API, the worker and tests reach Temporal: always through a client with the payload codec, so
 * session specs — which carry tokens — are encrypted before they leave the process.
 */
import {
  Client,
  Connection,
  type WorkflowHandleWithFirstExecutionRunId,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { Config } from '../config.js';
import { sessionWorkflowId, type SessionSpec } from '../../workflows/contract/spec.js';
import { sessionWorkflowType } from '../../workflows/contract/session-messages.js';
import { SessionIdKey, SessionStatusKey, SessionUserKey } from '../../workflows/contract/search-attributes.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { temporalClientInterceptors } from '../telemetry.js';
import { createDataConverter } from './codec.js';
import {
  temporalConnectionOptions,
  withTransportDefaults,
  type TemporalTransportConfig,
} from './connection-options.js';

/** Connects to the configured Temporal frontend; the caller closes `client.connection`. */
export async function createTemporalClient(
  config: Pick<Config, 'temporalAddress' | 'temporalNamespace' | 'codecKeys' | 'codecKeysFile'> &
    Partial<TemporalTransportConfig>,
): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(withTransportDefaults(config)));
  const interceptors = temporalClientInterceptors();
  return new Client({
    connection,
    namespace: config.temporalNamespace,
    dataConverter: createDataConverter(config),
    ...(interceptors ? { interceptors } : {}),
  });
}

/**
 * Starts the session's workflow, or returns the one already running for this session id: a retried or
 * duplicated create request must never produce a second set of Kubernetes objects.
 */
export async function startSession(
  client: Client,
  spec: SessionSpec,
  config: Pick<Config, 'temporalTaskQueue'>,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof sessionWorkflow>> {
  return client.workflow.start<typeof sessionWorkflow>(sessionWorkflowType, sessionStartOptions(spec, config));
}

/** How every session workflow is started, by a plain start or an Update-with-Start. */
export function sessionStartOptions(spec: SessionSpec, config: Pick<Config, 'temporalTaskQueue'>) {
  return {
    workflowId: sessionWorkflowId(spec.sessionId),
    taskQueue: config.temporalTaskQueue,
    args: [spec] as [SessionSpec],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    // A session id names one session ever: reusing a finished one's id would mix its history and objects.
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    // Set at start, not only by the workflow's first task, so the session is searchable at once.
    typedSearchAttributes: [
      { key: SessionIdKey, value: spec.sessionId },
      { key: SessionUserKey, value: spec.user },
      { key: SessionStatusKey, value: 'creating' },
    ],
  } satisfies WorkflowStartOptions<typeof sessionWorkflow>;
}
