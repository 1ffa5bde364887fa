/**
 * What a request log line says about a request and its response. Headers are logged from an allow-list,
 * not a deny-list: credentials come in many headers (Authorization, X-API-Key, Cookie, a front proxy's
 * identity headers, whatever an agent sets), and one forgotten name would write a key into every log.
 * Query strings are logged by name only, except for the API's own harmless parameters: a proxied
 * request's query belongs to the agent and may carry its tokens.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const REQUEST_HEADERS = new Set([
  'accept',
  'content-length',
  'content-type',
  'host',
  'last-event-id',
  'origin',
  'traceparent',
  'user-agent',
  'x-namespace',
  'x-request-id',
]);
const RESPONSE_HEADERS = new Set([
  'content-length',
  'content-type',
  'location',
  'retry-after',
  'www-authenticate',
  'x-request-id',
]);
/** The API's own query parameters, whose values say nothing secret (a user name at most). */
const API_QUERY_PARAMS = new Set([
  'container',
  'delete_pvc',
  'follow',
  'page_size',
  'status',
  'tail',
  'timestamps',
  'user',
  'wait',
]);
const PROXIED = /^\/api\/v1\/sessions\/[^/?#]+\/proxy(\/|$|\?)/;

function pick(
  headers: IncomingHttpHeaders | OutgoingHttpHeaders | undefined,
  allowed: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (allowed.has(name.toLowerCase())) out[name.toLowerCase()] = value;
  }
  return out;
}

/** The URL as logged: the path, and the query with every value not known to be harmless replaced. */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const path = url.slice(0, at);
  const proxied = PROXIED.test(url);
  const params = url
    .slice(at + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      if (eq < 0) return name;
      return !proxied && API_QUERY_PARAMS.has(name) ? pair : `${name}=[redacted]`;
    });
  return params.length > 0 ? `${path}?${params.join('&')}` : path;
}

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: IncomingHttpHeaders;
  remoteAddress?: string;
}

interface SerializedResponse {
  statusCode?: number;
  headers?: OutgoingHttpHeaders;
}

/** pino-http serializers (they receive pino-std-serializers' objects). */
export const requestLogSerializers = {
  req(req: SerializedRequest) {
    return {
      id: req.id,
      method: req.method,
      url: loggableUrl(req.url ?? ''),
      headers: pick(req.headers, REQUEST_HEADERS),
      remoteAddress: req.remoteAddress,
    };
  },
  res(res: SerializedResponse) {
    return { statusCode: res.statusCode, headers: pick(res.headers, RESPONSE_HEADERS) };
  },
};
