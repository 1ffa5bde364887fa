/**
 * The whole life of one session — provision, wait for Ready, run until a movable deadline, recover from
 * pod loss, shut down gracefully, clean up — as one durable workflow `session-<sessionId>`.
 *
 * Deterministic code only: Kubernetes is reached through activities, time through workflow time. What
 * crosses the Temporal boundary comes from the contract (./contract/), parsed with its zod schemas.
 * The run itself is in ./session/run.ts.
 *
 * Versioning: sessions run for hours and outlive deployments of this code. A change to the order of
 * activities, timers or handlers, or to {@link SessionCarryOver}, is a change of the workflow's shape: it
 * ships as a new Worker Deployment build (Worker Versioning, docs/versioning.md), so a running session
 * keeps the build it started on. test/workflow/replay.test.ts replays the recorded histories of every path.
 */
import type { SessionSpec, SessionState } from './contract/spec.js';
import { SessionWorkflowInputSchema } from './contract/session-run.js';
import { parseWorkflowInput } from './parsed-messages.js';
import { SessionRun, type SessionCarryOver, type SessionTuning } from './session/run.js';

export { SessionFailureType, type SessionCarryOver, type SessionTuning } from './session/run.js';

/**
 * Runs one session from its spec to a terminated (returned) or failed (thrown) end.
 *
 * @param spec fixed for the session's life; passed again, without its secrets, on continue-as-new.
 * @param carried present only in a continued run: the state of the previous run, which was running.
 * @param tuning test and operator knobs (e.g. an early continue-as-new); absent in normal use.
 * @returns the final state, status `terminated`.
 * @throws ApplicationFailure of a {@link SessionFailureType} when the session failed (after cleanup), or
 *   CancelledFailure when the workflow was cancelled (after cleanup).
 */
export async function sessionWorkflow(
  spec: SessionSpec,
  carried?: SessionCarryOver,
  tuning?: SessionTuning,
): Promise<SessionState> {
  // Whoever reaches the Temporal frontend can start one: nothing runs before the input parsed.
  const [parsedSpec, parsedCarried, parsedTuning] = parseWorkflowInput(SessionWorkflowInputSchema, [
    spec,
    carried,
    tuning,
  ]);
  return new SessionRun(parsedSpec, parsedCarried ?? undefined, parsedTuning ?? undefined).run();
}
