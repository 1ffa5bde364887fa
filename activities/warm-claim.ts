/**
 * Claiming a warm pod: an optimistic label flip. Every claimer (API or worker replica) lists the available
 * pods of the request's template and replaces one with its labels changed from `available` to `claimed`,
 * sending the resourceVersion it read. The API server accepts exactly one replace per resourceVersion, so
 * of concurrent claimers of one pod one wins and the rest get 409 and try the next candidate. A claimed pod
 * never goes back to the pool.
 */
import { randomInt } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { SESSION_ID_LABEL, USER_ANNOTATION, USER_LABEL } from '../src/k8s/labels.js';
import { userLabelValue } from '../src/k8s/names.js';
import { isPodReady } from '../src/k8s/pod-status.js';
import {
  CLAIMED_AT_ANNOTATION,
  WARM_POOL_LABEL,
  WARM_STATE_LABEL,
  WarmState,
  availableSelector,
  templateHash,
} from '../src/k8s/warm-pod.js';
import type { WarmPoolMetrics } from '../src/metrics/warm-pool.js';
import type { WarmTemplate } from '../workflows/contract/warm-pool.js';
import { isConflict, isNotFound, toKubeFailure } from './errors.js';
import type { ClaimedPod } from '../workflows/contract/activities.js';

export interface ClaimRequest {
  sessionId: string;
  user: string;
  template: WarmTemplate;
}

export interface ClaimOptions {
  metrics?: WarmPoolMetrics;
  /** Told after a successful claim, so the pool refills at once (e.g. signals the pool workflow). */
  onClaimed?: (pool: string) => Promise<void> | void;
}

/** Fisher-Yates: concurrent claimers start at different candidates instead of all racing for the first. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The pod as it looks once claimed by the session: the session's labels, so Services and informers find it. */
function claimedBody(pod: k8s.V1Pod, req: ClaimRequest, now: Date): k8s.V1Pod {
  return {
    ...pod,
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...pod.metadata,
      labels: {
        ...pod.metadata?.labels,
        [WARM_STATE_LABEL]: WarmState.Claimed,
        [SESSION_ID_LABEL]: req.sessionId,
        [USER_LABEL]: userLabelValue(req.user),
      },
      annotations: {
        ...pod.metadata?.annotations,
        [USER_ANNOTATION]: req.user,
        [CLAIMED_AT_ANNOTATION]: now.toISOString(),
      },
    },
  };
}

/**
 * Claims one Ready warm pod of the request's template for the session, or returns undefined when there is
 * none to take (the caller starts cold). Idempotent: a pod this session already claimed is returned again.
 */
export async function claimWarmPod(
  core: k8s.CoreV1Api,
  req: ClaimRequest,
  options: ClaimOptions = {},
): Promise<ClaimedPod | undefined> {
  const started = performance.now();
  const namespace = req.template.namespace;
  const observe = (result: 'hit' | 'miss', pool: string) => {
    options.metrics?.claims.inc({ pool, result });
    options.metrics?.claimSeconds.observe({ result }, (performance.now() - started) / 1000);
  };
  const toResult = (pod: k8s.V1Pod): ClaimedPod => ({
    podName: pod.metadata?.name ?? '',
    podUid: pod.metadata?.uid ?? '',
    pool: pod.metadata?.labels?.[WARM_POOL_LABEL] ?? '',
    nodeName: pod.spec?.nodeName ?? '',
  });

  // A retried activity must find the pod its first attempt claimed rather than take a second one. Both
  // lists at once, from the apiserver's watch cache (resourceVersion 0) rather than a quorum read of every
  // pod in etcd: a claim is on the path of every warm create. A stale candidate costs a 409 on the claim's
  // own compare-and-swap; a claim of a previous attempt missed by a stale list leaves an extra pod, which
  // goes with the session (deleteSessionWarmPods).
  const hash = templateHash(req.template);
  const fromCache = { resourceVersion: '0' };
  const [mine, list] = await Promise.all([
    core.listNamespacedPod({
      namespace,
      labelSelector: `${WARM_POOL_LABEL},${SESSION_ID_LABEL}=${req.sessionId}`,
      ...fromCache,
    }),
    core.listNamespacedPod({ namespace, labelSelector: availableSelector(hash), ...fromCache }),
  ]).catch((err: unknown) => {
    throw toKubeFailure(err, { verb: 'list', kind: 'Pod', namespace });
  });
  const already = mine.items.find((p) => !p.metadata?.deletionTimestamp);
  if (already) return toResult(already);

  let pool = list.items[0]?.metadata?.labels?.[WARM_POOL_LABEL] ?? 'none';
  /** Tries each Ready candidate once; the claimed pod, or undefined when every one was taken or gone. */
  const claimAmong = async (items: k8s.V1Pod[]): Promise<k8s.V1Pod | undefined> => {
    for (const pod of shuffled(items.filter((p) => !p.metadata?.deletionTimestamp && isPodReady(p)))) {
      const name = pod.metadata?.name ?? '';
      pool = pod.metadata?.labels?.[WARM_POOL_LABEL] ?? pool;
      try {
        return await core.replaceNamespacedPod({ name, namespace, body: claimedBody(pod, req, new Date()) });
      } catch (err) {
        // 409: another claimer flipped it first, or it merely changed (a status update); 404: deleted.
        if (!isConflict(err) && !isNotFound(err))
          throw toKubeFailure(err, { verb: 'update', kind: 'Pod', namespace, name });
      }
    }
    return undefined;
  };
  let claimed = await claimAmong(list.items);
  if (!claimed) {
    // The cached list may be behind: a 409 does not say the pod was taken (its status may merely have moved
    // on), and a pod turned Ready or added a moment ago is not in it yet. Once more from a fresh (quorum)
    // list before a cold start: that costs a miss a few milliseconds, a cold start seconds.
    const fresh = await core
      .listNamespacedPod({ namespace, labelSelector: availableSelector(hash) })
      .catch((err: unknown) => {
        throw toKubeFailure(err, { verb: 'list', kind: 'Pod', namespace });
      });
    claimed = await claimAmong(fresh.items);
  }
  if (claimed) {
    observe('hit', pool);
    // Not waited for: the claim stands even if the pool cannot be told (its periodic reconcile refills it
    // anyway), and the session should not wait for its pool's refill signal.
    void Promise.resolve()
      .then(() => options.onClaimed?.(pool))
      .catch(() => undefined);
    return toResult(claimed);
  }
  observe('miss', pool);
  return undefined;
}

/**
 * Deletes every warm pod claimed for the session. Normally that is its one pod, already deleted by then; but
 * a claim attempt that timed out under load may still have won a pod after its retry won another, and such
 * a pod belongs to nobody else: it goes with the session (a claimed pod never returns to the pool).
 */
export async function deleteSessionWarmPods(
  core: k8s.CoreV1Api,
  namespace: string,
  sessionId: string,
): Promise<string[]> {
  const list = await core
    .listNamespacedPod({ namespace, labelSelector: `${WARM_POOL_LABEL},${SESSION_ID_LABEL}=${sessionId}` })
    .catch((err: unknown) => {
      throw toKubeFailure(err, { verb: 'list', kind: 'Pod', namespace });
    });
  const deleted: string[] = [];
  for (const pod of list.items) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.labels?.[WARM_STATE_LABEL] !== WarmState.Claimed || pod.metadata?.deletionTimestamp) continue;
    try {
      await core.deleteNamespacedPod({
        name,
        namespace,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } },
      });
      deleted.push(`Pod/${name}`);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) continue;
      throw toKubeFailure(err, { verb: 'delete', kind: 'Pod', namespace, name });
    }
  }
  return deleted;
}
