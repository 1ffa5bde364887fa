/**
 * A create that waits, without polling: Update-with-Start sends the workflow start and a
 * `waitUntilStarted` update in one call; the update completes when the workflow leaves `creating`
 * (running, failed or terminated), and the API answers with the state it returns.
 *
 * Round trips: one ExecuteMultiOperation (durable start + update accepted by the workflow's first task),
 * then one long poll for the update's outcome. No query, no describe on the happy path.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { SessionSpec, SessionState } from '../../workflows/contract/spec.js';
import { sessionStartOptions, startSession } from '../temporal/client.js';
import { isUpdateTimeout } from './workflow-errors.js';
import { sessionWorkflowType, waitUntilStartedUpdate } from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';

/** How long the start may wait for a worker to accept the update before the create answers 202. */
const ACCEPT_TIMEOUT_MS = 10_000;
/**
 * How long a start that ran out of time may take to find out whether its workflow exists anyway. Without a
 * bound, an unreachable Temporal would hold the create for the client's whole retry schedule.
 */
const EXISTS_CHECK_TIMEOUT_MS = 5_000;

export interface StartedSession {
  /**
   * Resolves with the state once the session has left `creating`, or with undefined when no answer came
   * within the bound (no worker polling, or a start slower than its timeout): the session still starts.
   */
  outcome: Promise<SessionState | undefined>;
}

/**
 * Starts the session's workflow and its early-return update. Resolves once the start is durable (so the
 * caller's quota admission can complete); throws when the workflow could not be started.
 */
export async function startWithEarlyReturn(
  client: Client,
  spec: SessionSpec,
  config: Pick<Config, 'temporalTaskQueue'>,
): Promise<StartedSession> {
  const options = sessionStartOptions(spec, config);
  const operation = new WithStartWorkflowOperation<typeof sessionWorkflow>(sessionWorkflowType, options);
  const outcomeDeadline = Date.now() + (spec.podStartTimeoutSeconds + 60) * 1000;
  let accepted;
  try {
    accepted = await client.connection.withDeadline(Date.now() + ACCEPT_TIMEOUT_MS, () =>
      client.workflow.startUpdateWithStart(waitUntilStartedUpdate, {
        args: [{}],
        waitForStage: 'ACCEPTED',
        startWorkflowOperation: operation,
      }),
    );
  } catch (err) {
    // The deadline reaches us as DEADLINE_EXCEEDED or, from the update call, as the SDK's
    // WorkflowUpdateRPCTimeoutOrCancelledError ("Call cancelled"): either way, no answer in time.
    if (!isUpdateTimeout(err)) throw err;
    // No worker accepted the update in time. The start itself may well be durable: if the workflow
    // exists it runs once a worker polls, and the create answers 202 like any unfinished start.
    await throwUnlessStarted(client, options.workflowId, err);
    return { outcome: Promise.resolve(undefined) };
  }
  const outcome = client.connection
    .withDeadline(outcomeDeadline, () => accepted.result())
    .catch((err: unknown) => {
      if (isUpdateTimeout(err)) return undefined;
      throw err;
    });
  // The caller awaits it later; an early rejection must not count as unhandled.
  outcome.catch(() => undefined);
  return { outcome };
}

/**
 * A create with `?wait=false`: resolves once the workflow's start is durable. The start is bounded like the
 * waiting create's; one that ran out of time counts if the workflow exists after all (the start is
 * idempotent: an existing workflow of this id is used, never a second one started).
 */
export async function startWithinBound(
  client: Client,
  spec: SessionSpec,
  config: Pick<Config, 'temporalTaskQueue'>,
): Promise<void> {
  try {
    await client.connection.withDeadline(Date.now() + ACCEPT_TIMEOUT_MS, () => startSession(client, spec, config));
  } catch (err) {
    if (!isUpdateTimeout(err)) throw err;
    await throwUnlessStarted(client, sessionStartOptions(spec, config).workflowId, err);
  }
}

/** Rethrows `startError` unless the workflow exists; the check itself is bounded (its failure is thrown). */
async function throwUnlessStarted(client: Client, workflowId: string, startError: unknown): Promise<void> {
  try {
    await client.connection.withDeadline(Date.now() + EXISTS_CHECK_TIMEOUT_MS, () =>
      client.workflow.getHandle(workflowId).describe(),
    );
  } catch (describeErr) {
    if (describeErr instanceof WorkflowNotFoundError) throw startError;
    throw describeErr;
  }
}
