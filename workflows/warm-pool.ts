/**
 * One durable workflow per warm pool, `warm-pool-<name>`: keeps `target` available pods of the pool's
 * profile. It reconciles on every signal (a claim, a resize, a profile change) and on a timer, which is
 * also what replaces warm pods lost while nobody was looking. The target starts at the profile's `min`;
 * Temporal Schedules (one per time-of-day size) run {@link warmPoolResizeWorkflow}, which signals a new
 * target. Continues as new when the history grows.
 *
 * Deterministic only; Kubernetes is reached through ../activities/warm-pool.ts.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  setWorkflowOptions,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { WarmPoolActivities } from './contract/activities.js';
import type { ReconcileResult } from './contract/activities.js';
import {
  getWarmPoolStateQuery,
  warmPoolWorkflowId,
  warmPoolClaimedSignal,
  warmPoolProfileSignal,
  warmPoolResizeSignal,
  WarmPoolInputSchema,
  WarmPoolResizeInputSchema,
  type WarmPoolInput,
  type WarmPoolState,
} from './contract/warm-pool.js';
import { onSignal, parseWorkflowInput } from './parsed-messages.js';
import { z } from 'zod';

/** History events after which a run hands over to a fresh one (well below Temporal's 50k limit). */
const HISTORY_LIMIT = 2_000;
/** While pods are starting or a rollout is under way, look again soon. */
const CONVERGING_INTERVAL = '2 seconds';

const acts = proxyActivities<WarmPoolActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

export async function warmPoolWorkflow(raw: WarmPoolInput): Promise<void> {
  const [input] = parseWorkflowInput(z.tuple([WarmPoolInputSchema]), [raw]);
  let profile = input.profile;
  let target = input.target ?? profile.min;
  let dirty = true;
  let last: ReconcileResult | undefined;

  onSignal(warmPoolClaimedSignal, () => {
    dirty = true;
  });
  onSignal(warmPoolResizeSignal, ({ size }) => {
    target = Math.max(0, Math.min(size, profile.max));
    dirty = true;
  });
  onSignal(warmPoolProfileSignal, (next) => {
    // A min/max change re-clamps the current target rather than resetting a scheduled size.
    profile = next;
    target = Math.max(next.min, Math.min(target, next.max));
    dirty = true;
  });
  setHandler(getWarmPoolStateQuery, (): WarmPoolState => ({
    pool: profile.name,
    target,
    min: profile.min,
    max: profile.max,
    ...(last ? { last } : {}),
  }));

  for (;;) {
    dirty = false;
    try {
      last = await acts.reconcileWarmPool(profile, target);
    } catch (err) {
      // A refused request (e.g. RBAC, quota, an invalid profile) must not end the pool: it says why and
      // tries again at the next message or interval, when an operator may have fixed the cause.
      if (isCancellation(err)) throw err;
      log.warn('warm pool reconcile failed', { pool: profile.name, error: String(err) });
      await condition(() => dirty, input.reconcileSeconds * 1000);
      continue;
    }
    // Memo, not search attributes: visible in the Temporal UI without registering attributes on the namespace.
    upsertMemo({ pool: profile.name, target, available: last.available, ready: last.ready, claimed: last.claimed });
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > (input.historyLimit ?? HISTORY_LIMIT)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof warmPoolWorkflow>({ ...input, profile, target });
    }
    await condition(() => dirty, last.converged ? input.reconcileSeconds * 1000 : CONVERGING_INTERVAL);
  }
}

// A pool lives as long as the installation: pinned (the worker's default), it would keep its first build's
// workers from ever draining. It moves to each new build instead, so its changes still need patched().
// Only a versioned worker may declare a behaviour (the server refuses the task of an unversioned one).
setWorkflowOptions(
  () => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}),
  warmPoolWorkflow,
);

/** Run by a pool's size Schedule: tells the pool its new target and ends. */
export async function warmPoolResizeWorkflow(rawPool: string, rawSize: number): Promise<void> {
  const [pool, size] = parseWorkflowInput(WarmPoolResizeInputSchema, [rawPool, rawSize]);
  await getExternalWorkflowHandle(warmPoolWorkflowId(pool)).signal(warmPoolResizeSignal, { size: size });
}
