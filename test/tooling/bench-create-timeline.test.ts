/**
 * The benchmark's account of where a create's time goes, read from a history's event types and times: the
 * waits between events summed by kind, up to the `podReady` signal (or a warm start's update).
 */
import proto from '@temporalio/proto';
import { createTimeline, timelineSection, type CreateTimeline } from '../../bench/create-timeline.js';

const { EventType } = proto.temporal.api.enums.v1;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

const T0 = 1_796_000_000_000;
/** An event `ms` after the start, numbered in order (ids and seconds as numbers, which the reader accepts). */
function history(...events: [ms: number, event: Record<string, unknown>][]): HistoryEvent[] {
  return events.map(
    ([ms, e], i) =>
      ({
        ...e,
        eventId: i + 1,
        eventTime: { seconds: Math.floor((T0 + ms) / 1000), nanos: ((T0 + ms) % 1000) * 1e6 },
      }) as unknown as HistoryEvent,
  );
}
const id = (n: number) => n;

// 1 started, 2–4 first workflow task, 5–7 the provisioning activity, 8–10 second task, 11 podReady, 12 a task after.
const cold = history(
  [0, { eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED }],
  [0, { eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED }],
  [
    3,
    {
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      workflowTaskStartedEventAttributes: { scheduledEventId: id(2) },
    },
  ],
  [
    13,
    {
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      workflowTaskCompletedEventAttributes: { startedEventId: id(3) },
    },
  ],
  [14, { eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED }],
  [
    15,
    {
      eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
      activityTaskStartedEventAttributes: { scheduledEventId: id(5) },
    },
  ],
  [
    47,
    {
      eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
      activityTaskCompletedEventAttributes: { startedEventId: id(6) },
    },
  ],
  [47, { eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED }],
  [
    53,
    {
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      workflowTaskStartedEventAttributes: { scheduledEventId: id(8) },
    },
  ],
  [
    68,
    {
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      workflowTaskCompletedEventAttributes: { startedEventId: id(9) },
    },
  ],
  [
    70,
    {
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      workflowExecutionSignaledEventAttributes: { signalName: 'podReady' },
    },
  ],
  [71, { eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED }],
  [
    72,
    {
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      workflowTaskStartedEventAttributes: { scheduledEventId: id(12) },
    },
  ],
);

test('a cold create runs at its podReady signal: the waits before it, summed by kind', () => {
  expect(createTimeline(cold)).toEqual({
    toRunningMs: 70,
    workflowTasks: 2,
    workflowTaskWaitMs: 3 + 6,
    workflowTaskRunMs: 10 + 15,
    activities: 1,
    activityWaitMs: 1,
    activityRunMs: 32,
    readyAfterActivityMs: 23,
  });
});

test('a signal other than podReady is not running, and a warm start runs when its create update completes', () => {
  const warm = history(
    [0, { eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED }],
    [
      1,
      {
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        workflowExecutionSignaledEventAttributes: { signalName: 'podGone' },
      },
    ],
    [2, { eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED }],
    [
      4,
      {
        eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        workflowTaskStartedEventAttributes: { scheduledEventId: id(3) },
      },
    ],
    [
      9,
      {
        eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        workflowTaskCompletedEventAttributes: { startedEventId: id(4) },
      },
    ],
    [9, { eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED }],
  );
  const timeline = createTimeline(warm);
  expect(timeline).toMatchObject({ toRunningMs: 9, workflowTasks: 1, workflowTaskWaitMs: 2, workflowTaskRunMs: 5 });
  expect(timeline?.readyAfterActivityMs).toBeUndefined();
});

test('a create that never ran has no timeline', () => {
  expect(createTimeline(cold.slice(0, 10))).toBeUndefined();
  expect(createTimeline([])).toBeUndefined();
});

test('the section has a column per sample read, each cell the p50 of its creates, and nothing when none was read', () => {
  const at = (toRunningMs: number): CreateTimeline => ({ ...createTimeline(cold)!, toRunningMs });
  const lines = timelineSection([
    { label: 'sequential', timelines: [at(60), at(70), at(200)], apiP50Ms: 99 },
    { label: 'one create at 0', timelines: [] },
    { label: 'one create at load', timelines: [at(95)], apiP50Ms: 131 },
  ]).join('\n');
  expect(lines).toContain('| part | sequential (n=3) | one create at load (n=1) |');
  expect(lines).toContain('| workflow start → running | 70 ms | 95 ms |');
  expect(lines).toContain('| pod Ready after the last activity (the informer’s signal) | 23 ms | 23 ms |');
  expect(lines).toContain('| workflow tasks / activities until running (p50) | 2 / 1 | 2 / 1 |');
  expect(lines).toContain('| API create → running (p50), for comparison | 99 ms | 131 ms |');
  expect(lines).not.toContain('one create at 0');
  expect(timelineSection([{ label: 'sequential', timelines: [] }])).toEqual([]);
});
