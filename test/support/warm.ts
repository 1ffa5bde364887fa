/** Warm pool fixtures on the stack: a profile of a pool of the test's own (unique name and image). */
import type * as k8s from '@kubernetes/client-node';
import { createKubeClients } from '../../src/k8s/client.js';
import { isPodReady } from '../../src/k8s/pod-status.js';
import { WARM_STATE_LABEL, WARM_TEMPLATE_LABEL, WarmState, poolSelector } from '../../src/k8s/warm-pod.js';
import { templateOf } from '../../src/session/warm-pool.js';
import { type WarmPoolProfile } from '../../workflows/contract/warm-pool.js';
import { testSessionSpec } from './session-spec.js';
import { stackEnv, stackKubeConfig, uniqueSuffix } from './stack.js';
import { eventually } from './wait.js';

export const kube = createKubeClients(stackKubeConfig());
const namespace = () => stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;

/** A profile no other test shares: its own pool name and its own image, hence its own template. */
export function warmProfile(overrides: Partial<WarmPoolProfile> = {}): WarmPoolProfile {
  const name = `t${uniqueSuffix()}`;
  const spec = testSessionSpec({
    image: `example.invalid/agentapi:${name}`,
    // The stack's Spot nodes are tainted like a real Spot pool.
    placement: {
      nodeSelector: {},
      tolerations: [{ key: 'spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
    },
  });
  return { name, template: templateOf(spec), min: 3, max: 10, schedule: [], timezone: 'UTC', ...overrides };
}

export async function poolPods(pool: string): Promise<k8s.V1Pod[]> {
  const list = await kube.core.listNamespacedPod({ namespace: namespace(), labelSelector: poolSelector(pool) });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

export const isAvailable = (p: k8s.V1Pod): boolean => p.metadata?.labels?.[WARM_STATE_LABEL] === WarmState.Available;
export const isClaimed = (p: k8s.V1Pod): boolean => p.metadata?.labels?.[WARM_STATE_LABEL] === WarmState.Claimed;
export const templateOfPod = (p: k8s.V1Pod): string | undefined => p.metadata?.labels?.[WARM_TEMPLATE_LABEL];

/** Waits until the pool has exactly `count` Ready available pods (optionally of one template). */
export async function untilReadyAvailable(pool: string, count: number, template?: string): Promise<k8s.V1Pod[]> {
  return eventually(
    `${count} Ready available pods in warm pool ${pool}`,
    async () => {
      const pods = (await poolPods(pool)).filter(isAvailable);
      const ok = pods.filter((p) => isPodReady(p) && (!template || templateOfPod(p) === template));
      return ok.length === count && pods.length === count ? pods : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}

/** Removes every pod and token Secret of a pool. */
export async function removePool(pool: string): Promise<void> {
  const ns = namespace();
  await kube.core
    .deleteCollectionNamespacedPod({ namespace: ns, labelSelector: poolSelector(pool), gracePeriodSeconds: 0 })
    .catch(() => undefined);
  await kube.core
    .deleteCollectionNamespacedSecret({ namespace: ns, labelSelector: `agentapi.proxy/warm-pool=${pool}` })
    .catch(() => undefined);
}
