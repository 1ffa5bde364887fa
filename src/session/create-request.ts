/**
 * What a user may ask for when creating a session: the create request's shape, parsed at the HTTP
 * boundary and read by the rules that turn it into a SessionSpec (./request-rules.ts). It lives in the
 * domain because those rules depend on it and the domain never imports the HTTP layer; the API re-exports
 * it. The `.openapi()` notes describe it in `/openapi.json` without a second, hand-written description.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { QuantitySchema } from '../../workflows/contract/spec.js';

extendZodWithOpenApi(z);

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Variables the session pod sets itself; a request must not shadow them. */
export const RESERVED_ENV = ['GITHUB_TOKEN', 'HOME'] as const;

const Quantity = QuantitySchema.max(32).openapi({ example: '1' });

/** Environment variables a user may give a session, plain (`env`) or secret (`secret_env`). */
const EnvMapSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name'),
    z.string().max(4096),
  )
  .refine((env) => Object.keys(env).length <= 64, 'at most 64 variables')
  .refine(
    (env) => !RESERVED_ENV.some((name) => name in env),
    `must not set ${RESERVED_ENV.join(', ')} (set by the session)`,
  );

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
    env: EnvMapSchema.optional(),
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
    secret_env: EnvMapSchema.optional().openapi({
      description:
        "Secret environment variables of the agent: stored in the session's Secret and referenced by the pod; never returned, logged or put in a ConfigMap",
    }),
  })
  .openapi('CreateSessionRequest');
export type CreateSessionBody = z.infer<typeof CreateSessionBodySchema>;
