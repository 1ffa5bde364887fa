/**
 * Which activities one workflow task scheduled, read from a session's history: how the tests show that a
 * step costs no extra round trip (it is scheduled beside another, not after it).
 */
import type { WorkflowHandle } from '@temporalio/client';

/** The activities scheduled by the same workflow task as the first `activity`, in history order. */
export async function scheduledWith(handle: WorkflowHandle, activity: string): Promise<string[]> {
  const scheduled = ((await handle.fetchHistory()).events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a != null)
    .map((a) => ({ name: a.activityType?.name ?? '', by: Number(a.workflowTaskCompletedEventId) }));
  const task = scheduled.find((a) => a.name === activity)?.by;
  return scheduled.filter((a) => a.by === task).map((a) => a.name);
}
