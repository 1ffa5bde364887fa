/**
 * The worker process's two Prometheus listeners, as an operator scrapes them: its own `/metrics`
 * (WORKER_METRICS_PORT: reconciler, restarts, warm pools) and the Temporal SDK's (WORKER_SDK_METRICS_PORT:
 * task slots, workflow task failures). A workflow task that fails — here a workflow type no worker
 * defines, sent to the session task queue — is counted where the `SessionWorkflowTasksFailing` alert
 * reads it, and every `temporal_*` series deploy/monitoring reads is really served.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../src/config.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { exposedMetrics, monitoredMetrics } from '../support/monitoring-rules.js';
import { createOwnSessionNamespace } from '../support/own-namespace.js';
import { startWorkerProcess, type Child } from '../support/processes.js';
import { stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { freePort } from '../support/temporal-ui.js';
import { eventually } from '../support/wait.js';

const taskQueue = `session-worker-metrics-${uniqueSuffix()}`;
let env: Record<string, string>;
let worker: Child;
let client: Client;
let namespace: Awaited<ReturnType<typeof createOwnSessionNamespace>>;
let ownPort: number;
let sdkPort: number;

beforeAll(async () => {
  namespace = await createOwnSessionNamespace('so-worker-metrics');
  [ownPort, sdkPort] = [await freePort(), await freePort()];
  env = {
    ...stackServiceEnv(taskQueue, `m:${randomBytes(32).toString('base64')}`),
    AGENTAPI_K8S_SESSION_NAMESPACE: namespace.name,
    WORKER_METRICS_HOST: '127.0.0.1',
    WORKER_METRICS_PORT: String(ownPort),
    WORKER_SDK_METRICS_PORT: String(sdkPort),
    WORKER_MAX_CONCURRENT_ACTIVITIES: '37',
    LOG_LEVEL: 'info',
  };
  client = await createTemporalClient(loadConfig(env));
  worker = await startWorkerProcess('worker', env);
}, 180_000);

afterAll(async () => {
  worker?.kill();
  await client?.connection.close();
  await namespace?.remove();
});

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of the one series of `name` whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test("the SDK's listener shows this worker's task slots, the worker's own its metrics, each on its port", async () => {
  const sdk = await scrape(sdkPort);
  expect(
    sample(sdk, 'temporal_worker_task_slots_available', { task_queue: taskQueue, worker_type: 'ActivityWorker' }),
  ).toBe(37);
  expect(sample(sdk, 'temporal_num_pollers', { task_queue: taskQueue, poller_type: 'workflow_task' })).toBeGreaterThan(
    0,
  );
  const own = await scrape(ownPort);
  expect(exposedMetrics(own)).toContain('reconciler_deleted_total');
  expect([...exposedMetrics(own)].filter((n) => n.startsWith('temporal_'))).toEqual([]);
});

test('a workflow task that keeps failing is counted by type and reason, and the monitored SDK series exist', async () => {
  const workflowId = `worker-metrics-${uniqueSuffix()}`;
  const handle = await client.workflow.start('noSuchWorkflow', { taskQueue, workflowId, args: [] });
  try {
    const failures = await eventually(
      'the failed workflow task counted',
      async () => {
        const n = sample(await scrape(sdkPort), 'temporal_workflow_task_execution_failed_total', {
          task_queue: taskQueue,
          workflow_type: 'noSuchWorkflow',
          failure_reason: 'WorkflowError',
        });
        return n !== undefined && n >= 1 ? n : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(failures).toBeGreaterThanOrEqual(1);
    const served = exposedMetrics(await scrape(sdkPort));
    const read = [...monitoredMetrics()].filter((n) => n.startsWith('temporal_'));
    expect(read.length).toBeGreaterThanOrEqual(2);
    expect(read.filter((n) => !served.has(n))).toEqual([]);
  } finally {
    await handle.terminate('test over');
  }
});
