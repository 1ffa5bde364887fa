/**
 * `/api/v1/workspaces`: the caller's retained workspace claims (PVCs of sessions that have ended), and
 * deleting one. A claim belongs to the user in its `user` label and `agentapi.io/user` annotation; any
 * other user's claim does not exist as far as the caller can tell (404).
 */
import type * as k8s from '@kubernetes/client-node';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import type express from 'express';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL, USER_ANNOTATION, USER_LABEL } from '../k8s/labels.js';
import { userLabelValue } from '../k8s/names.js';
import { toIsoTime } from '../k8s/pod-status.js';
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

function ownedBy(claim: k8s.V1PersistentVolumeClaim, user: string): boolean {
  const meta = claim.metadata ?? {};
  return (
    meta.labels?.[APP_LABEL] === SESSION_APP &&
    meta.labels?.[USER_LABEL] === userLabelValue(user) &&
    // The label is a sanitized form; the annotation, when present, is the exact user name.
    (meta.annotations?.[USER_ANNOTATION] === undefined || meta.annotations[USER_ANNOTATION] === user)
  );
}

function toWorkspace(claim: k8s.V1PersistentVolumeClaim): Workspace {
  return {
    name: claim.metadata?.name ?? '',
    session_id: claim.metadata?.labels?.[SESSION_ID_LABEL] ?? null,
    size: claim.status?.capacity?.storage ?? claim.spec?.resources?.requests?.storage ?? null,
    created_at: toIsoTime(claim.metadata?.creationTimestamp) ?? null,
  };
}

export class WorkspaceService {
  constructor(private readonly deps: Omit<WorkspaceDeps, 'auth'>) {}

  private get namespace(): string {
    return this.deps.config.sessionNamespace;
  }

  /** Claims of `user` whose session has ended (retained), oldest first. */
  async list(principal: Principal, user: string | undefined): Promise<Workspace[]> {
    if (user && user !== principal.user && !isAdmin(principal)) {
      throw new ApiError(403, 'FORBIDDEN', "only admins may list another user's workspaces");
    }
    const owner = user ?? principal.user;
    const claims = await this.deps.kube.core.listNamespacedPersistentVolumeClaim({
      namespace: this.namespace,
      labelSelector: `${APP_LABEL}=${SESSION_APP},${USER_LABEL}=${userLabelValue(owner)}`,
    });
    const mine = claims.items.filter((c) => ownedBy(c, owner) && !c.metadata?.deletionTimestamp);
    const live = await sessionLiveness(
      this.deps.client,
      mine.map((c) => c.metadata?.labels?.[SESSION_ID_LABEL] ?? '').filter(Boolean),
    );
    return mine
      .filter((c) => live.get(c.metadata?.labels?.[SESSION_ID_LABEL] ?? '')?.state !== 'running')
      .map(toWorkspace)
      .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.name.localeCompare(b.name));
  }

  /** Deletes the caller's claim; 404 when it is not theirs, 409 while a session runs on it or a pod mounts it. */
  async delete(principal: Principal, name: string): Promise<k8s.V1PersistentVolumeClaim> {
    const { core } = this.deps.kube;
    let claim: k8s.V1PersistentVolumeClaim;
    try {
      claim = await core.readNamespacedPersistentVolumeClaim({ name, namespace: this.namespace });
    } catch (err) {
      if ((err as { code?: number }).code === 404) throw ApiError.notFound(`workspace ${name} not found`);
      throw err;
    }
    const visible = isAdmin(principal)
      ? claim.metadata?.labels?.[APP_LABEL] === SESSION_APP
      : ownedBy(claim, principal.user);
    if (!visible || claim.metadata?.deletionTimestamp) {
      throw ApiError.notFound(`workspace ${name} not found`);
    }
    const sessionId = claim.metadata?.labels?.[SESSION_ID_LABEL];
    if (sessionId && (await sessionLiveness(this.deps.client, [sessionId])).get(sessionId)?.state === 'running') {
      throw new ApiError(409, 'WORKSPACE_IN_USE', `workspace ${name} belongs to running session ${sessionId}`, {
        session_id: sessionId,
      });
    }
    // A later session may have adopted the claim (config.pvc_name): its pod keeps the claim in use.
    const pods = await core.listNamespacedPod({ namespace: this.namespace });
    const user = pods.items.find(
      (pod) =>
        pod.status?.phase !== 'Succeeded' &&
        pod.status?.phase !== 'Failed' &&
        (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name),
    );
    if (user) {
      const using = user.metadata?.labels?.[SESSION_ID_LABEL];
      throw new ApiError(409, 'WORKSPACE_IN_USE', `workspace ${name} is mounted by pod ${user.metadata?.name}`, {
        ...(using ? { session_id: using } : {}),
      });
    }
    try {
      await core.deleteNamespacedPersistentVolumeClaim({
        name,
        namespace: this.namespace,
        body: { preconditions: { uid: claim.metadata?.uid } },
      });
    } catch (err) {
      // Gone (or replaced by a same-named claim) in between: as far as this caller goes, it is deleted.
      const code = (err as { code?: number }).code;
      if (code !== 404 && code !== 409) throw err;
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
