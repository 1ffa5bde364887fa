/**
 * Where a session's create time goes, from its Temporal history alone (event types and times, no
 * payloads): `npx tsx bench/history-timing.ts <task queue> [sessions] [filter]` — e.g. the task queue of a
 * benchmark run (`bench-<run id>`). For each session up to its `running` point it sums the waits between
 * history events: workflow tasks waiting for a worker (schedule → start) and running (start → complete),
 * activities waiting and running, and the wait for the pod informer's signal.
 */
import proto from '@temporalio/proto';
import { loadConfig } from '../src/config.js';
import { createTemporalClient } from '../src/temporal/client.js';
import { stackServiceEnv } from '../test/support/stack.js';

const { EventType } = proto.temporal.api.enums.v1;
type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;
const tsMs = (t: Timestamp) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);

const [taskQueue, count = '40', filter] = process.argv.slice(2);
if (!taskQueue) throw new Error('usage: history-timing.ts <task queue> [sessions] [extra visibility filter]');
const config = loadConfig(stackServiceEnv(taskQueue, `k:${Buffer.alloc(32).toString('base64')}`));
const client = await createTemporalClient(config);
const totals = new Map<string, number[]>();
const add = (k: string, v: number) => totals.set(k, [...(totals.get(k) ?? []), v]);
let n = 0;
for await (const wf of client.workflow.list({
  query: `TaskQueue = "${taskQueue}"${filter ? ` AND ${filter}` : ''}`,
  pageSize: 100,
})) {
  if (n >= Number(count)) break;
  const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
  const events = history.events ?? [];
  const t0 = tsMs(events[0]?.eventTime as Timestamp);
  const at = new Map<number, number>();
  let activities = 0;
  const sum = new Map<string, number>();
  const acc = (k: string, v: number) => sum.set(k, (sum.get(k) ?? 0) + v);
  let runningAt = NaN;
  let lastActivityDone = NaN;
  for (const e of events) {
    const t = tsMs(e.eventTime as Timestamp);
    const id = Number(e.eventId);
    at.set(id, t);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        acc(
          'workflow task: waiting for a worker',
          t - at.get(Number(e.workflowTaskStartedEventAttributes!.scheduledEventId))!,
        );
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        acc(
          'workflow task: running in the worker',
          t - at.get(Number(e.workflowTaskCompletedEventAttributes!.startedEventId))!,
        );
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        activities++;
        acc(
          'activity: waiting for a worker',
          t - at.get(Number(e.activityTaskStartedEventAttributes!.scheduledEventId))!,
        );
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        acc(
          'activity: running (Kubernetes calls)',
          t - at.get(Number(e.activityTaskCompletedEventAttributes!.startedEventId))!,
        );
        lastActivityDone = t;
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        // A local activity runs inside its workflow task's "running in the worker" time.
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') acc('local activities', 1);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
        // A warm start has no Ready signal (its pod was Ready before): the create's update says running.
        if (Number.isNaN(runningAt)) runningAt = t;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        if (e.workflowExecutionSignaledEventAttributes?.signalName === 'podReady' && Number.isNaN(runningAt)) {
          acc('pod Ready signal: after the provisioning activity', t - lastActivityDone);
          runningAt = t;
        }
        break;
    }
    if (!Number.isNaN(runningAt)) break;
  }
  if (Number.isNaN(runningAt)) continue;
  n++;
  add('start → running (podReady signal, or the create update for a warm start)', runningAt - t0);
  add('activities before running', activities);
  for (const [k, v] of sum) add(k, v);
}
await client.connection.close();
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
console.log(`${n} sessions of task queue ${taskQueue}, from workflow start to running:`);
console.log('| part | mean | p50 | p95 |\n| --- | --- | --- | --- |');
for (const [k, xs] of totals) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const f = (v: number) => (k.startsWith('activities') ? v.toFixed(1) : `${Math.round(v)} ms`);
  console.log(`| ${k} | ${f(mean)} | ${f(pct(xs, 50))} | ${f(pct(xs, 95))} |`);
}
