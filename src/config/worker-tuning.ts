/**
 * Worker tuning (what bounds the worker at thousands of sessions): concurrency, the sticky workflow cache and its queue timeout, the workflow bundle.
 */
import { z } from 'zod';
import { int, seconds, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc('WORKER_MAX_CONCURRENT_ACTIVITIES', '100', 'Activities one worker runs at once (none waits on a pod)')]:
    int(100),
  [doc('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '40', 'Workflow tasks one worker runs at once; at least 2')]: int(40, 2),
  // The SDK's default sizes the cache to the heap limit (~2,400 workflows at Node's 4 GiB): with thousands
  // of sessions the worker held nearly all of them and passed 1 GiB of RSS in the benchmark. A running
  // session has no timer but its deadline, so an evicted one replays its short history only when something
  // happens to it; 500 keeps every session that is starting or changing warm. Measured at full scale
  // (3,000 running, 300 of them followed): 250 saves 124 MiB of RSS (878 vs 1,002 MiB) but quadruples the
  // step-to-stream p95 (1,882 vs 477 ms: the followed sessions no longer fit and replay on each step).
  // Below 1 GiB either way; the latency decides.
  [doc(
    'WORKER_MAX_CACHED_WORKFLOWS',
    '500',
    'Session workflows kept in the sticky cache (bounds worker memory): 0 (caching off, every task replays) or at least 2',
  )]: z.coerce
    .number({ error: 'must be a number' })
    .int()
    .refine((n) => n === 0 || n >= 2, 'must be 0 or at least 2')
    .default(500),
  [doc(
    'WORKER_STICKY_QUEUE_TIMEOUT',
    '10s',
    "How long a cached workflow's task waits for its worker before any worker takes it",
  )]: seconds(10).refine((s) => s > 0, 'must be more than zero'),
  [doc(
    'WORKER_WORKFLOW_BUNDLE',
    '(unset: bundled at start)',
    'A workflow bundle built by `npm run build:bundle` (the image sets it); bundling at start keeps ≈ 90 MiB more RSS',
  )]: z.string().min(1).optional(),
};

function read(e: ParsedEnv) {
  return {
    workerMaxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES as number,
    workerMaxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS as number,
    workerMaxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS as number,
    workerStickyQueueTimeoutSeconds: e.WORKER_STICKY_QUEUE_TIMEOUT as number,
    workerWorkflowBundle: e.WORKER_WORKFLOW_BUNDLE as string | undefined,
  };
}

export const workerTuningEnv = { docs, schema, read };
