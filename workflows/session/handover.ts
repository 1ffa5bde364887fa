/**
 * Handover on an interruption notice: the node is still up for
 * its notice period, so the replacement pod (`<base>-g<N>`) starts beside the old one and the old pod is
 * stopped with its full SIGTERM grace only once the replacement is Ready — no gap and no lost grace.
 *
 * Only for sessions without a claim: a ReadWriteOnce volume attaches to the new pod's node only after the
 * old pod has released it, so for those the old pod is stopped (with its grace) first, as before.
 */
import type { PodCheckResult } from '../contract/activities.js';
import type { SessionSpec } from '../contract/spec.js';

export function handsOver(check: PodCheckResult, spec: SessionSpec): boolean {
  return claimless(spec) && check.exists && check.lostReason === 'interruption';
}

/**
 * A pod whose node is gone is not waited for either. Its successor (`<base>-g<N>`) is created while the
 * old pod object is force-deleted, instead of after the informer confirmed it gone (a deletion round trip
 * and a signal on every hard node loss). Claimless sessions only, for the same reason as above.
 */
export function replacesBeside(check: PodCheckResult, spec: SessionSpec): boolean {
  return claimless(spec) && check.exists && check.lostReason === 'node_lost';
}

function claimless(spec: SessionSpec): boolean {
  return !spec.pvc.enabled && !spec.pvc.existingClaimName;
}
