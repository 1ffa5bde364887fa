/**
 * Where a create's time goes, from its Temporal history alone (event types and times, no payloads): from
 * the workflow's start to `running` — the pod informer's `podReady` signal, or the create update's
 * completion for a warm start (its pod was Ready before) — the waits between history events, summed by
 * kind. The API's create → running adds what comes before the start (admission) and after the signal
 * (the workflow task that records it and the update's outcome).
 */
import proto from '@temporalio/proto';
import type { BenchRun } from './env.js';
import { readSessionHistories } from './history.js';
import { table } from './report-sections.js';
import { percentile } from './stats.js';

const { EventType } = proto.temporal.api.enums.v1;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;
const tsMs = (t: Timestamp) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);

export interface CreateTimeline {
  /** Workflow start → running. */
  toRunningMs: number;
  workflowTasks: number;
  /** Workflow tasks, scheduled → started: waiting for a worker's poll, through the server's queues. */
  workflowTaskWaitMs: number;
  /** Workflow tasks, started → completed: the worker's activation and the completion's round trip. */
  workflowTaskRunMs: number;
  activities: number;
  activityWaitMs: number;
  /** The activities' own time: their Kubernetes calls. */
  activityRunMs: number;
  /** Last activity completed → `podReady`: the pod's start as the informer saw it; absent for a warm start. */
  readyAfterActivityMs?: number;
}

/** The timeline of the create in `events` (a session's history from its first event); undefined if it never ran. */
export function createTimeline(events: readonly HistoryEvent[]): CreateTimeline | undefined {
  const at = new Map<number, number>();
  const t: CreateTimeline = {
    toRunningMs: NaN,
    workflowTasks: 0,
    workflowTaskWaitMs: 0,
    workflowTaskRunMs: 0,
    activities: 0,
    activityWaitMs: 0,
    activityRunMs: 0,
  };
  const since = (id: unknown, now: number) => now - (at.get(Number(id)) ?? now);
  const t0 = tsMs(events[0]?.eventTime as Timestamp);
  let lastActivityDone = NaN;
  for (const e of events) {
    const now = tsMs(e.eventTime as Timestamp);
    at.set(Number(e.eventId), now);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        t.workflowTasks++;
        t.workflowTaskWaitMs += since(e.workflowTaskStartedEventAttributes?.scheduledEventId, now);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        t.workflowTaskRunMs += since(e.workflowTaskCompletedEventAttributes?.startedEventId, now);
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        t.activities++;
        t.activityWaitMs += since(e.activityTaskStartedEventAttributes?.scheduledEventId, now);
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        t.activityRunMs += since(e.activityTaskCompletedEventAttributes?.startedEventId, now);
        lastActivityDone = now;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
        return { ...t, toRunningMs: now - t0 };
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        if (e.workflowExecutionSignaledEventAttributes?.signalName === 'podReady') {
          return { ...t, toRunningMs: now - t0, readyAfterActivityMs: now - lastActivityDone };
        }
        break;
    }
  }
  return undefined;
}

/** The create timelines of `sessionIds` (their latest runs); a history that cannot be read is skipped. */
export async function readCreateTimelines(run: BenchRun, sessionIds: readonly string[]): Promise<CreateTimeline[]> {
  const out: CreateTimeline[] = [];
  await readSessionHistories(run, sessionIds, (_sessionId, history) => {
    const timeline = createTimeline(history.events ?? []);
    if (timeline) out.push(timeline);
  });
  return out;
}

export interface TimelineSample {
  label: string;
  timelines: readonly CreateTimeline[];
  /** The same creates' API create → running p50, ms. */
  apiP50Ms?: number;
}

/** The timed parts of a create, as the report and `bench/history-timing.ts` name them. */
export const TIMELINE_PARTS: [string, (t: CreateTimeline) => number | undefined][] = [
  ['workflow start → running', (t) => t.toRunningMs],
  ['workflow tasks: waiting for a worker (scheduled → started)', (t) => t.workflowTaskWaitMs],
  ['workflow tasks: running (started → completed)', (t) => t.workflowTaskRunMs],
  ['activities: waiting for a worker', (t) => t.activityWaitMs],
  ['activities: running (the Kubernetes calls)', (t) => t.activityRunMs],
  ['pod Ready after the last activity (the informer’s signal)', (t) => t.readyAfterActivityMs],
];

const p50 = (values: number[]) => (values.length ? percentile(values, 50) : NaN);
const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : '—');

/** The report's section: the p50 of each part, per sample of creates; absent when no history was read. */
export function timelineSection(samples: readonly TimelineSample[]): string[] {
  const read = samples.filter((s) => s.timelines.length > 0);
  if (!read.length) return [];
  const column = (get: (t: CreateTimeline) => number | undefined) =>
    read.map((s) => ms(p50(s.timelines.map(get).filter((v): v is number => v !== undefined))));
  const rows = [
    ...TIMELINE_PARTS.map(([part, get]) => [part, ...column(get)]),
    ['workflow tasks / activities until running (p50)', ...read.map((s) => countsOf(s.timelines))],
    ['API create → running (p50), for comparison', ...read.map((s) => ms(s.apiP50Ms ?? NaN))],
  ];
  return [
    '## Where a create’s time goes (its Temporal history)',
    '',
    'From each create’s workflow history (event times only, `bench/create-timeline.ts`): workflow start →',
    'running (the `podReady` signal; for a warm start, the create update’s completion) and the waits between',
    'its events, summed by kind per create; each cell is the p50 over the creates, so the parts need not add',
    'up. The API’s create → running also holds the admission before the start, and the workflow task that',
    'records the signal and the update’s outcome after it.',
    '',
    table(['part', ...read.map((s) => `${s.label} (n=${s.timelines.length})`)], rows),
    '',
  ];
}

function countsOf(timelines: readonly CreateTimeline[]): string {
  return `${p50(timelines.map((t) => t.workflowTasks))} / ${p50(timelines.map((t) => t.activities))}`;
}
