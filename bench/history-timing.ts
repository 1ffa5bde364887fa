/**
 * Where the creates of a task queue spent their time, from their Temporal histories alone (event types
 * and times, no payloads): `npx tsx bench/history-timing.ts <task queue> [sessions] [filter]` — e.g. the
 * task queue of a benchmark run (`bench-<run id>`), with an optional visibility filter such as
 * `StartTime > "2026-12-05T17:47:05Z"`. The parts are those of the report's section
 * (`bench/create-timeline.ts`), here with their mean and p95 as well.
 */
import { loadConfig } from '../src/config.js';
import { createTemporalClient } from '../src/temporal/client.js';
import { stackServiceEnv } from '../test/support/stack.js';
import { TIMELINE_PARTS, createTimeline, type CreateTimeline } from './create-timeline.js';
import { percentile } from './stats.js';

const [taskQueue, count = '40', filter] = process.argv.slice(2);
if (!taskQueue) throw new Error('usage: history-timing.ts <task queue> [sessions] [extra visibility filter]');
const config = loadConfig(stackServiceEnv(taskQueue, `k:${Buffer.alloc(32).toString('base64')}`));
const client = await createTemporalClient(config);
const timelines: CreateTimeline[] = [];
for await (const wf of client.workflow.list({
  query: `TaskQueue = "${taskQueue}"${filter ? ` AND ${filter}` : ''}`,
  pageSize: 100,
})) {
  if (timelines.length >= Number(count)) break;
  const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
  const timeline = createTimeline(history.events ?? []);
  if (timeline) timelines.push(timeline);
}
await client.connection.close();

const counts: [string, (t: CreateTimeline) => number][] = [
  ['workflow tasks until running', (t) => t.workflowTasks],
  ['activities until running', (t) => t.activities],
];
const parts = [
  ...TIMELINE_PARTS.map(([part, get]) => [part, get, 'ms'] as const),
  ...counts.map(([part, get]) => [part, get, ''] as const),
];
console.log(`${timelines.length} sessions of task queue ${taskQueue}, from workflow start to running:`);
console.log('| part | mean | p50 | p95 |\n| --- | --- | --- | --- |');
for (const [part, get, unit] of parts) {
  const xs = timelines.map(get).filter((v): v is number => v !== undefined);
  if (!xs.length) continue;
  const f = (v: number) => (unit ? `${Math.round(v)} ${unit}` : v.toFixed(1));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`| ${part} | ${f(mean)} | ${f(percentile(xs, 50))} | ${f(percentile(xs, 95))} |`);
}
