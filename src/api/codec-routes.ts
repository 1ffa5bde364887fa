/**
 * Temporal's remote codec protocol for the Temporal Web UI and CLI: `POST /codec/decode` and
 * `POST /codec/encode` take and return `{"payloads":[…]}` (protobuf JSON, bytes as base64), so an
 * operator reads session inputs, results and failures in clear text — only with an admin key.
 *
 * The UI cannot send an API key header: it sends either an OIDC access token (`passAccessToken`, its
 * own login) or, with `includeCredentials`, the browser's cookies. So besides `Authorization: Bearer`
 * and `X-API-Key` (what `temporal --codec-endpoint … --codec-auth` sends), an admin may sign in once at
 * `GET /codec/login`, which stores a short-lived sign-in token (./codec-token.ts, never the key) in an
 * HttpOnly cookie scoped to `/codec`. The admin check runs before the (up to 8 MB) body is read, and
 * the routes count against the key's request limit (sign-in: the client address's). Browsers call from
 * the UI's origin, so CORS (with preflight) is answered for API_CODEC_CORS_ORIGINS only.
 */
import type { Payload } from '@temporalio/common';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import { AesGcmPayloadCodec, loadCodecKeys } from '../temporal/codec.js';
import { ApiKeyStore, Permission, requirePermission } from './auth.js';
import { CodecTokens, type CodecTokenConfig } from './codec-token.js';
import { ApiError, methodNotAllowed, parseOr400 } from './errors.js';
import type { ApiLimits } from './rate-limit.js';

export const CODEC_COOKIE = 'so_codec_key';
/** A decode request carries one event's payloads; Temporal caps a payload at 2 MiB. */
const MAX_CODEC_BODY = '8mb';

const Base64Schema = z.base64();
const PayloadJsonSchema = z.object({
  metadata: z.record(z.string(), Base64Schema).optional(),
  data: Base64Schema.optional(),
});
export const CodecBodySchema = z.object({ payloads: z.array(PayloadJsonSchema) });
export type CodecBody = z.infer<typeof CodecBodySchema>;

export interface CodecDeps {
  config: Pick<Config, 'codecKeys' | 'codecKeysFile' | 'temporalNamespace' | 'codecCorsOrigins'> & CodecTokenConfig;
  keys: ApiKeyStore;
  /** Authentication by key header plus the key's request limit (the app's `auth`). */
  auth: RequestHandler;
  limits: Pick<ApiLimits, 'perKey' | 'perIp'>;
}

export function mountCodecRoutes(app: express.Express, deps: CodecDeps): void {
  const codec = new AesGcmPayloadCodec(loadCodecKeys(deps.config));
  const tokens = new CodecTokens(deps.config, deps.keys);
  const cors = codecCors(deps.config.codecCorsOrigins);
  const json = express.json({ limit: MAX_CODEC_BODY, strict: true, type: () => true });
  const { perIp, perKey } = deps.limits;

  /** A key header, else the sign-in cookie's token; either way the key's request limit applies. */
  const signedIn: RequestHandler = (req, res, next) => {
    if (!req.get('authorization') && !req.get('x-api-key')) {
      const token = readCookie(req.get('cookie'), CODEC_COOKIE);
      const principal = token ? tokens.verify(token) : undefined;
      if (principal) {
        req.principal = principal;
        return perKey(req, res, next);
      }
    }
    return deps.auth(req, res, next);
  };
  // Before the body parser: a non-admin never gets an 8 MB body read and parsed on its behalf.
  const adminOnly: RequestHandler = (req, _res, next) => {
    requirePermission(req, Permission.Admin);
    next();
  };

  for (const direction of ['decode', 'encode'] as const) {
    app
      .route(`/codec/${direction}`)
      .options(perIp, cors)
      .post(cors, signedIn, adminOnly, json, async (req, res) => {
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
    .get(perIp, (_req, res) => {
      res.type('html').set('Cache-Control', 'no-store').send(loginPage(tokens.ttlSeconds));
    })
    .post(perIp, express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
      const { key } = parseOr400(LoginBodySchema, req.body, 'body');
      const principal = deps.keys.authenticate(key.trim());
      if (!principal || !principal.permissions.has(Permission.Admin)) {
        throw new ApiError(401, 'UNAUTHORIZED', 'not an admin API key');
      }
      // The cookie carries a token that expires and names the key, never the key. It is Secure except
      // for a browser on this machine over plain http (local use, where UI and API are same-site).
      const attrs = req.secure || !isLoopback(req.ip) ? 'SameSite=None; Secure' : 'SameSite=Strict';
      res
        .set(
          'Set-Cookie',
          `${CODEC_COOKIE}=${tokens.issue(principal)}; Path=/codec; HttpOnly; ${attrs}; Max-Age=${tokens.ttlSeconds}`,
        )
        .set('Cache-Control', 'no-store')
        .type('html')
        .send('<!doctype html><p>Signed in: the Temporal UI can now decode session payloads.</p>');
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'POST']));
}

export const LoginBodySchema = z.strictObject({ key: z.string().min(1).max(512) });

function isLoopback(address: string | undefined): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address ?? '');
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

const loginPage = (ttlSeconds: number) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Codec sign-in</title></head>
<body>
<h1>Decode session payloads in the Temporal UI</h1>
<p>Paste an admin API key. It is exchanged for a sign-in token, kept in an HttpOnly cookie for /codec only, for ${Math.round(ttlSeconds / 60)} minutes.</p>
<form method="post" action="/codec/login">
<input type="password" name="key" autocomplete="off" size="60" aria-label="admin API key">
<button type="submit">Sign in</button>
</form>
</body></html>
`;
