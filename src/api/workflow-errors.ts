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

export function isWorkflowClosed(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  // The server answers an update to a closed workflow with NOT_FOUND "workflow execution already completed".
  return isGrpcServiceError(err) && err.code === 5;
}
