/**
 * `/openapi.json`, generated from the very schemas the routes parse with. Adding a route means
 * registering it here; the API test suite checks that both lists agree.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { registerAccessPaths } from './access-openapi.js';
import { registerTerminalPaths } from './terminal-openapi.js';
import { registerCodecPaths } from './codec-openapi.js';
import {
  CreateSessionBodySchema,
  CreateSessionQuerySchema,
  DeleteSessionQuerySchema,
  ErrorSchema,
  ExtendSessionBodySchema,
  ExtendSessionResponseSchema,
  ListSessionsQuerySchema,
  HealthSchema,
  ReadinessSchema,
  SessionIdParamsSchema,
  SessionListSchema,
  SessionSchema,
} from './schemas.js';
import { registerWorkspacePaths } from './workspaces.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(ErrorSchema, description);
const common = {
  400: error('VALIDATION_ERROR: the request is malformed; details lists each problem'),
  401: error('UNAUTHORIZED: missing or unknown API key'),
  403: error('FORBIDDEN: the API key lacks the permission'),
  429: error('RATE_LIMITED: too many requests (or event streams) for this API key; see Retry-After'),
};
const sessionErrors = {
  ...common,
  404: error("NOT_FOUND: no such session, or another user's"),
  503: error(
    'WORKER_UNAVAILABLE: no worker answered for the session in time; it resumes when one polls. TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); retry. WORKFLOW_TASK_FAILING: the session workflow cannot answer, its workflow task keeps failing (Retry-After; its history says why)',
  ),
};

export function buildOpenApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  const apiKey = registry.registerComponent('securitySchemes', 'apiKeyHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  const security = [{ [bearer.name]: [] }, { [apiKey.name]: [] }];

  registry.registerPath({
    method: 'post',
    path: '/api/v1/sessions',
    summary: 'Create a session',
    description: 'Starts the session workflow and, unless wait=false, answers once the session is running.',
    security,
    request: {
      query: CreateSessionQuerySchema,
      body: { required: true, content: { 'application/json': { schema: CreateSessionBodySchema } } },
    },
    responses: {
      201: json(SessionSchema, 'The session is running'),
      202: json(SessionSchema, 'The session is being created (wait=false)'),
      ...common,
      403: error(
        'FORBIDDEN: the API key lacks the permission; FORBIDDEN_BY_POLICY: the request asks for what the administrator does not allow (image, node selector key, PVC, retained PVCs); details name the field and the limit',
      ),
      409: error('SESSION_TERMINATED: the session was ended (e.g. deleted) before it was running'),
      422: error('PVC_NOT_FOUND or PVC_NOT_OWNED: pvc_name cannot be reused'),
      429: error(
        'QUOTA_EXCEEDED: the user has as many unfinished sessions as allowed; RATE_LIMITED: too many requests or creates (Retry-After)',
      ),
      502: error('The session failed to start for another reason (code from its lifecycle)'),
      503: error(
        'QUOTA_BUSY: too many concurrent creates for this user; TEMPORAL_UNAVAILABLE: Temporal did not answer, nothing was created (Retry-After); retry',
      ),
      504: error('POD_START_TIMEOUT: the pod did not become Ready in time; message is the diagnosis'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/sessions',
    summary: "List the caller's sessions (admins: everyone's)",
    security,
    request: { query: ListSessionsQuerySchema },
    responses: {
      200: json(SessionListSchema, 'One page of sessions, newest first'),
      ...common,
      503: error('TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); retry'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/sessions/{id}',
    summary: 'Get a session',
    security,
    request: { params: SessionIdParamsSchema },
    responses: { 200: json(SessionSchema, 'The session'), ...sessionErrors },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/sessions/{id}/extend',
    summary: "Move a running session's deadline",
    security,
    request: {
      params: SessionIdParamsSchema,
      body: { required: true, content: { 'application/json': { schema: ExtendSessionBodySchema } } },
    },
    responses: {
      200: json(ExtendSessionResponseSchema, 'The new deadline'),
      ...sessionErrors,
      409: error('SESSION_NOT_RUNNING or MAX_LIFETIME_EXCEEDED'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/sessions/{id}',
    summary: 'Terminate a session',
    description: 'Sends SIGTERM with the grace period, then deletes its objects (the PVC per policy or delete_pvc).',
    security,
    request: { params: SessionIdParamsSchema, query: DeleteSessionQuerySchema },
    responses: {
      200: json(SessionSchema, 'The session has ended (wait=true, or it had already ended)'),
      202: json(SessionSchema, 'Shutdown has begun'),
      ...sessionErrors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/sessions/{id}/events',
    summary: 'Lifecycle events as Server-Sent Events',
    description:
      'Each event has the lifecycle step as its event name (secrets_created, pod_ready, running, pod_lost, terminated, ...), its sequence number as id (resume with Last-Event-ID) and a JSON data object; a `status` event reports each status change. The stream ends once the session has ended.',
    security,
    request: { params: SessionIdParamsSchema },
    responses: {
      200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
      ...sessionErrors,
    },
  });
  registerAccessPaths(registry, security);
  registerTerminalPaths(registry, security);
  registry.registerPath({
    method: 'get',
    path: '/health',
    summary: 'Liveness',
    responses: { 200: json(HealthSchema, 'The process is alive') },
  });
  registry.registerPath({
    method: 'get',
    path: '/ready',
    summary: 'Readiness: Temporal and Kubernetes reachable',
    responses: {
      200: json(ReadinessSchema, 'Ready'),
      503: json(ReadinessSchema, 'A dependency is unreachable (named `disconnected`), or the process is draining'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (needs an API key unless API_METRICS_AUTH=false)',
    responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    security,
    responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.object({}) } } } },
  });

  registerCodecPaths(registry, security);
  registerWorkspacePaths(registry, security);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'session-orchestrator',
      version: '1.0.0',
      description: 'Per-user Kubernetes sessions for AI coding agents, each run as a durable Temporal workflow.',
    },
    servers: [{ url: '/' }],
  });
}
