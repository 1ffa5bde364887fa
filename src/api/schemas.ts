/**
 * The HTTP API's wire shapes (snake_case JSON). Each schema both parses requests and, through zod-to-openapi,
 * describes them in `/openapi.json`: there is no second, hand-written description. The create request is the
 * domain's (../session/create-request.ts), since the rules that read it live there; it is re-exported here.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { SessionStatusSchema } from '../../workflows/contract/spec.js';

export {
  CreateSessionBodySchema,
  RESERVED_ENV,
  SessionConfigSchema,
  type CreateSessionBody,
} from '../session/create-request.js';

extendZodWithOpenApi(z);

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
        'warm: the session took a pre-started pod of a warm pool; cold: it created its own pod; null until decided',
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
/** The readiness answer: each dependency connected or not; `errors` names why each disconnected one failed. */
export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'unavailable', 'draining']),
    kubernetes: Connectivity,
    temporal: Connectivity,
    time: z.iso.datetime(),
  })
  .openapi('Readiness');
export type Readiness = z.infer<typeof ReadinessSchema>;
