/**
 * The terminal's wire format (docs/terminal.md): the upgrade request's query, and the JSON control
 * messages carried in text frames. Binary frames are raw terminal bytes and have no schema.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/** The subprotocol the server speaks; a client offers it (and may offer a bearer entry beside it). */
export const TERMINAL_PROTOCOL = 'session-terminal.v1';
/** Browsers cannot set Authorization on a WebSocket: they offer `bearer.<API key>` as a subprotocol. */
export const BEARER_PROTOCOL_PREFIX = 'bearer.';

/** Largest terminal the API accepts; far beyond any screen, small enough that no size is absurd. */
const MAX_DIMENSION = 1000;
const dimension = z.coerce.number({ error: 'must be a number' }).int().min(1).max(MAX_DIMENSION);

export const TerminalQuerySchema = z
  .strictObject({
    container: z
      .string()
      .max(63)
      .optional()
      .openapi({ description: 'Only the agent container, claude-code (the default), is accepted' }),
    cols: dimension.optional().openapi({ type: 'integer', description: 'Initial width (default 80)' }),
    rows: dimension.optional().openapi({ type: 'integer', description: 'Initial height (default 24)' }),
  })
  .openapi('TerminalQuery');

/** What a client may send in a text frame. */
export const TerminalClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('resize'), cols: dimension, rows: dimension }),
]);
export type TerminalClientMessage = z.infer<typeof TerminalClientMessageSchema>;

/** What the server sends in a text frame: the remote process's exit, just before a normal close. */
export interface TerminalExitMessage {
  type: 'exit';
  code: number;
}

/** Close codes besides the standard 1000 (exit), 1001 (API shutting down) and 1008 (bad control message). */
export const TerminalCloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  PolicyViolation: 1008,
  /** The exec stream failed or ended without an exit status. */
  ExecFailed: 1011,
  IdleTimeout: 4000,
  TimeLimit: 4001,
} as const;
