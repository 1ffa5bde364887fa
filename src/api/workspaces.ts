/**
 * `/api/v1/workspaces`: the caller's retained workspace claims (PVCs of sessions that have ended), and
 * deleting one. Which claims those are and when one may go is the domain's (../session/workspaces.ts);
 * here: who may ask, and the answers. Any other user's claim does not exist as far as the caller can
 * tell (404).
 */
import type * as k8s from '@kubernetes/client-node';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import type express from 'express';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import { SESSION_ID_LABEL } from '../k8s/labels.js';
import { toIsoTime } from '../k8s/pod-status.js';
import { SessionWorkspaces, WorkspaceInUse } from '../session/workspaces.js';
import { sessionLiveness } from '../temporal/liveness.js';
import { Permission, isAdmin, requirePermission, type Principal } from './auth.js';
import { ApiError, methodNotAllowed, parseOr400 } from './errors.js';
import { ErrorSchema } from './schemas.js';

export const WorkspaceSchema = z
  .object({
    name: z.string().openapi({ description: 'The claim name (reuse it as config.pvc_name)' }),
    session_id: z.string().nullable().openapi({ description: 'The session that created the claim' }),
    size: z.string().nullable().openapi({ example: '10Gi' }),
    created_at: z.string().nullable(),
  })
  .openapi('Workspace');
export type Workspace = z.infer<typeof WorkspaceSchema>;

export const WorkspaceListSchema = z.object({ workspaces: z.array(WorkspaceSchema) }).openapi('WorkspaceList');

export const ListWorkspacesQuerySchema = z.strictObject({
  user: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9._@+-]+$/, 'must be a user name')
    .optional()
    .openapi({ description: "Admins only: that user's workspaces (default: the caller's)" }),
});

export const WorkspaceNameParamsSchema = z.strictObject({
  name: z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a claim name')
    .openapi({ param: { name: 'name', in: 'path' }, example: 'session-alice-a1b2c3d4e5f6-pvc' }),
});

export interface WorkspaceDeps {
  config: Config;
  client: Client;
  kube: KubeClients;
  auth: RequestHandler;
}

function toWorkspace(claim: k8s.V1PersistentVolumeClaim): Workspace {
  return {
    name: claim.metadata?.name ?? '',
    session_id: claim.metadata?.labels?.[SESSION_ID_LABEL] ?? null,
    size: claim.status?.capacity?.storage ?? claim.spec?.resources?.requests?.storage ?? null,
    created_at: toIsoTime(claim.metadata?.creationTimestamp) ?? null,
  };
}

/** Who may see which workspace, and the answers: the rules themselves are ../session/workspaces.ts. */
export class WorkspaceService {
  private readonly workspaces: SessionWorkspaces;

  constructor(deps: Omit<WorkspaceDeps, 'auth'>) {
    this.workspaces = new SessionWorkspaces(deps.kube.core, deps.config.sessionNamespace, (ids) =>
      sessionLiveness(deps.client, ids),
    );
  }

  /** Claims of `user` whose session has ended (retained), oldest first. */
  async list(principal: Principal, user: string | undefined): Promise<Workspace[]> {
    if (user && user !== principal.user && !isAdmin(principal)) {
      throw new ApiError(403, 'FORBIDDEN', "only admins may list another user's workspaces");
    }
    const claims = await this.workspaces.retained(user ?? principal.user);
    return claims
      .map(toWorkspace)
      .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.name.localeCompare(b.name));
  }

  /** Deletes the caller's claim; 404 when it is not theirs, 409 while a session runs on it or a pod mounts it. */
  async delete(principal: Principal, name: string): Promise<k8s.V1PersistentVolumeClaim> {
    const claim = await this.workspaces.find(name, isAdmin(principal) ? undefined : principal.user);
    if (!claim) throw ApiError.notFound(`workspace ${name} not found`);
    try {
      await this.workspaces.delete(claim);
    } catch (err) {
      if (!(err instanceof WorkspaceInUse)) throw err;
      throw new ApiError(409, 'WORKSPACE_IN_USE', err.message, err.sessionId ? { session_id: err.sessionId } : {});
    }
    return claim;
  }
}

/** Mounts the workspace routes; call before the app's not-found handler. */
export function mountWorkspaceRoutes(app: express.Express, deps: WorkspaceDeps): void {
  const service = new WorkspaceService(deps);
  app
    .route('/api/v1/workspaces')
    .get(deps.auth, async (req, res) => {
      const principal = requirePermission(req, Permission.Read);
      const query = parseOr400(ListWorkspacesQuerySchema, req.query, 'query');
      res.json({ workspaces: await service.list(principal, query.user) });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  app
    .route('/api/v1/workspaces/:name')
    .delete(deps.auth, async (req, res) => {
      const principal = requirePermission(req, Permission.Delete);
      const { name } = parseOr400(WorkspaceNameParamsSchema, req.params, 'path');
      const claim = await service.delete(principal, name);
      req.log.info(
        {
          audit: true,
          action: 'workspace.delete',
          user: principal.user,
          workspace: name,
          sessionId: claim.metadata?.labels?.[SESSION_ID_LABEL],
        },
        'workspace deleted',
      );
      res.status(204).end();
    })
    .all(methodNotAllowed(['DELETE']));
}

/** The workspace paths of `/openapi.json`. */
export function registerWorkspacePaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
  const common = {
    400: error('VALIDATION_ERROR: the request is malformed'),
    401: error('UNAUTHORIZED: missing or unknown API key'),
    403: error('FORBIDDEN: the API key lacks the permission'),
  };
  registry.registerPath({
    method: 'get',
    path: '/api/v1/workspaces',
    summary: "List the caller's retained workspaces (claims of ended sessions)",
    security,
    request: { query: ListWorkspacesQuerySchema },
    responses: {
      200: { description: 'The workspaces', content: { 'application/json': { schema: WorkspaceListSchema } } },
      ...common,
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/workspaces/{name}',
    summary: 'Delete a retained workspace',
    security,
    request: { params: WorkspaceNameParamsSchema },
    responses: {
      204: { description: 'Deleted' },
      ...common,
      404: error("NOT_FOUND: no such workspace, or another user's"),
      409: error('WORKSPACE_IN_USE: a running session uses the claim'),
    },
  });
}
