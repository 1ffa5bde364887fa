/**
 * `POST /api/v1/sessions/{id}/suspend` and `/resume`. Both need session:update and the session's owner
 * (another user's session is a 404). 200 with the session once it got there; 202 with the session as it
 * is when the bounded wait ran out first (the change goes on; follow it with GET or the events stream).
 */
import type express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import { Permission, requirePermission } from './auth.js';
import { methodNotAllowed, parseOr400 } from './errors.js';
import { SessionIdParamsSchema } from './schemas.js';
import type { SessionSuspender } from './suspension.js';

export function mountSuspendRoutes(
  app: express.Express,
  deps: { suspender: SessionSuspender; auth: RequestHandler; json: RequestHandler },
): void {
  for (const action of ['suspend', 'resume'] as const) {
    app
      .route(`/api/v1/sessions/:id/${action}`)
      .post(deps.auth, deps.json, async (req: Request, res: Response) => {
        const principal = requirePermission(req, Permission.Update);
        const { id } = parseOr400(SessionIdParamsSchema, req.params, 'path');
        const answer = await deps.suspender[action](principal, id);
        req.log.info({ session_id: id, status: answer.session.status }, `session ${action}`);
        res.status(answer.done ? 200 : 202).json(answer.session);
      })
      .all(methodNotAllowed(['POST']));
  }
}
