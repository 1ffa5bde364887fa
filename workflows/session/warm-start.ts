/**
 * The warm start of a session: a session that may run on a warm pod has the provisioning activity
 * (provisionWarmSession) claim one of its profile beside the creates and adopt it. Any miss (no pool of
 * the profile, an empty pool, a lost race, a failed claim) is a cold start: the session creates its own pod.
 */
import { upsertMemo } from '@temporalio/workflow';
import type { WarmProvisionResult } from '../contract/activities.js';
import type { ClaimedPod } from '../contract/activities.js';
import { START_MEMO_KEY } from '../contract/warm-match.js';

export type WarmClaim = { claimed: ClaimedPod; reason?: undefined } | { claimed?: undefined; reason: string };
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
