/** The reconciler workflow's input and result, and what its activities answer. */
import { z } from 'zod';

export const reconcilerWorkflowType = 'reconcilerWorkflow';

export const ReconcileInputSchema = z.object({
  namespace: z.string().min(1),
  graceMs: z.number().int().min(0),
  retainedPvcTtlMs: z.number().int().min(0),
  dryRun: z.boolean(),
  /** Extra label selector ANDed with `app=agentapi-session` (narrows a run, e.g. to one user). */
  selector: z.string().optional(),
});
export type ReconcileInput = z.infer<typeof ReconcileInputSchema>;

export const ReconcileActionSchema = z.object({
  kind: z.string(),
  name: z.string(),
  sessionId: z.string(),
  reason: z.string(),
});
export type ReconcileAction = z.infer<typeof ReconcileActionSchema>;

export const ReconcileReportSchema = z.object({
  dryRun: z.boolean(),
  /** Deleted objects (or, in a dry run, those that would be). */
  objects: z.array(ReconcileActionSchema),
  ledgerEntriesPruned: z.number().int(),
  ledgersDeleted: z.array(z.string()),
});
export type ReconcileReport = z.infer<typeof ReconcileReportSchema>;
