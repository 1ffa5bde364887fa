/**
 * `GET /api/v1/sessions/{id}/terminal`: an interactive shell in the session's agent container over a
 * WebSocket (docs/terminal.md). The upgrade request goes through the ordinary middleware (see
 * attachUpgrades in proxy.ts), so a missing key, a missing permission, another user's session or a session
 * that does not run get the same JSON errors as every other route; only then is the exec opened, and only
 * once the cluster has accepted it is the WebSocket handshake completed.
 *
 * Only the agent container is reachable: the sidecars hold what the agent must not have (credentials-sync
 * keeps a token), and a shell there would hand it out.
 */
import * as k8s from '@kubernetes/client-node';
import type express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import type { SessionActivityRecorder } from './activity.js';
import type { LongRequestSlots } from './concurrency.js';
import { Permission, requirePermission } from './auth.js';
import { ApiError, methodNotAllowed, parseOr400 } from './errors.js';
import { upgradeOf } from './proxy.js';
import { SessionIdParamsSchema } from './schemas.js';
import type { StreamKeyGuard } from './stream-guard.js';
import { AGENT_CONTAINER, SessionIo, type PodRef } from './session-io.js';
import { SessionTargets } from './session-target.js';
import type { SessionService } from './sessions.js';
import { openTerminal, type OpenedTerminal } from './terminal-bridge.js';
import { BEARER_PROTOCOL_PREFIX, TERMINAL_PROTOCOL, TerminalQuerySchema } from './terminal-schemas.js';

/** Largest frame a client may send: keystrokes and pastes, not file transfers. */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
const DEFAULT_SIZE = { cols: 80, rows: 24 };

export interface TerminalDeps {
  config: Config;
  kube: KubeClients;
  sessions: SessionService;
  auth: RequestHandler;
  activity: SessionActivityRecorder;
  logger: Logger;
  shutdown?: AbortSignal;
  /** The caps of long-lived requests: a terminal holds a WebSocket tunnel slot of its key while it is open. */
  slots: LongRequestSlots;
  /** Closes a terminal whose API key is revoked or loses `session:update`. */
  streams: StreamKeyGuard;
}

/**
 * A browser cannot set Authorization on a WebSocket; it offers `bearer.<key>` among its subprotocols
 * instead. That entry becomes the Authorization header (an explicit header wins) and is removed from the
 * offer, so it is never echoed back, logged, or mistaken for a protocol.
 */
export const bearerFromSubprotocol: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return next();
  const offered = header
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (!bearer) return next();
  const rest = offered.filter((p) => p !== bearer);
  if (rest.length > 0) req.headers['sec-websocket-protocol'] = rest.join(', ');
  else delete req.headers['sec-websocket-protocol'];
  if (!req.headers.authorization && !req.headers['x-api-key']) {
    req.headers.authorization = `Bearer ${bearer.slice(BEARER_PROTOCOL_PREFIX.length)}`;
  }
  next();
};

export function mountTerminalRoutes(app: express.Express, deps: TerminalDeps): void {
  const { config } = deps;
  // No waker: opening a shell is not a reason to resume a suspended session behind the user's back.
  const targets = new SessionTargets(deps.sessions, config);
  const io = new SessionIo(deps.kube, config);
  const exec = new k8s.Exec(deps.kube.kc);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    perMessageDeflate: false,
    // A client that offers protocols must offer ours; one that offers none gets none back.
    handleProtocols: (protocols) => (protocols.has(TERMINAL_PROTOCOL) ? TERMINAL_PROTOCOL : false),
  });
  const limits = {
    idleTimeoutMs: config.terminalIdleTimeoutMs,
    maxDurationMs: config.terminalMaxDurationMs,
    outputBytesPerSecond: config.terminalOutputBytesPerSecond,
    outputBufferBytes: config.terminalOutputBufferBytes,
  };

  const handle = async (req: Request, res: Response): Promise<void> => {
    const principal = requirePermission(req, Permission.Update);
    const { id } = parseOr400(SessionIdParamsSchema, req.params, 'path');
    const query = parseOr400(TerminalQuerySchema, req.query, 'query');
    if (query.container !== undefined && query.container !== AGENT_CONTAINER) {
      throw ApiError.validation('the terminal reaches the agent container only', [
        { path: 'query.container', message: `must be ${AGENT_CONTAINER}: sidecars hold credentials` },
      ]);
    }
    const session = await targets.running(principal, id);
    const ref: PodRef = { sessionId: id, namespace: config.sessionNamespace, pod: session.pod_name };
    const container = await io.container(ref, AGENT_CONTAINER);
    const upgrade = upgradeOf(req);
    if (!upgrade || req.get('upgrade')?.toLowerCase() !== 'websocket') {
      // Everything but the handshake checked out: a plain GET learns whether a terminal would open.
      throw new ApiError(
        426,
        'UPGRADE_REQUIRED',
        'this route is a WebSocket: send Upgrade: websocket',
        {},
        {
          Upgrade: 'websocket',
        },
      );
    }
    const log = req.log.child({ session_id: id });
    // Held from before the exec opens until the socket closes, so a runaway key cannot pile up shells.
    const release = deps.slots.acquire('tunnel', principal.keyId);
    let terminal: OpenedTerminal;
    try {
      terminal = await openTerminal({
        exec,
        ref,
        container,
        size: { cols: query.cols ?? DEFAULT_SIZE.cols, rows: query.rows ?? DEFAULT_SIZE.rows },
        limits,
        log,
        onActivity: () => deps.activity.touch(id),
        ...(deps.shutdown ? { shutdown: deps.shutdown } : {}),
      });
    } catch (err) {
      release();
      throw execError(id, err);
    }
    const { socket, head } = upgrade;
    socket.once('close', release);
    if (!socket.writable) {
      terminal.abort();
      release();
      return;
    }
    const unwatch = deps.streams.watch(principal, Permission.Update, () => {
      log.info('terminal closed: its API key is no longer valid');
      socket.destroy();
    });
    socket.once('close', unwatch);
    // From here the socket belongs to the WebSocket, not to an HTTP response.
    res.detachSocket(socket as never);
    const gone = () => terminal.abort();
    socket.once('close', gone);
    log.info({ container }, 'terminal opened');
    deps.activity.touch(id);
    wss.handleUpgrade(req, socket, head, (client) => {
      socket.off('close', gone);
      terminal.attach(client);
    });
  };

  app
    .route('/api/v1/sessions/:id/terminal')
    .get(bearerFromSubprotocol, deps.auth, handle)
    .all(methodNotAllowed(['GET', 'HEAD']));
}

/** What the cluster's refusal to open the exec means to the caller. */
function execError(id: string, err: unknown): ApiError {
  const code = err instanceof k8s.ApiException ? err.code : undefined;
  const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
  if (code === 404) {
    return new ApiError(409, 'SESSION_NOT_RUNNING', `session ${id} has no pod right now`, { session_id: id });
  }
  if (code === 400) {
    return new ApiError(409, 'CONTAINER_NOT_RUNNING', `terminal unavailable: ${detail}`, { session_id: id });
  }
  return new ApiError(502, 'KUBERNETES_UNAVAILABLE', `terminal failed: ${detail}`, { session_id: id });
}
