/** zod schemas of the activity inputs that are not a SessionSpec (see src/session/spec.ts for that one). */
import { z } from 'zod';
import { SessionIdSchema } from '../src/session/spec.js';

export const QuotaEntryRefSchema = z.object({
  namespace: z.string().min(1).max(63),
  user: z.string().min(1).max(253),
  sessionId: SessionIdSchema,
});
