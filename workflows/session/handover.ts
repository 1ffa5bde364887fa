/**
 * Handover on an interruption notice (patch `interruption-handover`, issue 9): the node is still up for
 * its notice period, so the replacement pod (`<base>-g<N>`) starts beside the old one and the old pod is
 * stopped with its full SIGTERM grace only once the replacement is Ready — no gap and no lost grace.
 *
 * Only for sessions without a claim: a ReadWriteOnce volume attaches to the new pod's node only after the
 * old pod has released it, so for those the old pod is stopped (with its grace) first, as before.
 */
import type { PodCheckResult } from '../../activities/types.js';
import type { SessionSpec } from '../../src/session/spec.js';

export const HANDOVER_PATCH = 'interruption-handover';

export function handsOver(check: PodCheckResult, spec: SessionSpec): boolean {
  const claimless = !spec.pvc.enabled && !spec.pvc.existingClaimName;
  return claimless && check.exists && check.lostReason === 'interruption';
}
