/**
 * The reconciler's Temporal Schedule, created or brought up to date by every worker at start, so a
 * changed interval or setting takes effect on the next deploy without a manual step. Overlap Skip: a
 * slow run is never stacked with the next one.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { ReconcileInput } from '../../workflows/contract/reconciler.js';
import { reconcilerWorkflowType } from '../../workflows/contract/reconciler.js';

export function reconcileInputOf(config: Config): ReconcileInput {
  return {
    namespace: config.sessionNamespace,
    graceMs: config.reconcileGraceMs,
    retainedPvcTtlMs: config.retainedPvcTtlMs,
    dryRun: config.reconcileDryRun,
  };
}

/** Creates the Schedule, or updates an existing one to the current configuration. */
export async function ensureReconcilerSchedule(client: Client, config: Config): Promise<void> {
  const spec = { intervals: [{ every: config.reconcileIntervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: reconcilerWorkflowType,
    // Ids are the schedule id plus the run time, so two runs never share one.
    workflowId: config.reconcileScheduleId,
    taskQueue: config.temporalTaskQueue,
    args: [reconcileInputOf(config)],
    workflowExecutionTimeout: Math.max(config.reconcileIntervalMs * 5, 10 * 60_000),
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: config.reconcileIntervalMs };
  try {
    await client.schedule.create({ scheduleId: config.reconcileScheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule
      .getHandle(config.reconcileScheduleId)
      // The previous state (e.g. paused by an operator) is kept.
      .update((previous) => ({ ...previous, spec, action, policies }));
  }
}
