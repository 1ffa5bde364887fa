/** `/openapi.json` entry of the interactive terminal (a WebSocket; its frames are in docs/terminal.md). */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ErrorSchema, SessionIdParamsSchema } from './schemas.js';
import { TerminalQuerySchema } from './terminal-schemas.js';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

export function registerTerminalPaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/sessions/{id}/terminal',
    summary: "An interactive shell in the session's agent container (WebSocket)",
    description:
      'Upgrades to a WebSocket carrying a TTY exec of a login shell in the agent container (claude-code; sidecars are refused). Binary frames are raw terminal bytes both ways; text frames are JSON control messages: {"type":"resize","cols":N,"rows":N} from the client, {"type":"exit","code":N} from the server before a normal close. Offer the subprotocol session-terminal.v1; browsers, which cannot set Authorization on a WebSocket, also offer bearer.<API key>. Needs session:update. Closes after TERMINAL_IDLE_TIMEOUT without traffic and after TERMINAL_MAX_DURATION; output is paced at TERMINAL_OUTPUT_BYTES_PER_SECOND. A GET without the upgrade runs every check and answers 426. See docs/terminal.md.',
    security,
    request: { params: SessionIdParamsSchema, query: TerminalQuerySchema },
    responses: {
      101: { description: 'WebSocket established: the shell runs' },
      400: error('VALIDATION_ERROR: a bad size, or a container other than the agent'),
      401: error('UNAUTHORIZED: missing or unknown API key'),
      403: error('FORBIDDEN: the API key lacks session:update'),
      404: error("NOT_FOUND: no such session, or another user's"),
      409: error('SESSION_NOT_RUNNING, SESSION_ENDED or CONTAINER_NOT_RUNNING'),
      426: error('UPGRADE_REQUIRED: every check passed; send the request as a WebSocket upgrade'),
      502: error('KUBERNETES_UNAVAILABLE: the cluster could not open the exec'),
      503: error('WORKER_UNAVAILABLE or TEMPORAL_UNAVAILABLE: the session could not be looked up (Retry-After)'),
    },
  });
}
