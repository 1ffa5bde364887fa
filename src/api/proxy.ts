/**
 * The reverse proxy `/api/v1/sessions/{id}/proxy/*` → the session's agent (its Service on :9000): plain
 * HTTP, streamed responses (SSE) and WebSocket upgrades, through http-proxy-3. The API key that got the
 * caller in, its cookies and a front proxy's identity headers are removed before anything is forwarded,
 * hop-by-hop headers stop at this hop, and the agent's answer loses its cookies and proxy directives and
 * gains a sandbox policy. Each proxied request and tunnel holds a slot (./concurrency.ts) and closes when
 * its key is revoked (./stream-guard.ts).
 *
 * Express never sees an HTTP upgrade, so {@link attachUpgrades} hands upgrade requests to the same
 * Express app with a response bound to the raw socket: authentication, ownership checks and JSON errors
 * are the ordinary middleware's, and only a request that passes them reaches `proxy.ws`.
 */
import {
  ServerResponse,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import { Transform, type Duplex, type TransformCallback } from 'node:stream';
import type express from 'express';
import type { Request, Response } from 'express';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { SessionActivityRecorder } from './activity.js';
import type { LongRequestSlots } from './concurrency.js';
import type { StreamKeyGuard } from './stream-guard.js';
import { Permission, requirePermission } from './auth.js';
import { ApiError, parseOr400 } from './errors.js';
import { SessionIdParamsSchema } from './schemas.js';
import type { SessionTargets } from './session-target.js';

/** RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];
/** How the caller authenticated to this API; the agent never sees it, whatever the configured list says. */
const CALLER_CREDENTIALS = ['authorization', 'x-api-key', 'cookie'];
/**
 * Response headers the agent may not send to the caller: cookies (the agent shares the API's origin, so
 * its cookies would be the API's) and directives a front proxy obeys from its upstream (internal
 * redirects, file serving, buffering and caching instructions).
 */
const RESPONSE_DROPPED = [
  'set-cookie',
  'set-cookie2',
  'x-sendfile',
  'x-lighttpd-send-file',
  'x-accel-*',
  'x-litespeed-*',
];
/**
 * The agent's pages are served from the API's origin: sandboxed (no script access to that origin, its
 * cookies or storage) and never sniffed into another content type.
 */
const RESPONSE_ADDED = { 'content-security-policy': 'sandbox', 'x-content-type-options': 'nosniff' };
const PREFIX = /^\/api\/v1\/sessions\/[^/?#]+\/proxy/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The methods the proxy forwards (HEAD goes with GET). */
export const PROXY_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const upgrades = new WeakMap<IncomingMessage, { socket: Duplex; head: Buffer }>();
const handlers = new WeakMap<express.Express, true>();
const outgoing = new WeakMap<IncomingMessage, ClientRequest>();
const aborted = new WeakSet<IncomingMessage>();
const sessionOf = new WeakMap<IncomingMessage, string>();
/** The agent's side of each tunnel, ended with the caller's side. */
const upstreamSockets = new WeakMap<IncomingMessage, Duplex>();

/** The raw socket of an upgrade request that attachUpgrades routed through the app (else undefined). */
export function upgradeOf(req: IncomingMessage): { socket: Duplex; head: Buffer } | undefined {
  return upgrades.get(req);
}

export interface ProxyDeps {
  config: Pick<
    Config,
    'proxyTimeoutSeconds' | 'proxyConnectTimeoutSeconds' | 'proxyMaxBodyBytes' | 'proxyStripRequestHeaders'
  >;
  targets: SessionTargets;
  activity: SessionActivityRecorder;
  logger: Logger;
  slots: LongRequestSlots;
  streams: StreamKeyGuard;
}

/** Whether header `name` is on `list` (entries ending in `*` name a prefix). */
function listed(name: string, list: readonly string[]): boolean {
  return list.some((entry) => (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

/** Removes the headers of `list` (names or `prefix*`) from `headers`, in place. */
export function stripListed(headers: IncomingHttpHeaders, list: readonly string[]): void {
  for (const name of Object.keys(headers)) {
    if (listed(name.toLowerCase(), list)) delete headers[name];
  }
}

/** What the caller may see of the agent's response headers, with the sandbox headers added. */
export function guardResponseHeaders(headers: IncomingHttpHeaders): void {
  stripListed(headers, RESPONSE_DROPPED);
  const agentPolicy = headers['content-security-policy'];
  Object.assign(headers, RESPONSE_ADDED);
  // An agent's own policy still applies alongside the sandbox (a browser enforces both).
  if (agentPolicy)
    headers['content-security-policy'] = [agentPolicy, RESPONSE_ADDED['content-security-policy']] as never;
}

/** Removes hop-by-hop headers (and those the Connection header names) from `headers`, in place. */
export function stripHopByHop(headers: IncomingHttpHeaders, keep: readonly string[] = []): void {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const name of [...HOP_BY_HOP, ...named]) {
    if (!keep.includes(name)) delete headers[name];
  }
}

/** The path and query the agent sees: everything after `/proxy`, always starting with `/`. */
export function upstreamPath(originalUrl: string): string {
  const rest = originalUrl.replace(PREFIX, '');
  return rest.startsWith('/') ? rest : `/${rest}`;
}

export function mountProxyRoutes(app: express.Express, auth: express.RequestHandler, deps: ProxyDeps): void {
  const { config, targets, activity, slots, streams } = deps;
  const stripped = [...new Set([...CALLER_CREDENTIALS, ...config.proxyStripRequestHeaders])];
  const proxy = createProxyServer({
    xfwd: true,
    // The agent sees its own Service name as Host (agentapi checks allowed hosts); the caller's Host
    // travels in X-Forwarded-Host.
    changeOrigin: true,
    prependPath: true,
    proxyTimeout: config.proxyTimeoutSeconds * 1000,
    connectTimeout: config.proxyConnectTimeoutSeconds * 1000,
  });
  proxy.on('proxyReq', (proxyReq, req) => {
    if (aborted.has(req)) proxyReq.destroy();
    else outgoing.set(req, proxyReq);
  });
  const abortUpstream = (req: IncomingMessage) => {
    aborted.add(req);
    outgoing.get(req)?.destroy();
  };
  proxy.on('proxyRes', (proxyRes, req) => {
    // A long response (an SSE stream the agent keeps writing to) is activity for as long as it flows.
    const id = sessionOf.get(req);
    if (id) proxyRes.on('data', () => activity.touch(id));
    // Upgrade/Connection survive only on a 101, where they are the handshake itself.
    if (proxyRes.statusCode !== 101) stripHopByHop(proxyRes.headers);
    guardResponseHeaders(proxyRes.headers);
  });
  // A WebSocket handshake's answer is written to the socket by http-proxy-3 itself, not through proxyRes.
  proxy.on('proxyReqWs', (proxyReq, req) => {
    proxyReq.once('response', (upstreamRes: IncomingMessage) => guardResponseHeaders(upstreamRes.headers));
    proxyReq.once('upgrade', (upstreamRes: IncomingMessage, upstreamSocket: Duplex) => {
      guardResponseHeaders(upstreamRes.headers);
      upstreamSockets.set(req, upstreamSocket);
    });
  });
  handlers.set(app, true);

  const handle = async (req: Request, res: Response): Promise<void> => {
    const upgrade = upgrades.get(req);
    const permission = !upgrade && SAFE_METHODS.has(req.method) ? Permission.Read : Permission.Update;
    const principal = requirePermission(req, permission);
    const { id } = parseOr400(SessionIdParamsSchema, { id: req.params.id }, 'path');
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > config.proxyMaxBodyBytes) throw tooLarge(config.proxyMaxBodyBytes);
    // A tunnel outlives its ServerResponse (detached below): its slot lasts as long as the socket.
    const release = slots.acquire(upgrade ? 'tunnel' : 'proxy', principal.keyId);
    if (upgrade) upgrade.socket.once('close', release);
    else res.once('close', release);
    const target = await targets.upstream(principal, id);

    stripListed(req.headers, stripped);
    req.url = upstreamPath(req.originalUrl);
    sessionOf.set(req, id);
    activity.touch(id);

    if (upgrade) {
      stripHopByHop(req.headers, ['connection', 'upgrade']);
      // From here the socket belongs to the tunnel, not to an HTTP response.
      res.detachSocket(upgrade.socket as never);
      const unwatch = streams.watch(principal, permission, () => {
        req.log.info({ session_id: id }, 'tunnel closed: its API key is no longer valid');
        upgrade.socket.destroy();
      });
      upgrade.socket.once('close', () => {
        unwatch();
        upstreamSockets.get(req)?.destroy();
      });
      upgrade.socket.on('data', () => activity.touch(id));
      proxy.ws(req, upgrade.socket, upgrade.head, { target }, (err) => {
        req.log.warn({ err: describe(err), session_id: id }, 'websocket proxy failed');
        const status = statusOf(err);
        if (upgrade.socket.writable) {
          upgrade.socket.end(
            `HTTP/1.1 ${status.status} ${status.code}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
          );
        }
      });
      return;
    }

    stripHopByHop(req.headers);
    const unwatch = streams.watch(principal, permission, () => {
      req.log.info({ session_id: id }, 'proxied request closed: its API key is no longer valid');
      abortUpstream(req);
      res.destroy();
    });
    res.once('close', unwatch);
    const limit = new BodyLimit(config.proxyMaxBodyBytes);
    req.pipe(limit);
    await new Promise<void>((done, fail) => {
      let settled = false;
      const settle = (err?: ApiError) => {
        if (settled) return;
        settled = true;
        if (err) fail(err);
        else done();
      };
      res.once('close', () => settle());
      res.once('finish', () => activity.touch(id));
      limit.once('error', () => {
        // The agent must not act on a truncated body: cut the upstream request, answer 413 here.
        abortUpstream(req);
        if (!res.headersSent) settle(tooLarge(config.proxyMaxBodyBytes));
      });
      proxy.web(req, res, { target, buffer: limit }, (err) => {
        if (settled) return;
        if (res.headersSent) {
          // A stream cut midway (agent gone, idle timeout): the only honest signal left is closing it.
          req.log.warn({ err: describe(err), session_id: id }, 'proxied response interrupted');
          res.destroy();
          settle();
          return;
        }
        const mapped = statusOf(err);
        settle(new ApiError(mapped.status, mapped.code, mapped.message, { session_id: id }));
      });
    });
  };

  for (const path of ['/api/v1/sessions/:id/proxy', '/api/v1/sessions/:id/proxy/*path']) {
    const route = app.route(path);
    // Explicit methods (not app.all) so the OpenAPI test can see and match each one.
    for (const method of PROXY_METHODS) route[method](auth, handle);
  }
}

/**
 * Routes HTTP upgrade requests of `server` through `app` (see the module comment). Anything the app does
 * not turn into a tunnel gets its ordinary HTTP answer on the socket, which is then closed.
 */
export function attachUpgrades(server: Server, app: express.Express): { closeTunnels(): void } {
  // Upgraded sockets leave the HTTP server's bookkeeping (closeAllConnections does not see them), so a
  // shutdown has to end them itself or it waits for every open WebSocket.
  const open = new Set<Duplex>();
  if (!handlers.has(app)) return { closeTunnels: () => undefined };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    upgrades.set(req, { socket, head });
    const res = new ServerResponse(req);
    res.assignSocket(socket as never);
    res.once('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    app(req as Request, res as unknown as Response);
  });
  return {
    closeTunnels() {
      for (const socket of open) socket.destroy();
    },
  };
}

/** Passes a request body through, failing once it exceeds `max` bytes (for bodies without a length). */
class BodyLimit extends Transform {
  private seen = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) done(new Error(`request body above ${this.max} bytes`));
    else done(null, chunk);
  }
}

function tooLarge(max: number): ApiError {
  return new ApiError(
    413,
    'PAYLOAD_TOO_LARGE',
    `request body above ${max} bytes (AGENTAPI_K8S_SESSION_PROXY_MAX_BODY_BYTES)`,
  );
}

function statusOf(err: unknown): { status: number; code: string; message: string } {
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'ECONNECT_TIMEOUT') {
    return { status: 504, code: 'UPSTREAM_TIMEOUT', message: 'the session did not accept a connection in time' };
  }
  return {
    status: 502,
    code: 'UPSTREAM_UNAVAILABLE',
    message: `the session's agent could not be reached (${code ?? 'error'})`,
  };
}

function describe(err: unknown): { message: string; code?: string } {
  return { message: err instanceof Error ? err.message : String(err), code: (err as { code?: string })?.code };
}
