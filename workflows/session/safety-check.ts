/**
 * The running session's own look at its pod when no signal came. Before `checks-by-reconciler` every
 * session did it every 5 minutes: cheap alone, but at thousands of idle sessions it was most of the
 * worker's work (a timer, an activity and two workflow tasks each time, mostly replaying workflows long
 * evicted from the cache). Since the patch the reconciler's sweep (activities/reconciler.ts)
 * signals only the running sessions it finds without a Ready pod, so an idle session schedules nothing.
 */
import { MINUTE_MS } from './failures.js';
import type { SessionPatches } from './patches.js';

export const CHECKS_BY_RECONCILER_PATCH = 'checks-by-reconciler';

const SAFETY_CHECK_INTERVAL_MS = 5 * MINUTE_MS;

export class SafetyCheck {
  private byReconciler = false;

  /** Decided at the run's first task (a patch marker), fixed for the run. */
  decide(eventDriven: boolean, patches: SessionPatches): void {
    this.byReconciler = eventDriven && patches.has(CHECKS_BY_RECONCILER_PATCH);
  }

  /** When the running loop next looks at the pod unasked; Infinity when the reconciler does it. */
  nextAt(): number {
    return this.byReconciler ? Infinity : Date.now() + SAFETY_CHECK_INTERVAL_MS;
  }
}
