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

/** The activities the run's first workflow task scheduled, in history order. */
export async function scheduledByFirstTask(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const first = Number(events.find((e) => e.workflowTaskCompletedEventAttributes)?.eventId);
  return events
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a != null && Number(a.workflowTaskCompletedEventId) === first)
    .map((a) => a?.activityType?.name ?? '');
}

/** The workflow task (its completed event's id) that set the `SessionStatus` search attribute to `status`. */
export async function taskSettingStatus(handle: WorkflowHandle, status: string): Promise<number | undefined> {
  const upsert = ((await handle.fetchHistory()).events ?? [])
    .map((e) => e.upsertWorkflowSearchAttributesEventAttributes)
    .find((a) => {
      const data = a?.searchAttributes?.indexedFields?.SessionStatus?.data;
      return data != null && Buffer.from(data).toString('utf8') === JSON.stringify(status);
    });
  return upsert ? Number(upsert.workflowTaskCompletedEventId) : undefined;
}

/** The workflow task (its completed event's id) that scheduled the first `activity`. */
export async function taskScheduling(handle: WorkflowHandle, activity: string): Promise<number | undefined> {
  const scheduled = ((await handle.fetchHistory()).events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .find((a) => a?.activityType?.name === activity);
  return scheduled ? Number(scheduled.workflowTaskCompletedEventId) : undefined;
}
