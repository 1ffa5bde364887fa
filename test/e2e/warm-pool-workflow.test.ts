/**
 * The warm pool workflow on the real stack: the real worker (started with a pools file, as in production)
 * keeps a pool of its own filled, refills it after a claim, replaces lost pods, rolls a changed profile and
 * follows its size Schedule.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createWarmPoolActivities } from '../../activities/warm-pool.js';
import { loadConfig } from '../../src/config.js';
import { isPodReady } from '../../src/k8s/pod-status.js';
import { templateHash } from '../../src/k8s/warm-pod.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { ensureWarmPools, loadWarmPoolProfiles, notifyPoolClaimed } from '../../src/temporal/warm-pools.js';
import { runWorker } from '../../src/worker.js';
import { getWarmPoolStateQuery, warmPoolScheduleId, warmPoolWorkflowId } from '../../workflows/contract/warm-pool.js';
import { stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import {
  isAvailable,
  isClaimed,
  kube,
  poolPods,
  removePool,
  templateOfPod,
  untilReadyAvailable,
} from '../support/warm.js';

const pool = `w${uniqueSuffix()}`;
const dir = mkdtempSync(join(tmpdir(), 'warm-pool-'));
const poolsFile = join(dir, 'pools.yaml');
writeFileSync(
  poolsFile,
  JSON.stringify({
    pools: [
      {
        name: pool,
        image: `example.invalid/agentapi:${pool}`,
        tolerations: [{ key: 'spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
        min: 3,
        max: 6,
        schedule: [{ cron: '0 0 1 1 *', size: 5 }],
      },
    ],
  }),
);
const config = loadConfig({
  ...stackServiceEnv(`warm-pool-${uniqueSuffix()}`, `k1:${randomBytes(32).toString('base64')}`),
  AGENTAPI_K8S_SESSION_WARM_POOLS_FILE: poolsFile,
  // Far beyond the test's length: refills and replacements must come from the claim and the warm pod watch.
  AGENTAPI_K8S_SESSION_WARM_POOL_RESYNC: '10m',
  LOG_LEVEL: 'warn',
});
const [profile] = loadWarmPoolProfiles(config);
let client: Client;
const stopWorker = new AbortController();
let workerDone: Promise<void>;

beforeAll(async () => {
  client = await createTemporalClient(config);
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  workerDone = runWorker({ config, signal: stopWorker.signal, onReady: ready });
  await Promise.race([isReady, workerDone]);
}, 120_000);

afterAll(async () => {
  await client?.workflow
    .getHandle(warmPoolWorkflowId(pool))
    .terminate('test done')
    .catch(() => undefined);
  await client?.schedule
    .getHandle(warmPoolScheduleId(pool, 0))
    .delete()
    .catch(() => undefined);
  stopWorker.abort();
  await workerDone;
  await client?.connection.close();
  await removePool(pool);
  rmSync(dir, { recursive: true, force: true });
});

test('the worker starts the pool, which fills to min and refills after each claim', async () => {
  await untilReadyAvailable(pool, 3);
  const acts = createWarmPoolActivities({
    clients: kube,
    provisionUrl: config.warmPoolProvisionUrl,
    notifyClaimed: (p) => notifyPoolClaimed(client, p),
  });
  const claimed = await acts.claimWarmPod({ sessionId: `s-${uniqueSuffix()}`, user: 'u', template: profile!.template });
  expect(claimed?.pool).toBe(pool);
  const pods = await untilReadyAvailable(pool, 3);
  expect(pods.map((p) => p.metadata?.name)).not.toContain(claimed?.podName);
  // The claimed pod belongs to its session now: the pool neither deletes it nor counts it.
  expect((await poolPods(pool)).filter(isClaimed).map((p) => p.metadata?.name)).toEqual([claimed?.podName]);
  const state = await client.workflow.getHandle(warmPoolWorkflowId(pool)).query(getWarmPoolStateQuery);
  expect(state).toMatchObject({ pool, target: 3, min: 3, max: 6 });
});

test('a warm pod that is lost is replaced', async () => {
  const [victim] = await untilReadyAvailable(pool, 3);
  await kube.core.deleteNamespacedPod({
    name: victim!.metadata!.name!,
    namespace: profile!.template.namespace,
    gracePeriodSeconds: 0,
  });
  const pods = await eventually(
    'the lost warm pod to be replaced',
    async () => {
      const all = (await poolPods(pool)).filter(isAvailable);
      const names = all.map((p) => p.metadata?.name);
      return all.length === 3 && all.every(isPodReady) && !names.includes(victim!.metadata!.name) ? all : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  expect(pods).toHaveLength(3);
});

test('a changed profile drains and replaces every available pod, keeping at least min-1 Ready ones meanwhile', async () => {
  await untilReadyAvailable(pool, 3);
  const changed = { ...profile!, template: { ...profile!.template, image: `${profile!.template.image}-v2` } };
  const newHash = templateHash(changed.template);
  let fewestReady = Number.POSITIVE_INFINITY;
  await ensureWarmPools(client, [changed], config);
  await eventually(
    'every available pod to run the new template',
    async () => {
      const available = (await poolPods(pool)).filter(isAvailable);
      fewestReady = Math.min(fewestReady, available.filter(isPodReady).length);
      const current = available.filter((p) => templateOfPod(p) === newHash && isPodReady(p));
      return current.length === 3 && available.length === 3 ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 100 },
  );
  expect(fewestReady).toBeGreaterThanOrEqual(2);
  // Claimed pods are sessions' pods: a profile change never touches them.
  expect((await poolPods(pool)).filter(isClaimed)).toHaveLength(1);
});

test('the pool follows its size Schedule', async () => {
  const schedule = client.schedule.getHandle(warmPoolScheduleId(pool, 0));
  const described = await schedule.describe();
  expect(described.spec.calendars?.length ?? 0).toBeGreaterThan(0);
  await schedule.trigger();
  await eventually(
    'the pool to grow to the scheduled size',
    async () => {
      const state = await client.workflow.getHandle(warmPoolWorkflowId(pool)).query(getWarmPoolStateQuery);
      return state.target === 5 ? state : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  const pods = await eventually(
    'five Ready available pods',
    async () => {
      const ready = (await poolPods(pool)).filter((p) => isAvailable(p) && isPodReady(p));
      return ready.length === 5 ? ready : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  expect(pods).toHaveLength(5);
});
