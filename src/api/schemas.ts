/**
 * The HTTP API's wire shapes (snake_case, as in seed 000). Each schema both parses requests and, through
 * zod-to-openapi, describes them in `/openapi.json`: there is no second, hand-written description.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { QuantitySchema, SessionStatusSchema } from '../session/spec.js';

extendZodWithOpenApi(z);

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Variables the session pod sets itself; a request must not shadow them. */
export const RESERVED_ENV = ['GITHUB_TOKEN', 'HOME'] as const;

const Quantity = QuantitySchema.max(32).openapi({ example: '1' });

export const SessionConfigSchema = z
  .strictObject({
    image: z.string().min(1).max(512).optional().openapi({ description: 'Image of the claude-code container' }),
    cpu_request: Quantity.optional(),
    cpu_limit: Quantity.optional(),
    memory_request: Quantity.optional().openapi({ example: '1Gi' }),
    memory_limit: Quantity.optional().openapi({ example: '4Gi' }),
    pvc_enabled: z.boolean().optional().openapi({ description: 'Give the session a persistent workspace' }),
    pvc_name: z
      .string()
      .max(253)
      .regex(DNS_SUBDOMAIN, 'must be a Kubernetes object name')
      .optional()
      .openapi({ description: "Reuse this existing claim of the caller's (implies pvc_enabled)" }),
    pvc_size: Quantity.optional().openapi({ example: '10Gi' }),
    timeout_minutes: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: 'Minutes until the session stops by itself (extendable)' }),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name'),
        z.string().max(4096),
      )
      .refine((env) => Object.keys(env).length <= 64, 'at most 64 variables')
      .refine(
        (env) => !RESERVED_ENV.some((name) => name in env),
        `must not set ${RESERVED_ENV.join(', ')} (set by the session)`,
      )
      .optional(),
    node_selector: z
      .record(
        z.string().max(317).regex(LABEL_KEY, 'must be a label key'),
        z.string().max(63).regex(LABEL_VALUE, 'must be a label value'),
      )
      .refine((s) => Object.keys(s).length <= 16, 'at most 16 entries')
      .optional(),
  })
  .openapi('SessionConfig');

export const CreateSessionBodySchema = z
  .strictObject({
    config: SessionConfigSchema.default({}),
    github_token: z.string().min(1).max(1024).optional().openapi({ description: 'Stored in a Secret; never returned' }),
    mcp_servers: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'MCP servers configuration (JSON object); stored in a Secret, never returned' }),
    secret_env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name'),
        z.string().max(4096),
      )
      .refine((env) => Object.keys(env).length <= 64, 'at most 64 variables')
      .refine(
        (env) => !RESERVED_ENV.some((name) => name in env),
        `must not set ${RESERVED_ENV.join(', ')} (set by the session)`,
      )
      .optional()
      .openapi({
        description:
          "Secret environment variables of the agent: stored in the session's Secret and referenced by the pod; never returned, logged or put in a ConfigMap",
      }),
  })
  .openapi('CreateSessionRequest');
export type CreateSessionBody = z.infer<typeof CreateSessionBodySchema>;

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

export const CreateSessionQuerySchema = z.strictObject({
  wait: boolParam.optional().openapi({ description: 'false: answer 202 at once instead of waiting for running' }),
});

export const SessionIdParamsSchema = z.strictObject({
  // Wider than the ids this API issues (SessionIdSchema): any lowercase DNS-label-like id is looked up
  // and, if unknown, is a 404; only what could never name a session (case, symbols, length) is a 400.
  id: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a session id: lowercase letters, digits and dashes')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'a1b2c3d4e5f6' }),
});

export const ListSessionsQuerySchema = z.strictObject({
  status: SessionStatusSchema.optional(),
  user: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9._@+-]+$/, 'must be a user name')
    .optional()
    .openapi({ description: 'Admins only: sessions of this user (default: all users)' }),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
  page_token: z.string().max(4096).optional().openapi({ description: 'next_page_token of the previous page' }),
});

export const ExtendSessionBodySchema = z
  .strictObject({ minutes: z.number().int().positive().max(10_080) })
  .openapi('ExtendSessionRequest');

export const DeleteSessionQuerySchema = z.strictObject({
  delete_pvc: boolParam.optional().openapi({ description: "Override the PVC reclaim policy for this session's end" }),
  wait: boolParam.optional().openapi({ description: 'true: answer 200 once the session is terminated' }),
});

export const SessionSchema = z
  .object({
    session_id: z.string(),
    user: z.string(),
    status: SessionStatusSchema,
    url: z.string().nullable(),
    pod_name: z.string().nullable(),
    service_name: z.string().nullable(),
    node_name: z.string().nullable(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    max_expires_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    end_reason: z.string().nullable(),
    restarts: z.number().int(),
    phases: z.record(z.string(), z.string()).openapi({ description: 'When each status was first entered' }),
    last_error: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
    pvc_name: z.string().nullable(),
    pvc_retained: z.boolean().nullable(),
    start: z.enum(['warm', 'cold']).nullable().openapi({
      description:
        'warm: the session took a pre-started pod of a warm pool; cold: it created its own pod; null until decided (or for sessions started before warm pools)',
    }),
  })
  .openapi('Session');
export type SessionBody = z.infer<typeof SessionSchema>;

export const SessionSummarySchema = z
  .object({
    session_id: z.string(),
    user: z.string(),
    status: SessionStatusSchema,
    created_at: z.string(),
    closed_at: z.string().nullable(),
    start: z
      .enum(['warm', 'cold'])
      .nullable()
      .openapi({ description: 'How the session started (see Session.start); null until decided' }),
  })
  .openapi('SessionSummary');
export type SessionSummary = z.infer<typeof SessionSummarySchema>;

export const SessionListSchema = z
  .object({ sessions: z.array(SessionSummarySchema), next_page_token: z.string().nullable() })
  .openapi('SessionList');

export const ExtendSessionResponseSchema = z
  .object({ session_id: z.string(), expires_at: z.string() })
  .openapi('ExtendSessionResponse');

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_ERROR' }),
      message: z.string(),
      request_id: z.string().optional(),
      session_id: z.string().optional(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');
export type ErrorBody = z.infer<typeof ErrorSchema>;

export const HealthSchema = z.object({ status: z.literal('healthy'), time: z.iso.datetime() }).openapi('Health');

const Connectivity = z.enum(['connected', 'disconnected']);
/** Seed 004's readiness format; `errors` names why each disconnected dependency failed. */
export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'unavailable', 'draining']),
    kubernetes: Connectivity,
    temporal: Connectivity,
    time: z.iso.datetime(),
  })
  .openapi('Readiness');
export type Readiness = z.infer<typeof ReadinessSchema>;
