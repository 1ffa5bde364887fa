/** zod schemas of the activity inputs that are not a SessionSpec (see src/session/spec.ts for that one). */
import { z } from 'zod';
import { SessionIdSchema } from '../src/session/spec.js';

export const QuotaEntryRefSchema = z.object({
  namespace: z.string().min(1).max(63),
  user: z.string().min(1).max(253),
  sessionId: SessionIdSchema,
});

/**
 * Which pod ensureSessionPod makes: generation 0 (or none) is the session's own `<base>` pod; a handover
 * on an interruption notice starts `<base>-g<N>` beside it (see workflows/session/handover.ts).
 */
export const EnsurePodOptionsSchema = z
  .object({ generation: z.number().int().min(0).max(10_000) })
  .strict()
  .optional();
export type EnsurePodOptions = z.infer<typeof EnsurePodOptionsSchema>;
