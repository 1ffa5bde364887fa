/** What the Temporal client's errors mean to the session API: a call nothing answered now, a closed workflow. */
import {
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';

/**
 * gRPC statuses of a call that nothing answered in time. A bounded call ends with DEADLINE_EXCEEDED, or with
 * CANCELLED when its deadline fell while the client's retry interceptor waited between attempts; the client
 * gives up on an unreachable or shedding server with the last of its retried statuses (UNAVAILABLE,
 * RESOURCE_EXHAUSTED).
 */
const UNANSWERED_STATUS_CODES = new Set([
  1, // CANCELLED
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  14, // UNAVAILABLE
]);

/**
 * Whether a call found nothing able to answer right now — no worker took a query in time, or the Temporal
 * server was unreachable or shed the call: a 503, not a 500. Raw or wrapped by the client (`cause`).
 */
export function isUnansweredNow(err: unknown): boolean {
  const codes = [(err as { code?: unknown } | null)?.code, (err as { cause?: { code?: unknown } } | null)?.cause?.code];
  return codes.some((code) => typeof code === 'number' && UNANSWERED_STATUS_CODES.has(code));
}

/**
 * A query or update the server refused because the workflow's workflow task keeps failing or timing out
 * (from its third attempt on): the workflow exists but cannot answer until a worker completes a task of it
 * (FAILED_PRECONDITION "Unable to query workflow due to Workflow Task in failed state", and the same words
 * for an update). Its history says why the task fails.
 */
export function isWorkflowTaskFailing(err: unknown): boolean {
  return [err, (err as { cause?: unknown } | null)?.cause].some(
    (e) =>
      (e as { code?: unknown } | null)?.code === 9 &&
      /workflow task in failed state/i.test(String((e as { message?: unknown }).message)),
  );
}

/** An update no worker accepted or completed in time (the SDK's own error, or any unanswered status). */
export function isUpdateTimeout(err: unknown): boolean {
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isUnansweredNow(err);
}

export function isWorkflowClosed(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  // The server answers an update to a closed workflow with NOT_FOUND "workflow execution already completed".
  return isGrpcServiceError(err) && err.code === 5;
}
