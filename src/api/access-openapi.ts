/** `/openapi.json` entries of the routes that reach into a session (logs, exec, proxy, suspend/resume). */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ExecBodySchema, ExecResultSchema, LogsQuerySchema, ProxyParamsSchema } from './access-schemas.js';
import { PROXY_METHODS } from './proxy.js';
import { ErrorSchema, SessionIdParamsSchema, SessionSchema } from './schemas.js';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const reachErrors = {
  400: error('VALIDATION_ERROR: the request is malformed; details lists each problem'),
  401: error('UNAUTHORIZED: missing or unknown API key'),
  403: error('FORBIDDEN: the API key lacks the permission'),
  404: error("NOT_FOUND: no such session, or another user's"),
  409: error('SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED'),
  503: error(
    'WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After)',
  ),
};

export function registerAccessPaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/sessions/{id}/logs',
    summary: "A container's log",
    description:
      'Plain text, one line per log line. With follow=true the response stays open and new lines arrive as they are written, until the client disconnects or the pod ends.',
    security,
    request: { params: SessionIdParamsSchema, query: LogsQuerySchema },
    responses: {
      200: { description: 'The log', content: { 'text/plain': { schema: z.string() } } },
      ...reachErrors,
      502: error('KUBERNETES_UNAVAILABLE: the cluster could not serve the log'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/sessions/{id}/exec',
    summary: 'Run a command in the session',
    description:
      'Runs the command (argv, no shell) in the container without a TTY or stdin and answers when it exits. Output beyond EXEC_MAX_OUTPUT_BYTES per stream is cut (the *_truncated flags say so).',
    security,
    request: {
      params: SessionIdParamsSchema,
      body: { required: true, content: { 'application/json': { schema: ExecBodySchema } } },
    },
    responses: {
      200: { description: 'The command ran', content: { 'application/json': { schema: ExecResultSchema } } },
      ...reachErrors,
      502: error('EXEC_FAILED or KUBERNETES_UNAVAILABLE: the command could not be run'),
      504: error('EXEC_TIMEOUT: the command did not finish within timeout_seconds'),
    },
  });
  const lifecycleDoc = (action: 'suspend' | 'resume') => ({
    method: 'post' as const,
    path: `/api/v1/sessions/{id}/${action}`,
    summary: action === 'suspend' ? 'Suspend a session' : 'Resume a suspended session',
    description:
      action === 'suspend'
        ? 'Deletes the pod (with the SIGTERM grace, PodStopGraceSeconds) and its Service; keeps the Secrets, ConfigMap and PVC. Only sessions with a PVC can be suspended. Answers once the session is `suspended`. A suspended session does not count toward API_MAX_SESSIONS_PER_USER but toward AGENTAPI_K8S_SESSION_MAX_SUSPENDED_PER_USER; its deadlines keep running (a suspended session past expires_at ends terminated, reason timeout). Needs session:update.'
        : 'Recreates the pod and Service on the same claim and answers once the session is `running` again; 202 with the session as it is when the start timeout ran out first. The resumed session counts toward API_MAX_SESSIONS_PER_USER again. A proxied request to a suspended session resumes it the same way. Needs session:update.',
    security,
    request: { params: SessionIdParamsSchema },
    responses: {
      200: {
        description: action === 'suspend' ? 'The session, suspended' : 'The session, running',
        content: { 'application/json': { schema: SessionSchema } },
      },
      ...(action === 'resume'
        ? {
            202: {
              description: 'Still resuming when the wait ran out; follow it with GET or the events stream',
              content: { 'application/json': { schema: SessionSchema } },
            },
          }
        : {}),
      401: reachErrors[401],
      403: reachErrors[403],
      404: reachErrors[404],
      409: error(
        action === 'suspend'
          ? 'NOT_SUSPENDABLE (no PVC), SESSION_NOT_RUNNING (creating, restarting, suspended) or SESSION_ENDED'
          : 'SESSION_NOT_SUSPENDED (not suspended) or SESSION_ENDED',
      ),
      429: error(
        action === 'suspend'
          ? 'SUSPENDED_QUOTA_EXCEEDED: the user has MAX_SUSPENDED_PER_USER suspended sessions'
          : 'QUOTA_EXCEEDED: the user has API_MAX_SESSIONS_PER_USER unfinished sessions running',
      ),
      503: reachErrors[503],
    },
  });
  registry.registerPath(lifecycleDoc('suspend'));
  registry.registerPath(lifecycleDoc('resume'));
  const proxyDoc = {
    summary: "Reverse proxy to the session's agent",
    description:
      'Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.',
    security,
    responses: {
      200: { description: "The agent's response, as it sent it" },
      101: { description: 'WebSocket tunnel established' },
      ...reachErrors,
      413: error('PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES'),
      502: error('UPSTREAM_UNAVAILABLE: the agent could not be reached'),
      504: error('UPSTREAM_TIMEOUT: the agent did not accept a connection in time'),
    },
  };
  for (const method of PROXY_METHODS) {
    registry.registerPath({
      method,
      path: '/api/v1/sessions/{id}/proxy',
      request: { params: SessionIdParamsSchema },
      ...proxyDoc,
    });
    registry.registerPath({
      method,
      path: '/api/v1/sessions/{id}/proxy/{path}',
      request: { params: ProxyParamsSchema },
      ...proxyDoc,
    });
  }
}
