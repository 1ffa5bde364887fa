/**
 * The reconciler, run by the `session-reconciler` Schedule (overlap Skip): deletes what session
 * workflows left behind when they ended without their cleanup (terminated from the UI or CLI, a bug),
 * retained claims past their TTL, and quota ledger entries of ended sessions. One run is short and
 * starts from a fresh observation, so it keeps no state between runs.
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { ReconcilerActivities } from './contract/activities.js';
import { ReconcileInputSchema, type ReconcileInput, type ReconcileReport } from './contract/reconciler.js';
import { parseWorkflowInput } from './parsed-messages.js';
import { z } from 'zod';

const acts = proxyActivities<ReconcilerActivities>({
  startToCloseTimeout: '5 minutes',
  // Bounded: the next scheduled run starts from scratch anyway.
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
});

export async function reconcilerWorkflow(raw: ReconcileInput): Promise<ReconcileReport> {
  const [input] = parseWorkflowInput(z.tuple([ReconcileInputSchema]), [raw]);
  const objects = await acts.reconcileSessionObjects(input);
  const ledgers = await acts.reconcileQuotaLedgers(input);
  const report: ReconcileReport = {
    dryRun: input.dryRun,
    objects,
    ledgerEntriesPruned: ledgers.entriesPruned,
    ledgersDeleted: ledgers.ledgersDeleted,
  };
  log.info('reconciled', {
    dryRun: input.dryRun,
    objects: objects.length,
    ledgerEntriesPruned: ledgers.entriesPruned,
    ledgersDeleted: ledgers.ledgersDeleted.length,
  });
  return report;
}
