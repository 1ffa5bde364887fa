/**
 * Activities of the warm pool workflow. `reconcileWarmPool` is level-triggered: it looks at the pool's pods
 * and moves them one step towards the target (create missing, drop lost/excess, roll outdated templates), so
 * running it twice, concurrently or after a crash is harmless — the next run sees what the last one did.
 */
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import type { KubeClients } from '../src/k8s/client.js';
import { classifyPodLoss, isPodReady } from '../src/k8s/pod-status.js';
import {
  WARM_STATE_LABEL,
  WARM_TEMPLATE_LABEL,
  WarmState,
  buildWarmPod,
  buildWarmTokenSecret,
  poolSelector,
  templateHash,
  tokenHash,
  warmPodNames,
} from '../src/k8s/warm-pod.js';
import type { WarmPoolMetrics } from '../src/metrics/warm-pool.js';
import type { SessionSpec } from '../workflows/contract/spec.js';
import { templateOf } from '../src/session/warm-pool.js';
import { canStartWarm } from '../workflows/contract/warm-match.js';
import { type WarmPoolProfile } from '../workflows/contract/warm-pool.js';
import { isNotFound, toKubeFailure } from './errors.js';
import { claimWarmPod, type ClaimRequest } from './warm-claim.js';
import type { ClaimedPod, ReconcileResult, WarmPoolActivities } from '../workflows/contract/activities.js';

/** The pool workflow's activity, and the claims the API and the provisioning activity make. */
export interface WarmPoolWorkerActivities extends WarmPoolActivities {
  claimWarmPod(req: ClaimRequest): Promise<ClaimedPod | null>;
  /** The session workflow's claim: null when the session cannot start warm (e.g. it has a PVC) or no pod is free. */
  claimWarmPodForSession(spec: SessionSpec): Promise<ClaimedPod | null>;
}

export interface WarmPoolActivitiesDeps {
  clients: KubeClients;
  /** The URL claimed pods fetch their session's credentials from (POST /internal/v1/provision). */
  provisionUrl: string;
  logger?: Logger;
  metrics?: WarmPoolMetrics;
  /** Tells the pool workflow a pod was claimed so it refills at once. */
  notifyClaimed?: (pool: string) => Promise<void>;
  /**
   * The configured pools. When given, a session whose template matches none of them starts cold without
   * asking the API server (no pools configured: no cost on any create).
   */
  profiles?: WarmPoolProfile[];
}

const CREATE_BATCH = 10;

const suffix = (): string =>
  randomBytes(6)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')
    .slice(0, 8);

export function createWarmPoolActivities(deps: WarmPoolActivitiesDeps): WarmPoolWorkerActivities {
  const { core } = deps.clients;
  const log = deps.logger ?? pino({ name: 'warm-pool-activities' });
  const configured = deps.profiles ? new Set(deps.profiles.map((p) => templateHash(p.template))) : undefined;

  async function createWarmPod(profile: WarmPoolProfile): Promise<string> {
    const namespace = profile.template.namespace;
    const names = warmPodNames(profile.name, suffix());
    const token = randomBytes(32).toString('base64url');
    // The Secret exists before the pod, so the kubelet has the token when the container starts.
    await core
      .createNamespacedSecret({ namespace, body: buildWarmTokenSecret(profile, names, token) })
      .catch((err: unknown) => {
        throw toKubeFailure(err, { verb: 'create', kind: 'Secret', namespace, name: names.tokenSecret });
      });
    let pod: k8s.V1Pod;
    try {
      pod = await core.createNamespacedPod({
        namespace,
        body: buildWarmPod(profile, names, { tokenHash: tokenHash(token), provisionUrl: deps.provisionUrl }),
      });
    } catch (err) {
      await core.deleteNamespacedSecret({ name: names.tokenSecret, namespace }).catch(() => undefined);
      throw toKubeFailure(err, { verb: 'create', kind: 'Pod', namespace, name: names.pod });
    }
    // The token goes with its pod (garbage collection), whoever deletes the pod.
    await core
      .patchNamespacedSecret(
        {
          name: names.tokenSecret,
          namespace,
          body: [
            {
              op: 'add',
              path: '/metadata/ownerReferences',
              value: [{ apiVersion: 'v1', kind: 'Pod', name: names.pod, uid: pod.metadata?.uid ?? '' }],
            },
          ],
        },
        undefined,
      )
      .catch((err: unknown) => log.warn({ pod: names.pod, err }, 'could not make the token Secret owned by its pod'));
    return names.pod;
  }

  async function deletePod(pod: k8s.V1Pod, why: string): Promise<string | undefined> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    try {
      await core.deleteNamespacedPod({
        name,
        namespace,
        gracePeriodSeconds: 0,
        // Only the pod we looked at, and only while it is still unclaimed.
        body: {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion },
        },
      });
      log.info({ pod: name, why }, 'warm pod deleted');
      return name;
    } catch (err) {
      // 409: claimed (or changed) since we listed it; the next reconcile decides again.
      if (isNotFound(err) || (err as { code?: number }).code === 409) return undefined;
      throw toKubeFailure(err, { verb: 'delete', kind: 'Pod', namespace, name });
    }
  }

  async function claim(req: ClaimRequest): Promise<ClaimedPod | null> {
    const claimed = await claimWarmPod(core, req, {
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.notifyClaimed ? { onClaimed: deps.notifyClaimed } : {}),
    });
    return claimed ?? null;
  }

  return {
    async reconcileWarmPool(profile, target) {
      const namespace = profile.template.namespace;
      const hash = templateHash(profile.template);
      const want = Math.max(0, Math.min(target, profile.max));
      const list = await core
        .listNamespacedPod({ namespace, labelSelector: poolSelector(profile.name) })
        .catch((err: unknown) => {
          throw toKubeFailure(err, { verb: 'list', kind: 'Pod', namespace });
        });
      const live = list.items.filter((p) => !p.metadata?.deletionTimestamp);
      const claimed = live.filter((p) => p.metadata?.labels?.[WARM_STATE_LABEL] === WarmState.Claimed);
      const available = live.filter((p) => p.metadata?.labels?.[WARM_STATE_LABEL] === WarmState.Available);
      const lost = available.filter((p) => classifyPodLoss(p) !== undefined);
      const healthy = available.filter((p) => classifyPodLoss(p) === undefined);
      const current = healthy.filter((p) => p.metadata?.labels?.[WARM_TEMPLATE_LABEL] === hash);
      const outdated = healthy.filter((p) => p.metadata?.labels?.[WARM_TEMPLATE_LABEL] !== hash);

      const deleted: string[] = [];
      const created: string[] = [];
      for (const pod of lost) {
        const name = await deletePod(pod, 'lost');
        if (name) deleted.push(name);
      }
      // Excess current pods (target lowered): drop those not Ready first.
      const surplus = current.length - want;
      const keep = [...current].sort((a, b) => Number(isPodReady(b)) - Number(isPodReady(a)));
      for (const pod of surplus > 0 ? keep.slice(want) : []) {
        const name = await deletePod(pod, 'above target');
        if (name) deleted.push(name);
      }
      const kept = surplus > 0 ? keep.slice(0, want) : current;
      // In batches: a pool of 50 should fill in a few round trips, without a burst the API server throttles.
      for (let missing = want - kept.length; missing > 0; missing -= CREATE_BATCH) {
        const batch = Array.from({ length: Math.min(missing, CREATE_BATCH) }, () => createWarmPod(profile));
        created.push(...(await Promise.all(batch)));
      }

      // Rolling template update: an outdated pod goes once the pool stays at or above want-1 Ready pods without it.
      let readyAvailable = kept.filter(isPodReady).length + outdated.filter(isPodReady).length;
      const outdatedLeft: string[] = [];
      for (const pod of [...outdated].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)))) {
        const ready = isPodReady(pod);
        if (ready && readyAvailable - 1 < want - 1) {
          outdatedLeft.push(pod.metadata?.name ?? '');
          continue;
        }
        const name = await deletePod(pod, 'outdated template');
        if (name) {
          deleted.push(name);
          if (ready) readyAvailable -= 1;
        } else outdatedLeft.push(pod.metadata?.name ?? '');
      }
      const readyCurrent = kept.filter(isPodReady).length;
      const result: ReconcileResult = {
        templateHash: hash,
        available: kept.length + created.length,
        ready: readyCurrent,
        outdated: outdatedLeft.length,
        claimed: claimed.length,
        created,
        deleted,
        converged: created.length === 0 && readyCurrent === want && outdatedLeft.length === 0 && lost.length === 0,
      };
      if (created.length || deleted.length) {
        log.info({ pool: profile.name, ...result }, 'warm pool reconciled');
      }
      return result;
    },

    claimWarmPod: claim,

    async claimWarmPodForSession(spec) {
      if (!canStartWarm(spec)) return null;
      if (configured && !configured.has(templateHash(templateOf(spec)))) return null;
      return claim({ sessionId: spec.sessionId, user: spec.user, template: templateOf(spec) });
    },
  };
}
