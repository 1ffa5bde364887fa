/**
 * Temporal's remote codec protocol for the Temporal Web UI and CLI: `POST /codec/decode` and
 * `POST /codec/encode` take and return `{"payloads":[…]}` (protobuf JSON, bytes as base64), so an
 * operator reads session inputs, results and failures in clear text — only with an admin key.
 *
 * The UI cannot send an API key header: it sends either an OIDC access token (`passAccessToken`, its
 * own login) or, with `includeCredentials`, the browser's cookies. So besides `Authorization: Bearer`
 * and `X-API-Key` (what `temporal --codec-endpoint … --codec-auth` sends), an admin may sign in once at
 * `GET /codec/login`, which stores the key in an HttpOnly cookie scoped to `/codec`. Browsers call from
 * the UI's origin, so CORS (with preflight) is answered for API_CODEC_CORS_ORIGINS only.
 */
import type { Payload } from '@temporalio/common';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import { AesGcmPayloadCodec, loadCodecKeys } from '../temporal/codec.js';
import { ApiKeyStore, Permission, authenticate, requirePermission } from './auth.js';
import { ApiError, methodNotAllowed, parseOr400 } from './errors.js';

export const CODEC_COOKIE = 'so_codec_key';
/** A decode request carries one event's payloads; Temporal caps a payload at 2 MiB. */
const MAX_CODEC_BODY = '8mb';
const COOKIE_MAX_AGE_SECONDS = 8 * 3600;

const Base64Schema = z.base64();
const PayloadJsonSchema = z.object({
  metadata: z.record(z.string(), Base64Schema).optional(),
  data: Base64Schema.optional(),
});
export const CodecBodySchema = z.object({ payloads: z.array(PayloadJsonSchema) });
export type CodecBody = z.infer<typeof CodecBodySchema>;

export interface CodecDeps {
  config: Pick<Config, 'codecKeys' | 'codecKeysFile' | 'temporalNamespace' | 'codecCorsOrigins'>;
  keys: ApiKeyStore;
}

export function mountCodecRoutes(app: express.Express, deps: CodecDeps): void {
  const codec = new AesGcmPayloadCodec(loadCodecKeys(deps.config));
  const cors = codecCors(deps.config.codecCorsOrigins);
  const auth = authenticate(deps.keys);
  const json = express.json({ limit: MAX_CODEC_BODY, strict: true, type: () => true });

  for (const direction of ['decode', 'encode'] as const) {
    app
      .route(`/codec/${direction}`)
      .options(cors)
      .post(cors, cookieKey, auth, json, async (req, res) => {
        requirePermission(req, Permission.Admin);
        const namespace = req.get('x-namespace');
        if (namespace && namespace !== deps.config.temporalNamespace) {
          throw ApiError.validation(`this codec serves namespace ${deps.config.temporalNamespace}`, [
            { path: 'header.X-Namespace', message: `not ${deps.config.temporalNamespace}` },
          ]);
        }
        const body = parseOr400(CodecBodySchema, req.body, 'body');
        const payloads = body.payloads.map(fromJson);
        let out: Payload[];
        try {
          out = direction === 'decode' ? await codec.decodeForDisplay(payloads) : await codec.encode(payloads);
        } catch (err) {
          // A payload of another key or a tampered one: the caller's input, not our failure.
          throw ApiError.validation(`cannot ${direction}: ${err instanceof Error ? err.message : String(err)}`, []);
        }
        res.set('Cache-Control', 'no-store').json({ payloads: out.map(toJson) });
      })
      .all(methodNotAllowed(['POST', 'OPTIONS']));
  }

  app
    .route('/codec/login')
    .get((_req, res) => {
      res.type('html').set('Cache-Control', 'no-store').send(LOGIN_PAGE);
    })
    .post(express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
      const { key } = parseOr400(z.object({ key: z.string().min(1).max(512) }), req.body, 'body');
      const principal = deps.keys.authenticate(key.trim());
      if (!principal || !principal.permissions.has(Permission.Admin)) {
        throw new ApiError(401, 'UNAUTHORIZED', 'not an admin API key');
      }
      // Secure cookies need https; on plain http (local use) the UI and API are same-site anyway.
      const attrs = req.secure ? 'SameSite=None; Secure' : 'SameSite=Strict';
      res
        .set(
          'Set-Cookie',
          `${CODEC_COOKIE}=${encodeURIComponent(key.trim())}; Path=/codec; HttpOnly; ${attrs}; Max-Age=${COOKIE_MAX_AGE_SECONDS}`,
        )
        .set('Cache-Control', 'no-store')
        .type('html')
        .send('<!doctype html><p>Signed in: the Temporal UI can now decode session payloads.</p>');
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'POST']));
}

/** CORS for the configured UI origins only; credentials are allowed so the sign-in cookie is sent. */
function codecCors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin && allowed.has(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization, X-API-Key',
        'Access-Control-Max-Age': '600',
      });
    }
    if (req.method === 'OPTIONS') {
      res.status(origin && allowed.has(origin) ? 204 : 403).end();
      return;
    }
    next();
  };
}

/** Uses the sign-in cookie as the API key when the request carries no key header. */
const cookieKey: RequestHandler = (req, _res, next) => {
  if (!req.get('authorization') && !req.get('x-api-key')) {
    const key = readCookie(req.get('cookie'), CODEC_COOKIE);
    if (key) req.headers['x-api-key'] = key;
  }
  next();
};

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function fromJson(p: CodecBody['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
    ),
    ...(p.data !== undefined ? { data: new Uint8Array(Buffer.from(p.data, 'base64')) } : {}),
  };
}

function toJson(p: Payload): CodecBody['payloads'][number] {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

const LOGIN_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Codec sign-in</title></head>
<body>
<h1>Decode session payloads in the Temporal UI</h1>
<p>Paste an admin API key. It is kept in an HttpOnly cookie for /codec only, for 8 hours.</p>
<form method="post" action="/codec/login">
<input type="password" name="key" autocomplete="off" size="60" aria-label="admin API key">
<button type="submit">Sign in</button>
</form>
</body></html>
`;
