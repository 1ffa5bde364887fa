/** The codec endpoint's part of the OpenAPI document (the routes live in codec-routes.ts). */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { CodecBodySchema, LoginBodySchema } from './codec-routes.js';
import { ErrorSchema } from './schemas.js';

export function registerCodecPaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  const body = CodecBodySchema;
  const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
  for (const direction of ['decode', 'encode'] as const) {
    registry.registerPath({
      method: 'post',
      path: `/codec/${direction}`,
      summary: `Temporal remote codec: ${direction} payloads (admin; for the Temporal UI and CLI)`,
      description:
        'Protobuf-JSON Payloads (bytes as base64). Authenticated by an admin API key header or the /codec/login cookie; `X-Namespace`, when sent, must be the configured namespace.',
      security: [...security, {}],
      request: {
        headers: z.object({ 'X-Namespace': z.string().optional() }),
        body: { content: { 'application/json': { schema: body } } },
      },
      responses: {
        200: { description: `The ${direction}d payloads`, content: { 'application/json': { schema: body } } },
        400: error('VALIDATION_ERROR: malformed payloads, another namespace, or a payload this codec cannot decode'),
        401: error('UNAUTHORIZED: missing or unknown API key'),
        403: error('FORBIDDEN: not an admin key'),
      },
    });
    registry.registerPath({
      method: 'options',
      path: `/codec/${direction}`,
      summary: 'CORS preflight for the Temporal UI origins in API_CODEC_CORS_ORIGINS',
      responses: { 204: { description: 'Allowed origin' }, 403: { description: 'Origin not allowed' } },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/codec/login',
    summary: 'Sign-in page for the codec cookie (HTML form)',
    responses: { 200: { description: 'HTML form', content: { 'text/html': { schema: z.string() } } } },
  });
  registry.registerPath({
    method: 'post',
    path: '/codec/login',
    summary: 'Exchange an admin API key for a short-lived sign-in token in an HttpOnly cookie scoped to /codec',
    request: {
      body: {
        content: { 'application/x-www-form-urlencoded': { schema: LoginBodySchema } },
      },
    },
    responses: {
      200: { description: 'Signed in (Set-Cookie)', content: { 'text/html': { schema: z.string() } } },
      400: error('VALIDATION_ERROR: no key'),
      401: error('UNAUTHORIZED: not an admin API key'),
    },
  });
}
