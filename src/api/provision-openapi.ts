/**
 * The provisioning listener's own OpenAPI document (its `GET /openapi.json`): the endpoint is not part of the
 * public API's document because it is not on the public API's listener.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { ErrorSchema } from './schemas.js';
import { PROVISION_PATH, ProvisionRequestSchema, ProvisionResponseSchema } from './provision-routes.js';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

function registerProvisionPaths(registry: OpenAPIRegistry): void {
  const podToken = registry.registerComponent('securitySchemes', 'warmPodToken', {
    type: 'http',
    scheme: 'bearer',
    description: "A warm pod's own provisioning token (from its Secret), not an API key",
  });
  registry.registerPath({
    method: 'post',
    path: PROVISION_PATH,
    summary: "A claimed warm pod fetches its session's credentials, once",
    description:
      'Called by the provisioning step inside a warm pod after a session claimed it. The first successful call answers the token, MCP configuration and env of the session; every later call is 410.',
    security: [{ [podToken.name]: [] }],
    request: { body: { content: { 'application/json': { schema: ProvisionRequestSchema } } } },
    responses: {
      200: {
        description: 'The session credentials',
        content: { 'application/json': { schema: ProvisionResponseSchema } },
      },
      400: error('VALIDATION_ERROR: the body is malformed'),
      401: error('UNAUTHORIZED: wrong token, not a warm pod, or no such pod (indistinguishable)'),
      409: error(
        'NOT_CLAIMED (no session has claimed the pod yet) or NOT_READY (its Secrets are not there yet): retry',
      ),
      410: error('ALREADY_PROVISIONED: the pod fetched its provisioning before'),
    },
  });
}

export function buildProvisionOpenApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registerProvisionPaths(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'session-orchestrator provisioning',
      version: '1.0.0',
      description:
        "The worker's provisioning listener (WORKER_PROVISION_PORT): claimed warm pods fetch their session's credentials here, once.",
    },
    servers: [{ url: '/' }],
  });
}
