/**
 * Hardening of the HTTP API: where client addresses come from (trust proxy), the codec sign-in token,
 * the per-address limit of unauthenticated requests, the concurrency caps of long-lived requests (exec,
 * log follow, proxied requests, WebSocket tunnels), how often open streams re-check their API key, and
 * which caller headers the session proxy never forwards.
 */
import { z } from 'zod';
import { S, duration, int, list, optionalString, seconds, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

/**
 * Express's `trust proxy`: `false` (the socket's peer is the client), a hop count, or comma-separated
 * addresses/CIDRs/names (`loopback`, `uniquelocal`) of the proxies whose X-Forwarded-* are believed.
 */
const trustProxy = z
  .string()
  .default('false')
  .transform((v): boolean | number | string[] => {
    const text = v.trim();
    if (text === 'false' || text === '0') return false;
    if (/^\d+$/.test(text)) return Number(text);
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  })
  .refine((v) => v !== true, 'must be false, a hop count, or proxy addresses');

/** Headers a front proxy sets to say who the caller is; a session's agent must not be told (or fooled). */
export const DEFAULT_PROXY_STRIP_HEADERS = [
  'authorization',
  'cookie',
  'x-api-key',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-preferred-username',
  'x-forwarded-groups',
  'x-forwarded-access-token',
  'x-auth-request-*',
  'x-remote-user',
  'x-remote-group',
  'remote-user',
];

const schema = {
  [doc(
    'API_TRUST_PROXY',
    'false',
    'Proxies whose X-Forwarded-For/-Proto are believed (Express trust proxy): false, a hop count, or addresses/CIDRs',
  )]: trustProxy,
  [doc(
    'API_CODEC_TOKEN_SECRET',
    '(derived from the codec keys)',
    'Secret (32+ characters) that signs /codec/login sign-in tokens; replicas must share it',
  )]: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  [doc('API_CODEC_TOKEN_TTL', '1h', 'Lifetime of a /codec/login sign-in token (and its cookie)')]: duration('1h'),
  [doc(
    'API_IP_RATE_LIMIT_RPS',
    '10',
    'Unauthenticated requests (health, readiness, codec sign-in, refused keys) per second per client address; 0 disables',
  )]: int(10, 0),
  [doc('API_IP_RATE_LIMIT_BURST', '100', 'Token bucket size per client address')]: int(100),
  [doc('API_MAX_EXECS_PER_KEY', '4', 'Concurrent exec requests per API key; 0 disables')]: int(4, 0),
  [doc(
    'API_MAX_EXECS',
    '16',
    'Concurrent exec requests in one API process; with EXEC_MAX_OUTPUT_BYTES it must fit the exec memory budget (32 MiB)',
  )]: int(16, 1),
  [doc('API_MAX_LOG_FOLLOWS_PER_KEY', '5', 'Concurrent log streams (follow=true) per API key; 0 disables')]: int(5, 0),
  [doc('API_MAX_LOG_FOLLOWS', '200', 'Concurrent log streams (follow=true) in one API process; 0 disables')]: int(
    200,
    0,
  ),
  [doc(
    'API_MAX_PROXY_REQUESTS_PER_KEY',
    '32',
    'Concurrent proxied HTTP requests (SSE included) per API key; 0 disables',
  )]: int(32, 0),
  [doc('API_MAX_PROXY_REQUESTS', '512', 'Concurrent proxied HTTP requests in one API process; 0 disables')]: int(
    512,
    0,
  ),
  [doc(
    'API_MAX_TUNNELS_PER_KEY',
    '8',
    'Concurrent WebSocket tunnels (proxied, and terminals) per API key; 0 disables',
  )]: int(8, 0),
  [doc(
    'API_MAX_TUNNELS',
    '256',
    'Concurrent WebSocket tunnels (proxied, and terminals) in one API process; 0 disables',
  )]: int(256, 0),
  [doc('API_MAX_EVENT_STREAMS', '500', 'Concurrent SSE event streams in one API process; 0 disables')]: int(500, 0),
  [doc(
    'API_STREAM_KEY_RECHECK',
    '10s',
    'How often open streams (events, log follow, proxied requests, tunnels) re-check their API key; a revoked key closes them',
  )]: seconds(10).pipe(z.number().int().min(1, 'must be at least 1 second')),
  [doc(
    `${S}PROXY_STRIP_HEADERS`,
    '(see docs/security.md)',
    'Request headers the session proxy never forwards (`prefix*` for a family); key headers and Cookie never pass',
  )]: list(DEFAULT_PROXY_STRIP_HEADERS.join(',')),
};

function read(e: ParsedEnv) {
  return {
    apiTrustProxy: e.API_TRUST_PROXY as false | number | string[],
    codecTokenSecret: e.API_CODEC_TOKEN_SECRET as string | undefined,
    codecTokenTtlMs: e.API_CODEC_TOKEN_TTL as number,
    apiIpRateLimitRps: e.API_IP_RATE_LIMIT_RPS as number,
    apiIpRateLimitBurst: e.API_IP_RATE_LIMIT_BURST as number,
    apiMaxExecsPerKey: e.API_MAX_EXECS_PER_KEY as number,
    apiMaxExecs: e.API_MAX_EXECS as number,
    apiMaxLogFollowsPerKey: e.API_MAX_LOG_FOLLOWS_PER_KEY as number,
    apiMaxLogFollows: e.API_MAX_LOG_FOLLOWS as number,
    apiMaxProxyRequestsPerKey: e.API_MAX_PROXY_REQUESTS_PER_KEY as number,
    apiMaxProxyRequests: e.API_MAX_PROXY_REQUESTS as number,
    apiMaxTunnelsPerKey: e.API_MAX_TUNNELS_PER_KEY as number,
    apiMaxTunnels: e.API_MAX_TUNNELS as number,
    apiMaxEventStreams: e.API_MAX_EVENT_STREAMS as number,
    apiStreamKeyRecheckSeconds: e.API_STREAM_KEY_RECHECK as number,
    proxyStripRequestHeaders: (e[`${S}PROXY_STRIP_HEADERS`] as string[]).map((h) => h.toLowerCase()),
  };
}

export const httpApiEnv = { docs, schema, read };
