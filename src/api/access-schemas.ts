/**
 * Wire shapes of the routes that reach into a session (logs, exec, proxy). Like schemas.ts, each one both
 * parses requests and describes them in `/openapi.json`.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

const CONTAINER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const boolParam = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

export const LogsQuerySchema = z
  .strictObject({
    container: z
      .string()
      .regex(CONTAINER_NAME, 'must be a container name')
      .optional()
      .openapi({ description: 'Container of the session pod (default: claude-code)' }),
    tail: z.coerce
      .number({ error: 'must be a number' })
      .int()
      .min(0)
      .optional()
      .openapi({ type: 'integer', description: 'Last lines to return (default and maximum: LOGS_MAX_TAIL)' }),
    follow: boolParam
      .optional()
      .openapi({ type: 'boolean', description: 'Keep streaming new lines until the client disconnects' }),
    timestamps: boolParam.optional().openapi({ type: 'boolean', description: 'Prefix each line with its time' }),
  })
  .openapi('LogsQuery');

export const ExecBodySchema = z
  .strictObject({
    // The kubelet refuses an empty program name or a NUL byte (a C string cannot hold one); refusing
    // them here makes that the caller's 400, not a failed exec.
    command: z
      .array(
        z
          .string()
          .min(1, 'must not be empty')
          .max(4096)
          .refine((arg) => !arg.includes('\u0000'), 'must not contain a NUL character'),
      )
      .min(1)
      .max(256)
      .openapi({ description: 'argv of the command (no shell unless you run one)', example: ['ls', '-la'] }),
    // The sidecars are not the user's: credentials-sync holds the session's Kubernetes token, so exec reaches
    // the agent's container alone (logs may still name any container).
    container: z
      .string()
      .regex(CONTAINER_NAME, 'must be a container name')
      .refine((name) => name === 'claude-code', 'exec reaches the agent container (claude-code) only')
      .optional()
      .openapi({ description: 'Container of the session pod: only the agent, claude-code (the default)' }),
    timeout_seconds: z
      .number()
      .int()
      .positive()
      .max(86_400)
      .optional()
      .openapi({ description: 'Seconds before the command is abandoned with 504 (default and maximum: EXEC_TIMEOUT)' }),
  })
  .openapi('ExecRequest');
export type ExecBody = z.infer<typeof ExecBodySchema>;

export const ExecResultSchema = z
  .object({
    exit_code: z.number().int().openapi({ description: "The command's exit status" }),
    stdout: z.string(),
    stderr: z.string(),
    stdout_truncated: z.boolean().openapi({ description: 'stdout was longer than EXEC_MAX_OUTPUT_BYTES and was cut' }),
    stderr_truncated: z.boolean().openapi({ description: 'stderr was longer than EXEC_MAX_OUTPUT_BYTES and was cut' }),
  })
  .openapi('ExecResult');
export type ExecResult = z.infer<typeof ExecResultSchema>;

export const ProxyParamsSchema = z
  .object({
    id: z.string().openapi({ description: 'Session id' }),
    path: z.string().openapi({ description: 'Path on the session agent (port 9000), query string included' }),
  })
  .openapi('ProxyParams');
