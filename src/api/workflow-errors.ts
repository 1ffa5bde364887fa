/** What the Temporal client's errors mean to the session API: a timed-out update, a closed workflow. */
import {
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';

export function isUpdateTimeout(err: unknown): boolean {
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDeadlineExceeded(err);
}

export function isDeadlineExceeded(err: unknown): boolean {
  const code =
    (err as { code?: unknown; cause?: { code?: unknown } } | null)?.code ??
    (err as { cause?: { code?: unknown } })?.cause?.code;
  return code === 4; // gRPC DEADLINE_EXCEEDED
}

/**
 * Whether a call found nothing able to answer right now: its deadline passed (no worker took a query), or
 * the Temporal server was unreachable or shed the call (UNAVAILABLE, RESOURCE_EXHAUSTED) — the client's
 * own retries give up with the last of these when the deadline falls inside a backoff. A 503, not a 500.
 */
export function isUnansweredNow(err: unknown): boolean {
  if (isDeadlineExceeded(err)) return true;
  const codes = [(err as { code?: unknown } | null)?.code, (err as { cause?: { code?: unknown } } | null)?.cause?.code];
  return codes.some((code) => code === 8 || code === 14);
}

export function isWorkflowClosed(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  // The server answers an update to a closed workflow with NOT_FOUND "workflow execution already completed".
  return isGrpcServiceError(err) && err.code === 5;
}
