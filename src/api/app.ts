/**
 * The Express application: routes, auth, validation, errors, request ids and logs. It is built from
 * its dependencies (no globals), so tests wire it to the real Temporal server and cluster with supertest.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config.js';
import { activeTelemetry } from '../telemetry.js';
import { httpTracing } from '../telemetry-http.js';
import type { KubeClients } from '../k8s/client.js';
import { mountAccessRoutes } from './access-routes.js';
import type { SessionActivityRecorder } from './activity.js';
import { ApiKeyStore, Permission, authenticate, requirePermission, type Principal } from './auth.js';
import { ApiError, errorHandler, methodNotAllowed, notFoundHandler, parseOr400 } from './errors.js';
import { mountCodecRoutes } from './codec-routes.js';
import { mountHealthRoutes } from './health-routes.js';
import { createApiMetrics, requestTimer, type ApiMetrics } from './metrics.js';
import { authenticateAndLimit, createApiLimits } from './rate-limit.js';
import { registerSessionGauges } from './session-gauges.js';
import { requestLogSerializers } from './request-log.js';
import { StreamKeyGuard } from './stream-guard.js';
import { buildOpenApiDocument } from './openapi.js';
import { createWarmPoolMetrics } from '../metrics/warm-pool.js';
import {
  CreateSessionBodySchema,
  CreateSessionQuerySchema,
  DeleteSessionQuerySchema,
  ExtendSessionBodySchema,
  ListSessionsQuerySchema,
  SessionIdParamsSchema,
} from './schemas.js';
import { SessionService } from './sessions.js';
import { mountTerminalRoutes } from './terminal-routes.js';
import { registerEventHubMetrics } from './event-hub-metrics.js';
import { mountWorkspaceRoutes } from './workspaces.js';
import type { LedgerVersions } from '../k8s/ledger-versions.js';

export interface AppOptions {
  config: Config;
  client: Client;
  kube: KubeClients;
  keys: ApiKeyStore;
  logger: Logger;
  metrics?: ApiMetrics;
  /** Where proxied traffic is reported (default: an in-process throttled recorder). */
  activity?: SessionActivityRecorder;
  /** Aborted on shutdown: open event streams end so the server can close. */
  shutdown?: AbortSignal;
  /** Aborted when draining starts: `/ready` turns 503 so balancers stop sending new requests. */
  draining?: AbortSignal;
  /** The quota ledgers' newest versions, kept by the API's ledger watch (default: only this app's writes). */
  ledgerVersions?: LedgerVersions;
}

/** Largest accepted JSON body: a session request is a few KiB even with a big MCP configuration. */
export const MAX_BODY_BYTES = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Secrets that may appear in request logs are replaced, wherever a serializer puts them. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  // The terminal's browser form carries the API key as a WebSocket subprotocol.
  'req.headers["sec-websocket-protocol"]',
  '*.github_token',
  '*.mcp_servers',
  '*.githubToken',
  '*.mcpServersJson',
  '*.secrets',
  '*.secret_env',
];

export function createApp(options: AppOptions): express.Express {
  const { config, client, kube, keys, logger } = options;
  const metrics = options.metrics ?? createApiMetrics();
  registerSessionGauges(metrics, client);
  createWarmPoolMetrics({ registry: metrics.registry, core: kube.core, namespace: config.sessionNamespace });
  const sessions = new SessionService({
    client,
    kube,
    config,
    metrics,
    logger,
    ...(options.ledgerVersions ? { ledgerVersions: options.ledgerVersions } : {}),
  });
  registerEventHubMetrics(metrics, sessions.eventHub);
  const openapi = buildOpenApiDocument();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Who the client is (per-address limits) and whether it used https (the codec cookie's Secure).
  app.set('trust proxy', config.apiTrustProxy);

  app.use(
    pinoHttp({
      logger,
      serializers: requestLogSerializers,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      // Health probes every few seconds would drown the log.
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/ready' },
    }),
  );
  if (activeTelemetry()) app.use(httpTracing());
  app.use(requestTimer(metrics));
  const limits = createApiLimits(config);
  const auth = authenticateAndLimit(authenticate(keys), limits);
  const json = express.json({ limit: MAX_BODY_BYTES, strict: true, type: () => true });
  const streams = new StreamKeyGuard(keys, config.apiStreamKeyRecheckSeconds * 1000);

  mountHealthRoutes(app, {
    config,
    client,
    kube,
    logger,
    perIp: limits.perIp,
    ...(options.draining ? { draining: options.draining } : {}),
  });
  route(app, '/metrics', {
    get: [
      config.apiMetricsAuth ? auth : limits.perIp,
      async (_req, res) => {
        res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      },
    ],
  });
  route(app, '/openapi.json', {
    get: [
      auth,
      (_req, res) => {
        res.json(openapi);
      },
    ],
  });

  route(app, '/api/v1/sessions', {
    post: [
      auth,
      limits.perUserCreate,
      json,
      async (req, res) => {
        const principal = requirePermission(req, Permission.Create);
        const query = parseOr400(CreateSessionQuerySchema, req.query, 'query');
        const body = parseOr400(CreateSessionBodySchema, req.body, 'body');
        const { created, session } = await sessions.create(principal, body, query.wait ?? true);
        res
          .status(created ? 201 : 202)
          .location(`/api/v1/sessions/${session.session_id}`)
          .json(session);
      },
    ],
    get: [
      auth,
      async (req, res) => {
        const principal = requirePermission(req, Permission.Read);
        const query = parseOr400(ListSessionsQuerySchema, req.query, 'query');
        res.json(
          await sessions.list(principal, {
            pageSize: query.page_size,
            ...(query.status ? { status: query.status } : {}),
            ...(query.user ? { user: query.user } : {}),
            ...(query.page_token ? { pageToken: query.page_token } : {}),
          }),
        );
      },
    ],
  });
  route(app, '/api/v1/sessions/:id', {
    get: [
      auth,
      onSession(Permission.Read, async ({ principal, id }, req, res) => {
        noQuery(req);
        res.json(await sessions.get(principal, id));
      }),
    ],
    delete: [
      auth,
      onSession(Permission.Delete, async ({ principal, id }, req, res) => {
        const query = parseOr400(DeleteSessionQuerySchema, req.query, 'query');
        const { done, session } = await sessions.terminate(principal, id, {
          wait: query.wait ?? false,
          ...(query.delete_pvc !== undefined ? { deletePvc: query.delete_pvc } : {}),
        });
        res.status(done ? 200 : 202).json(session);
      }),
    ],
  });
  route(app, '/api/v1/sessions/:id/extend', {
    post: [
      auth,
      json,
      onSession(Permission.Update, async ({ principal, id }, req, res) => {
        const body = parseOr400(ExtendSessionBodySchema, req.body, 'body');
        noQuery(req);
        res.json(await sessions.extend(principal, id, body.minutes));
      }),
    ],
  });
  route(app, '/api/v1/sessions/:id/events', {
    get: [
      auth,
      limits.eventStream,
      onSession(Permission.Read, async ({ principal, id }, req, res) => {
        noQuery(req);
        const lastEventId = Number(req.get('last-event-id') ?? 0);
        const afterSeq = Number.isFinite(lastEventId) ? lastEventId : 0;
        await streamEvents(req, res, sessions, principal, id, afterSeq, {
          keepAliveMs: config.sseKeepAliveSeconds * 1000,
          shutdown: options.shutdown,
          streams,
        });
      }),
    ],
  });

  mountWorkspaceRoutes(app, { config, client, kube, auth });
  const { activity } = mountAccessRoutes(app, {
    config,
    client,
    kube,
    sessions,
    auth,
    json,
    logger,
    activity: options.activity,
    shutdown: options.shutdown,
    limits,
    streams,
  });
  mountTerminalRoutes(app, {
    config,
    kube,
    sessions,
    auth,
    activity,
    logger,
    shutdown: options.shutdown,
    slots: limits.slots,
    streams,
  });
  mountCodecRoutes(app, { config, keys, auth, limits });

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

type Handler = (req: Request, res: Response, next: NextFunction) => unknown;
type Method = 'get' | 'post' | 'delete';

/** Registers a path's methods; any other method gets 405 with an Allow header. */
function route(app: express.Express, path: string, methods: Partial<Record<Method, Handler[]>>): void {
  const r = app.route(path);
  for (const [method, handlers] of Object.entries(methods) as [Method, Handler[]][]) {
    // Express 5 forwards a rejected promise to the error handler, so handlers may be async.
    r[method](...(handlers as RequestHandler[]));
  }
  const allowed = Object.keys(methods).map((m) => m.toUpperCase());
  if (allowed.includes('GET')) allowed.push('HEAD');
  r.all(methodNotAllowed(allowed));
}

/** A handler of `/api/v1/sessions/:id…`: checks the permission and the id before `handle` runs. */
function onSession(
  permission: Permission,
  handle: (target: { principal: Principal; id: string }, req: Request, res: Response) => Promise<void>,
): Handler {
  return async (req, res) => {
    const principal = requirePermission(req, permission);
    const { id } = parseOr400(SessionIdParamsSchema, req.params, 'path');
    await handle({ principal, id }, req, res);
  };
}

/** Routes without query parameters refuse them, so a typo is not silently ignored. */
function noQuery(req: Request): void {
  const keys = Object.keys(req.query as object);
  if (keys.length > 0) {
    throw ApiError.validation(
      'this endpoint takes no query parameters',
      keys.map((k) => ({ path: `query.${k}`, message: 'unknown parameter' })),
    );
  }
}

async function streamEvents(
  req: Request,
  res: Response,
  sessions: SessionService,
  principal: Principal,
  id: string,
  afterSeq: number,
  {
    keepAliveMs,
    shutdown,
    streams,
  }: { keepAliveMs: number; shutdown: AbortSignal | undefined; streams: StreamKeyGuard },
): Promise<void> {
  const stop = new AbortController();
  const onClose = () => stop.abort();
  req.on('close', onClose);
  shutdown?.addEventListener('abort', onClose, { once: true });
  let revoked = false;
  const unwatch = streams.watch(principal, Permission.Read, () => {
    revoked = true;
    stop.abort();
  });
  // Authorization and existence are checked before the stream starts, so they still get a JSON error.
  const stream = sessions.events(principal, id, afterSeq, stop.signal);
  let first: Awaited<ReturnType<typeof stream.next>>;
  try {
    first = await stream.next();
  } catch (err) {
    unwatch();
    throw err;
  }
  res.status(200).set({
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write('retry: 2000\n\n');
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
  try {
    for (let item = first; !item.done; item = await stream.next()) {
      const { state, event } = item.value;
      if (event) {
        // The step itself, not the session's current status, which would mislabel a replayed backlog.
        res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({ session_id: id, ...event })}\n\n`);
      } else {
        res.write(`event: status\ndata: ${JSON.stringify({ session_id: id, status: state.status })}\n\n`);
      }
    }
    if (revoked) {
      res.write(
        `event: error\ndata: ${JSON.stringify({ message: 'the API key of this stream is no longer valid' })}\n\n`,
      );
    } else {
      res.write(`event: end\ndata: ${JSON.stringify({ session_id: id })}\n\n`);
    }
  } catch (err) {
    req.log.warn({ err }, 'event stream ended by an error');
    res.write(
      `event: error\ndata: ${JSON.stringify({ message: 'event stream interrupted; reconnect with Last-Event-ID' })}\n\n`,
    );
  } finally {
    unwatch();
    clearInterval(keepAlive);
    req.off('close', onClose);
    shutdown?.removeEventListener('abort', onClose);
    res.end();
  }
}
