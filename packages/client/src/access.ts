/**
 * Reaching into a running session: its container logs (followed as lines), and its agent through the API's
 * reverse proxy (`/api/v1/sessions/{id}/proxy/...`), as a `fetch` and as a URL.
 */
import { SessionApiError } from './errors.js';
import { textLines } from './streams.js';
import type { Transport } from './transport.js';
import type { LogsQuery } from './types.js';

export interface LogsOptions extends LogsQuery {
  signal?: AbortSignal;
}

/**
 * The container's log, line by line. With `follow: true` new lines keep coming until the pod ends, the
 * consumer stops iterating or `signal` aborts (each of which closes the connection).
 */
export async function* logLines(transport: Transport, sessionId: string, options: LogsOptions = {}) {
  const { signal, ...query } = options;
  const {
    data: body,
    error,
    response,
  } = await transport.api.GET('/api/v1/sessions/{id}/logs', {
    params: { path: { id: sessionId }, query },
    parseAs: 'stream',
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw SessionApiError.fromAnswer(response, error);
  yield* textLines(body ?? null);
}

/** The URL of `path` on the session's agent, through the API's proxy. */
export function proxyUrl(transport: Transport, sessionId: string, path = '/'): string {
  const rest = path.startsWith('/') ? path : `/${path}`;
  return transport.url(`/api/v1/sessions/${encodeURIComponent(sessionId)}/proxy${rest}`);
}

/**
 * A request to the session's agent through the API's proxy, with the client's credentials (the proxy
 * strips them before forwarding). The answer is the agent's, whatever its status, as `fetch` returns it;
 * when the API itself refused or could not reach the agent, {@link apiErrorOf} says so.
 */
export function proxyFetch(
  transport: Transport,
  sessionId: string,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const rest = path.startsWith('/') ? path : `/${path}`;
  return transport.send(`/api/v1/sessions/${encodeURIComponent(sessionId)}/proxy${rest}`, init);
}

/**
 * The API's own error behind a proxied answer (SESSION_NOT_RUNNING, UPSTREAM_UNAVAILABLE, NOT_FOUND, ...),
 * or undefined when the answer is the agent's. Reads the body of an error answer.
 */
export async function apiErrorOf(response: Response): Promise<SessionApiError | undefined> {
  if (response.ok || !response.headers.get('content-type')?.includes('application/json')) return undefined;
  const error = await SessionApiError.fromResponse(response.clone());
  return error.code.startsWith('HTTP_') ? undefined : error;
}
