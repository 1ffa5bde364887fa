/**
 * Claiming warm pods on the real stack: the optimistic label flip against the real kube-apiserver, with
 * pools filled by the real reconcile activity.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createWarmPoolActivities } from '../../activities/warm-pool.js';
import { claimWarmPod } from '../../activities/warm-claim.js';
import { SESSION_ID_LABEL, USER_LABEL } from '../../src/k8s/labels.js';
import { userLabelValue } from '../../src/k8s/names.js';
import { templateHash } from '../../src/k8s/warm-pod.js';
import { createWarmPoolMetrics } from '../../src/metrics/warm-pool.js';
import { uniqueSuffix } from '../support/stack.js';
import {
  isAvailable,
  isClaimed,
  kube,
  poolPods,
  removePool,
  untilReadyAvailable,
  warmProfile,
} from '../support/warm.js';

const acts = createWarmPoolActivities({
  clients: kube,
  provisionUrl: 'http://127.0.0.1:1/internal/v1/provision',
  logger: pino({ level: 'silent' }),
});
const pools: string[] = [];
afterAll(async () => {
  await Promise.all(pools.map(removePool));
});

test('20 concurrent claims on a pool of 10 give 10 distinct pods to 10 sessions and 10 cold starts, never a pod twice', async () => {
  const profile = warmProfile({ min: 10, max: 10 });
  pools.push(profile.name);
  await acts.reconcileWarmPool(profile, 10);
  await untilReadyAvailable(profile.name, 10);

  const registry = new Registry();
  const metrics = createWarmPoolMetrics({ registry });
  const sessions = Array.from({ length: 20 }, (_, i) => ({ sessionId: `c-${uniqueSuffix()}-${i}`, user: `u${i}@x` }));
  const results = await Promise.all(
    sessions.map((s) => claimWarmPod(kube.core, { ...s, template: profile.template }, { metrics })),
  );

  const hits = results.filter((r) => r !== undefined);
  expect(hits).toHaveLength(10);
  expect(new Set(hits.map((h) => h!.podName)).size).toBe(10);
  expect(results.filter((r) => r === undefined)).toHaveLength(10);
  // The cluster agrees: each pod is claimed by exactly the session that was told it won it.
  const pods = await poolPods(profile.name);
  expect(pods.filter(isAvailable)).toHaveLength(0);
  const owner = new Map(pods.filter(isClaimed).map((p) => [p.metadata!.name!, p.metadata!.labels!]));
  sessions.forEach((s, i) => {
    const won = results[i];
    if (!won) return;
    expect(owner.get(won.podName)?.[SESSION_ID_LABEL]).toBe(s.sessionId);
    expect(owner.get(won.podName)?.[USER_LABEL]).toBe(userLabelValue(s.user));
  });
  const text = await registry.metrics();
  expect(text).toContain(`warm_pool_claims_total{pool="${profile.name}",result="hit"} 10`);
  expect(text).toMatch(/warm_pool_claims_total\{pool="[^"]+",result="miss"\} 10/);
});

test('a claim with no matching pool, or on an empty pool, returns nothing so the session starts cold', async () => {
  const profile = warmProfile({ min: 1, max: 1 });
  pools.push(profile.name);
  const noPool = await claimWarmPod(kube.core, {
    sessionId: `n-${uniqueSuffix()}`,
    user: 'u',
    template: profile.template,
  });
  expect(noPool).toBeUndefined();

  await acts.reconcileWarmPool(profile, 1);
  await untilReadyAvailable(profile.name, 1);
  const first = await claimWarmPod(kube.core, {
    sessionId: `a-${uniqueSuffix()}`,
    user: 'u',
    template: profile.template,
  });
  expect(first).toBeDefined();
  const second = await claimWarmPod(kube.core, {
    sessionId: `b-${uniqueSuffix()}`,
    user: 'u',
    template: profile.template,
  });
  expect(second).toBeUndefined();
});

test('a claim only takes a pod of the same template: another image never matches', async () => {
  const profile = warmProfile({ min: 1, max: 1 });
  pools.push(profile.name);
  await acts.reconcileWarmPool(profile, 1);
  await untilReadyAvailable(profile.name, 1);
  const other = { ...profile.template, image: `${profile.template.image}-other` };
  expect(templateHash(other)).not.toBe(templateHash(profile.template));
  expect(
    await claimWarmPod(kube.core, { sessionId: `o-${uniqueSuffix()}`, user: 'u', template: other }),
  ).toBeUndefined();
  expect((await poolPods(profile.name)).filter(isAvailable)).toHaveLength(1);
});

test('a retried claim of the same session returns the pod it already claimed instead of taking a second', async () => {
  const profile = warmProfile({ min: 2, max: 2 });
  pools.push(profile.name);
  await acts.reconcileWarmPool(profile, 2);
  await untilReadyAvailable(profile.name, 2);
  const req = { sessionId: `r-${uniqueSuffix()}`, user: 'u', template: profile.template };
  const first = await claimWarmPod(kube.core, req);
  const again = await claimWarmPod(kube.core, req);
  expect(again?.podName).toBe(first?.podName);
  expect((await poolPods(profile.name)).filter(isAvailable)).toHaveLength(1);
});

test('a pod that changed after the claimer listed it (a status update, not a claim) is still claimed, not skipped for a cold start', async () => {
  const profile = warmProfile({ min: 1, max: 1 });
  pools.push(profile.name);
  await acts.reconcileWarmPool(profile, 1);
  await untilReadyAvailable(profile.name, 1);
  // Between the claimer's list and its replace, something else writes the pod (as a kubelet's status
  // update would): the replace then meets a real 409 from the apiserver for a pod nobody claimed.
  let interfered = false;
  const core = new Proxy(kube.core, {
    get(target, key, receiver) {
      if (key !== 'replaceNamespacedPod') return Reflect.get(target, key, receiver) as unknown;
      return async (request: Parameters<typeof kube.core.replaceNamespacedPod>[0]) => {
        if (!interfered) {
          interfered = true;
          const pod = await target.readNamespacedPod({ name: request.name, namespace: request.namespace });
          pod.metadata!.annotations = { ...pod.metadata!.annotations, 'test/touched': 'yes' };
          await target.replaceNamespacedPod({ name: request.name, namespace: request.namespace, body: pod });
        }
        return target.replaceNamespacedPod(request);
      };
    },
  });
  const req = { sessionId: `t-${uniqueSuffix()}`, user: 'u', template: profile.template };
  const claimed = await claimWarmPod(core, req);
  expect(interfered).toBe(true);
  expect(claimed).toBeDefined();
  const pods = await poolPods(profile.name);
  expect(pods.filter(isClaimed).map((p) => p.metadata!.labels![SESSION_ID_LABEL])).toEqual([req.sessionId]);
});
