/**
 * Routes that reach into a running session: its logs, exec, and the reverse proxy to its agent. Mounted
 * by createApp with one call; every route checks the key's permission and the session's owner (another
 * user's session is a 404, as everywhere) before touching the cluster.
 */
import { pipeline } from 'node:stream/promises';
import type { Client } from '@temporalio/client';
import type express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import { ExecBodySchema, LogsQuerySchema } from './access-schemas.js';
import { ThrottledActivityRecorder, type SessionActivityRecorder } from './activity.js';
import { Permission, requirePermission, type Principal } from './auth.js';
import { ApiError, methodNotAllowed, parseOr400 } from './errors.js';
import { mountProxyRoutes } from './proxy.js';
import { SessionIdParamsSchema } from './schemas.js';
import { SessionIo, type PodRef } from './session-io.js';
import { SessionTargets } from './session-target.js';
import type { SessionService } from './sessions.js';
import type { ApiLimits } from './rate-limit.js';
import type { StreamKeyGuard } from './stream-guard.js';
import { mountSuspendRoutes } from './suspend-routes.js';
import { SessionSuspender } from './suspension.js';

/** Touches closer together than this are one activity as far as anything downstream is concerned. */
export const ACTIVITY_INTERVAL_MS = 30_000;

export interface AccessDeps {
  config: Config;
  client: Client;
  kube: KubeClients;
  sessions: SessionService;
  auth: RequestHandler;
  json: RequestHandler;
  logger: Logger;
  activity?: SessionActivityRecorder;
  shutdown?: AbortSignal;
  limits: Pick<ApiLimits, 'slots'>;
  streams: StreamKeyGuard;
}

export function mountAccessRoutes(app: express.Express, deps: AccessDeps): { activity: SessionActivityRecorder } {
  const { config, auth, json, limits, streams } = deps;
  const suspender = new SessionSuspender(deps.client, deps.sessions, config, deps.logger);
  // A proxied request to a suspended session wakes it, if its key may update the session (see SessionTargets).
  const targets = new SessionTargets(deps.sessions, config, Date.now, (principal, id) =>
    suspender.resume(principal, id),
  );
  const io = new SessionIo(deps.kube, config);
  const flushMs = suspender.activityInterval();
  const activity =
    deps.activity ??
    new ThrottledActivityRecorder({
      intervalMs: flushMs ?? ACTIVITY_INTERVAL_MS,
      // Only idle auto-suspend listens; without it the workflow is not bothered.
      ...(flushMs !== undefined ? { flush: (id: string, at: Date) => suspender.recordActivity(id, at) } : {}),
    });
  mountSuspendRoutes(app, { suspender, auth, json });

  const podOf = async (principal: Principal, id: string): Promise<PodRef> => {
    const session = await targets.running(principal, id);
    return { sessionId: id, namespace: config.sessionNamespace, pod: session.pod_name };
  };

  app
    .route('/api/v1/sessions/:id/logs')
    .get(auth, async (req: Request, res: Response) => {
      const principal = requirePermission(req, Permission.Read);
      const { id } = parseOr400(SessionIdParamsSchema, req.params, 'path');
      const query = parseOr400(LogsQuerySchema, req.query, 'query');
      if (query.follow) limits.slots.holdFor('logFollow', principal.keyId, res);
      const ref = await podOf(principal, id);
      const container = await io.container(ref, query.container);
      const stop = new AbortController();
      const onClose = () => stop.abort();
      res.on('close', onClose);
      deps.shutdown?.addEventListener('abort', onClose, { once: true });
      const unwatch = streams.watch(principal, Permission.Read, onClose);
      try {
        const stream = await io.logs(
          ref,
          container,
          {
            tail: Math.min(query.tail ?? config.logsMaxTail, config.logsMaxTail),
            follow: query.follow ?? false,
            timestamps: query.timestamps ?? false,
          },
          stop.signal,
        );
        res.status(200).set({
          'Content-Type': 'text/plain; charset=utf-8',
          'Cache-Control': 'no-cache, no-transform',
          'X-Accel-Buffering': 'no',
        });
        res.flushHeaders();
        await pipeline(stream, res).catch((err: unknown) => {
          // The client going away is how a follow normally ends.
          if (!stop.signal.aborted) req.log.warn({ err }, 'log stream ended by an error');
        });
      } finally {
        unwatch();
        res.off('close', onClose);
        deps.shutdown?.removeEventListener('abort', onClose);
      }
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  app
    .route('/api/v1/sessions/:id/exec')
    .post(auth, json, async (req: Request, res: Response) => {
      const principal = requirePermission(req, Permission.Update);
      const { id } = parseOr400(SessionIdParamsSchema, req.params, 'path');
      const body = parseOr400(ExecBodySchema, req.body, 'body');
      const timeout = body.timeout_seconds ?? config.execTimeoutSeconds;
      if (timeout > config.execTimeoutSeconds) {
        const message = `must be at most ${config.execTimeoutSeconds} (AGENTAPI_K8S_SESSION_EXEC_TIMEOUT)`;
        throw ApiError.validation('timeout_seconds is too large', [{ path: 'body.timeout_seconds', message }]);
      }
      limits.slots.holdFor('exec', principal.keyId, res);
      const ref = await podOf(principal, id);
      const container = await io.container(ref, body.container);
      req.log.info({ session_id: id, container, argv0: body.command[0] }, 'exec in session');
      res.json(await io.run(ref, container, body.command, timeout));
    })
    .all(methodNotAllowed(['POST']));

  mountProxyRoutes(app, auth, { config, targets, activity, logger: deps.logger, slots: limits.slots, streams });
  return { activity };
}
