/**
 * The warm pool workflow's own decisions on the stack's real Temporal server, with an in-memory reconcile
 * activity: when it reconciles, with which target and profile, and what survives continue-as-new.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { WarmPoolActivities } from '../../workflows/contract/activities.js';
import type { ReconcileResult } from '../../workflows/contract/activities.js';
import type { WarmPoolProfile } from '../../workflows/contract/warm-pool.js';
import { templateOf } from '../../src/session/warm-pool.js';
import type { warmPoolWorkflow } from '../../workflows/warm-pool.js';
import {
  getWarmPoolStateQuery,
  warmPoolClaimedSignal,
  warmPoolProfileSignal,
  warmPoolResizeSignal,
  warmPoolWorkflowId,
  warmPoolWorkflowType,
} from '../../workflows/contract/warm-pool.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { testWorkflowBundle } from '../support/workflow-code.js';

const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = stackEnv();
const taskQueue = `warm-pool-workflow-test-${uniqueSuffix()}`;
const calls: { pool: string; image: string; target: number }[] = [];
const activities: WarmPoolActivities = {
  async reconcileWarmPool(profile, target): Promise<ReconcileResult> {
    calls.push({ pool: profile.name, image: profile.template.image, target });
    return {
      templateHash: 'h',
      available: target,
      ready: target,
      outdated: 0,
      claimed: 0,
      created: [],
      deleted: [],
      converged: true,
    };
  },
};

let client: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let workerRun: Promise<void>;

beforeAll(async () => {
  client = new Client({
    connection: await Connection.connect({ address: TEMPORAL_ADDRESS }),
    namespace: TEMPORAL_NAMESPACE,
  });
  nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  worker = await Worker.create({
    connection: nativeConnection,
    namespace: TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: await testWorkflowBundle(),
    activities,
  });
  workerRun = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await nativeConnection?.close();
  await client?.connection.close();
});

function profile(name: string): WarmPoolProfile {
  return { name, template: templateOf(testSessionSpec()), min: 2, max: 8, schedule: [], timezone: 'UTC' };
}
const callsOf = (pool: string) => calls.filter((c) => c.pool === pool);

test('every claim, resize and profile change reconciles at once; the target is clamped and survives continue-as-new', async () => {
  const p = profile(`p${uniqueSuffix()}`);
  const handle = await client.workflow.start<typeof warmPoolWorkflow>(warmPoolWorkflowType, {
    workflowId: warmPoolWorkflowId(p.name),
    taskQueue,
    // No timer fires during the test: every reconcile after the first is caused by a message.
    args: [{ profile: p, reconcileSeconds: 3600, historyLimit: 40 }],
  });
  try {
    await eventually('the first reconcile', async () => (callsOf(p.name).length === 1 ? true : undefined));
    expect(callsOf(p.name)[0]!.target).toBe(2);

    await handle.signal(warmPoolResizeSignal, { size: 50 });
    await eventually('a reconcile at the clamped size', async () =>
      callsOf(p.name).some((c) => c.target === 8) ? true : undefined,
    );
    const changed = { ...p, template: { ...p.template, image: 'example.invalid/agentapi:v2' } };
    await handle.signal(warmPoolProfileSignal, changed);
    await eventually('a reconcile with the new profile', async () =>
      callsOf(p.name).some((c) => c.image === 'example.invalid/agentapi:v2') ? true : undefined,
    );

    const firstRunId = (await handle.describe()).runId;
    for (let i = 0; i < 15; i++) {
      const before = callsOf(p.name).length;
      await handle.signal(warmPoolClaimedSignal, {});
      await eventually('a reconcile after the claim', async () => (callsOf(p.name).length > before ? true : undefined));
    }
    const latest = client.workflow.getHandle(warmPoolWorkflowId(p.name));
    expect((await latest.describe()).runId).not.toBe(firstRunId);
    expect(await latest.query(getWarmPoolStateQuery)).toMatchObject({ target: 8, pool: p.name });
    expect(callsOf(p.name).at(-1)).toMatchObject({ target: 8, image: 'example.invalid/agentapi:v2' });
  } finally {
    await client.workflow
      .getHandle(warmPoolWorkflowId(p.name))
      .terminate('test done')
      .catch(() => undefined);
  }
});
