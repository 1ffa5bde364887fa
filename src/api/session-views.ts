/**
 * The API's views of a session: its state as a response body, what is known before its workflow answers
 * or when it cannot be queried, and a failed start as the error the client gets.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { sessionObjectNames } from '../k8s/names.js';
import type { SessionSpec, SessionState, SessionStatus } from '../../workflows/contract/spec.js';
import { SessionUserKey } from '../../workflows/contract/search-attributes.js';
import { ApiError } from './errors.js';
import type { SessionBody } from './schemas.js';

/** The API's view of a session state: snake_case, no secrets (the state never holds any). */
export function toSessionBody(state: SessionState): SessionBody {
  return {
    session_id: state.sessionId,
    user: state.user,
    status: state.status,
    url: state.url || null,
    pod_name: state.podName || null,
    service_name: state.serviceName || null,
    node_name: state.nodeName ?? null,
    created_at: state.createdAt,
    expires_at: state.expiresAt ?? null,
    max_expires_at: state.maxExpiresAt,
    ended_at: state.endedAt ?? null,
    end_reason: state.endReason ?? null,
    restarts: state.restartCount,
    phases: state.phases,
    last_error: state.lastError ?? null,
    pvc_name: state.pvcName ?? null,
    pvc_retained: state.pvcRetained ?? null,
    start: state.start ?? null,
  };
}

/** What is known of a just-started session before its workflow has answered a query. */
export function notYetAnswering(spec: SessionSpec, createdAt: string): SessionState {
  const names = sessionObjectNames(spec.user, spec.sessionId);
  return {
    sessionId: spec.sessionId,
    user: spec.user,
    namespace: spec.namespace,
    status: 'creating',
    url: '',
    podName: names.pod,
    serviceName: names.service,
    createdAt,
    maxExpiresAt: new Date(Date.parse(createdAt) + spec.maxLifetimeMinutes * 60_000).toISOString(),
    restartCount: 0,
    phases: { creating: createdAt },
    events: [],
  };
}

/** A failed start, as the client sees it: the lifecycle error code decides the HTTP status. */
export function startFailure(state: SessionState): ApiError {
  if (!state.lastError && (state.status === 'terminating' || state.status === 'terminated')) {
    // Not a failure: someone (the owner, an admin, an operator in the Temporal UI) ended it first.
    const reason = state.endReason ?? state.events.findLast((e) => e.type === 'terminating')?.message ?? 'unknown';
    return new ApiError(409, 'SESSION_TERMINATED', `session was terminated before it was running (reason: ${reason})`, {
      session_id: state.sessionId,
    });
  }
  const code = state.lastError?.code ?? 'SESSION_FAILED';
  const message = state.lastError?.message ?? `session ended as ${state.status} before it was running`;
  const status = code === 'POD_START_TIMEOUT' ? 504 : code === 'PVC_NOT_FOUND' || code === 'PVC_NOT_OWNED' ? 422 : 502;
  return new ApiError(status, code, message, { session_id: state.sessionId });
}

/** What visibility knows of a session whose workflow cannot be queried right now. */
export function bodyFromDescription(
  id: string,
  description: WorkflowExecutionDescription,
  status: SessionStatus,
): SessionBody {
  return {
    session_id: id,
    user: description.typedSearchAttributes.get(SessionUserKey) ?? '',
    status,
    url: null,
    pod_name: null,
    service_name: null,
    node_name: null,
    created_at: description.startTime.toISOString(),
    expires_at: null,
    max_expires_at: null,
    ended_at: null,
    end_reason: null,
    restarts: 0,
    phases: {},
    last_error: null,
    pvc_name: null,
    pvc_retained: null,
    start: null,
  };
}
