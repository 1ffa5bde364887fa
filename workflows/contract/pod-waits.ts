/**
 * How long a session workflow waits for the shared informer's word about its pod before it looks at the
 * pod itself. The word can be lost — a signal sent while no worker ran, or a deletion that happened while
 * the informers' leadership changed hands (nobody watches for up to a Lease duration) — and the look is
 * what still finishes the step then. The API's bounded waits are built on these, so an answer never gives
 * up at the moment the workflow's own look is due. Changing a value changes the workflow's timers: it is a
 * change of the workflow's shape, shipped as a new build (docs/versioning.md).
 */

/** How long a start waits without any signal before it looks at the pod itself. */
export const POD_READY_RECHECK_MS = 15_000;

/** Beyond the stop grace, how long a deletion waits for podGone before it looks at the pod itself. */
export const POD_GONE_MARGIN_MS = 15_000;
