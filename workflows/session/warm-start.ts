/**
 * The warm start of a session (patch `warm-claim`): before provisioning, a session that may run
 * on a warm pod claims one of its profile; the provisioning activity then adopts that pod instead of
 * creating one. Any miss (no pool of the profile, an empty pool, a lost race, a failed claim) is a cold
 * start: the session creates its own pod, as before.
 */
import { isCancellation, log, proxyActivities, upsertMemo } from '@temporalio/workflow';
import type { WarmProvisionResult } from '../../activities/types.js';
import type { ClaimedPod } from '../../activities/warm-claim.js';
import type { WarmPoolActivities } from '../../activities/warm-pool.js';
import type { SessionSpec } from '../../src/session/spec.js';
import { START_MEMO_KEY, warmIneligibility } from '../../src/session/warm-match.js';
import { rootMessage } from './failures.js';

export const WARM_CLAIM_PATCH = 'warm-claim';
/**
 * Since `claim-in-provisioning` the claim is no step of its own: the provisioning activity claims beside its
 * creates (provisionWarmSession), which saves a warm create an activity round trip and a workflow task and
 * runs the claim's API calls in the creates' shadow.
 */
export const CLAIM_IN_PROVISIONING_PATCH = 'claim-in-provisioning';

// One short call: a slow or failing claim must cost the session little, since a cold start always works.
const claims = proxyActivities<Pick<WarmPoolActivities, 'claimWarmPodForSession'>>({
  // Generous: an attempt that times out may still win a pod after its retry won another (that extra pod
  // is deleted with the session, see deleteSessionWarmPods), so timeouts should be rare even under load.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 3 },
});

export type WarmClaim = { claimed: ClaimedPod; reason?: undefined } | { claimed?: undefined; reason: string };

/** Claims a Ready warm pod for the session, or says why the session starts cold. */
export async function claimWarmPod(spec: SessionSpec): Promise<WarmClaim> {
  const ineligible = warmIneligibility(spec);
  if (ineligible) return { reason: ineligible };
  try {
    // The secrets stay out of this activity's input (and so out of its history event).
    const claimed = await claims.claimWarmPodForSession({ ...spec, secrets: {} });
    return claimed ? { claimed } : { reason: 'no warm pod of the session profile was available' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('warm pod claim failed; starting cold', { error: rootMessage(err) });
    return { reason: `the claim failed: ${rootMessage(err)}` };
  }
}

/** The claim as provisionWarmSession reported it. */
export function claimOf(made: WarmProvisionResult): WarmClaim {
  if (!made.warm) return { reason: made.coldReason ?? 'no warm pod of the session profile was available' };
  const { podName, podUid } = made;
  return { claimed: { podName, podUid, pool: made.warm.pool, nodeName: made.warm.nodeName } };
}

/** Records how the session started where the session list can see it without querying the workflow. */
export function recordStartMemo(start: 'warm' | 'cold'): void {
  upsertMemo({ [START_MEMO_KEY]: start });
}
