/**
 * The reconciler's side effects: observe labelled session objects and quota ledgers, ask Temporal
 * which session workflows still run, and delete what {@link planObjectDeletions} says is orphaned.
 *
 * Idempotent: deletes carry a uid precondition (never a same-named newer object) and treat 404 as done;
 * ledger writes compare the resourceVersion and a lost race is left to the next run.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { pino, type Logger } from 'pino';
import { LedgerSchema, QUOTA_LEDGER_COMPONENT } from '../src/k8s/quota-ledger.js';
import type { KubeClients } from '../src/k8s/client.js';
import { listSecretMetadata } from '../src/k8s/metadata-list.js';
import { ensureSessionNetworkPolicies, type NetworkPolicyOptions } from '../src/k8s/network-policy.js';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL, SESSION_POD_SELECTOR, USER_ANNOTATION } from '../src/k8s/labels.js';
import { sessionObjectNames } from '../src/k8s/names.js';
import type { LedgerReconcileResult, ReconcilerActivities } from '../workflows/contract/activities.js';
import { signalPodLost } from '../src/k8s/pod-informer.js';
import { isPodReady, toIsoTime } from '../src/k8s/pod-status.js';
import {
  ObjectKind,
  planObjectDeletions,
  pruneLedger,
  sessionsToCheck,
  type ObservedObject,
} from '../src/session/reconciler.js';
import { ReconcileInputSchema, type ReconcileAction, type ReconcileInput } from '../workflows/contract/reconciler.js';
import { sessionLiveness } from '../src/temporal/liveness.js';
import { listRunningSessions, type RunningSession } from '../src/temporal/running-sessions.js';
import type { WorkerMetrics } from '../src/temporal/worker-metrics.js';
import { isConflict, isNotFound, toKubeFailure } from './errors.js';

export interface ReconcilerActivitiesDeps {
  clients: KubeClients;
  temporal: Client;
  /** This deployment's task queue: only its session workflows are signalled. */
  taskQueue: string;
  metrics?: WorkerMetrics;
  logger?: Logger;
  /**
   * The session namespace's NetworkPolicies to keep in place (AGENTAPI_K8S_SESSION_NETWORK_POLICY=default):
   * every run restores a deleted or altered one, so isolation is back within one reconciler interval.
   */
  networkPolicy?: NetworkPolicyOptions;
}

/** Kind of the quota ledger ConfigMaps in metrics and audit lines. */
const LEDGER_KIND = 'QuotaLedger';

export function createReconcilerActivities(deps: ReconcilerActivitiesDeps): ReconcilerActivities {
  const { core } = deps.clients;
  const log = deps.logger ?? pino({ name: 'reconciler' });

  const liveness = (ids: Iterable<string>, listedRunning?: ReadonlySet<string>) =>
    sessionLiveness(deps.temporal, ids, listedRunning);

  /**
   * Asks each running session of this deployment that has no Ready pod to look at it (see
   * {@link sessionsToCheck}). Only workflows on this worker's task queue: another deployment's workflows
   * cannot decode this one's payloads.
   */
  async function checkPodsOfRunningSessions(
    objects: ObservedObject[],
    podNames: ReadonlyMap<string, string>,
    running: ReadonlyMap<string, RunningSession>,
  ): Promise<void> {
    const own = new Map([...running].filter(([, session]) => session.taskQueue === deps.taskQueue));
    for (const sessionId of sessionsToCheck(objects, own)) {
      // The workflow refuses a podLost without a pod name (its schema); none is known only for a session
      // whose objects all lack the user annotation, which no object the orchestrator creates does.
      const podName = podNames.get(sessionId);
      if (!podName) {
        log.warn({ sessionId }, 'running session without a Ready pod, but no pod name to report; not asked');
        continue;
      }
      const message = 'no Ready pod of a running session (noticed by the reconciler)';
      const delivered = await signalPodLost(deps.temporal, { sessionId, podName, reason: 'reconciler', message });
      if (!delivered) continue;
      deps.metrics?.reconcilerPodChecks.inc();
      log.info({ sessionId }, 'asked a running session without a Ready pod to check it');
    }
  }

  function audit(action: ReconcileAction & { dryRun: boolean }): void {
    log.info({ audit: true, action: 'reconciler.delete', ...action }, action.dryRun ? 'would delete' : 'deleted');
  }

  function count(kind: string, dryRun: boolean): void {
    (dryRun ? deps.metrics?.reconcilerWouldDelete : deps.metrics?.reconcilerDeleted)?.inc({ kind });
  }

  const selectorOf = (input: ReconcileInput, base: string) => (input.selector ? `${base},${input.selector}` : base);

  /**
   * The labelled session objects and the claims any pod mounts. Lists are served from the apiserver's watch
   * cache (resourceVersion 0): a deletion has a uid precondition, and an object created after the cache's
   * moment is younger than the grace anyway. Without a narrowing selector one pod list serves both.
   */
  async function observe(
    input: ReconcileInput,
  ): Promise<{ objects: ObservedObject[]; mounted: Set<string>; podNames: Map<string, string> }> {
    const namespace = input.namespace;
    const labelSelector = selectorOf(input, SESSION_POD_SELECTOR);
    const fromCache = { namespace, labelSelector, resourceVersion: '0' };
    const [allPods, narrowedPods, services, configMaps, secrets, claims] = await Promise.all([
      core.listNamespacedPod({ namespace, resourceVersion: '0' }),
      input.selector ? core.listNamespacedPod(fromCache) : undefined,
      core.listNamespacedService(fromCache),
      core.listNamespacedConfigMap(fromCache),
      listSecretMetadata(core, fromCache),
      core.listNamespacedPersistentVolumeClaim(fromCache),
    ]);
    const pods = narrowedPods ?? {
      items: allPods.items.filter((p) => p.metadata?.labels?.[APP_LABEL] === SESSION_APP),
    };
    const observed: ObservedObject[] = [];
    const podNames = new Map<string, string>();
    const add = (kind: ObjectKind, items: k8s.KubernetesObject[]) => {
      for (const item of items) {
        const meta = item.metadata ?? {};
        const sessionId = meta.labels?.[SESSION_ID_LABEL];
        if (!sessionId || !meta.name || !meta.uid) continue;
        observed.push({
          kind,
          name: meta.name,
          uid: meta.uid,
          sessionId,
          createdAt: toIsoTime(meta.creationTimestamp) ?? new Date(0).toISOString(),
          deleting: meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null,
          ...(kind === ObjectKind.Pod ? { ready: isPodReady(item as k8s.V1Pod) } : {}),
        });
        // The pod a check is about: the session's pod as observed (pods are added first), or else the name
        // its own pod has, from the user and id as the activities derive it.
        const user = meta.annotations?.[USER_ANNOTATION];
        if (kind === ObjectKind.Pod) podNames.set(sessionId, meta.name);
        else if (user && !podNames.has(sessionId)) podNames.set(sessionId, sessionObjectNames(user, sessionId).pod);
      }
    };
    add(ObjectKind.Pod, pods.items);
    add(ObjectKind.Service, services.items);
    add(ObjectKind.ConfigMap, configMaps.items);
    add(ObjectKind.Secret, secrets.items);
    add(ObjectKind.PersistentVolumeClaim, claims.items);
    return { objects: observed, mounted: mountedClaims(allPods.items), podNames };
  }

  /** Every pod, not only session pods: anything mounting a claim keeps it. */
  function mountedClaims(pods: k8s.V1Pod[]): Set<string> {
    const names = new Set<string>();
    for (const pod of pods) {
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      for (const volume of pod.spec?.volumes ?? []) {
        if (volume.persistentVolumeClaim?.claimName) names.add(volume.persistentVolumeClaim.claimName);
      }
    }
    return names;
  }

  async function remove(namespace: string, object: ObservedObject): Promise<void> {
    const { name, uid } = object;
    const body: k8s.V1DeleteOptions = { preconditions: { uid } };
    try {
      switch (object.kind) {
        case ObjectKind.Pod:
          await core.deleteNamespacedPod({ name, namespace, body });
          break;
        case ObjectKind.Service:
          await core.deleteNamespacedService({ name, namespace, body });
          break;
        case ObjectKind.ConfigMap:
          await core.deleteNamespacedConfigMap({ name, namespace, body });
          break;
        case ObjectKind.Secret:
          await core.deleteNamespacedSecret({ name, namespace, body });
          break;
        case ObjectKind.PersistentVolumeClaim:
          await core.deleteNamespacedPersistentVolumeClaim({ name, namespace, body });
          break;
      }
    } catch (err) {
      // 404: already gone; 409: the uid precondition failed, so a newer object took the name — not ours.
      if (isNotFound(err) || isConflict(err)) return;
      throw toKubeFailure(err, { verb: 'delete', kind: object.kind, namespace, name });
    }
  }

  async function restoreNetworkPolicies(namespace: string): Promise<void> {
    const options = deps.networkPolicy;
    if (!options || options.sessionNamespace !== namespace) return;
    const outcomes = await ensureSessionNetworkPolicies(deps.clients.kc, options);
    const restored = Object.entries(outcomes).filter(([, outcome]) => outcome === 'created' || outcome === 'updated');
    for (const [name, outcome] of restored) {
      log.warn(
        { audit: true, action: 'reconciler.restore-network-policy', namespace, name, outcome },
        'session NetworkPolicy was missing or altered; restored',
      );
    }
  }

  return {
    /** Deletes (or, dry-run, reports) orphaned session objects and expired retained claims. */
    async reconcileSessionObjects(rawInput: ReconcileInput): Promise<ReconcileAction[]> {
      const input = ReconcileInputSchema.parse(rawInput);
      await restoreNetworkPolicies(input.namespace);
      const [{ objects, mounted, podNames }, running] = await Promise.all([
        observe(input),
        listRunningSessions(deps.temporal),
      ]);
      await checkPodsOfRunningSessions(objects, podNames, running);
      const live = await liveness(
        objects.map((o) => o.sessionId),
        new Set(running.keys()),
      );
      const actions = planObjectDeletions(objects, live, mounted, input, Date.now());
      const byKey = new Map(objects.map((o) => [`${o.kind}/${o.name}`, o]));
      for (const action of actions) {
        if (!input.dryRun) await remove(input.namespace, byKey.get(`${action.kind}/${action.name}`)!);
        audit({ ...action, dryRun: input.dryRun });
        count(action.kind, input.dryRun);
      }
      return actions;
    },

    /** Drops ledger entries of ended sessions; deletes ledgers left empty. */
    async reconcileQuotaLedgers(rawInput: ReconcileInput): Promise<LedgerReconcileResult> {
      const input = ReconcileInputSchema.parse(rawInput);
      const namespace = input.namespace;
      const list = await core.listNamespacedConfigMap({
        namespace,
        labelSelector: selectorOf(input, `app.kubernetes.io/component=${QUOTA_LEDGER_COMPONENT}`),
      });
      const ledgers = list.items.map((cm) => {
        let parsed: unknown = [];
        try {
          parsed = JSON.parse(cm.data?.sessions ?? '[]');
        } catch {
          // A ledger edited into nonsense is rebuilt by the API; treat it as holding nothing.
        }
        const ledger = LedgerSchema.safeParse(parsed);
        return { cm, entries: ledger.success ? ledger.data : [] };
      });
      const running = await listRunningSessions(deps.temporal);
      const live = await liveness(
        ledgers.flatMap((l) => l.entries.map((e) => e.sessionId)),
        new Set(running.keys()),
      );
      const result: LedgerReconcileResult = { entriesPruned: 0, ledgersDeleted: [] };
      const now = Date.now();
      for (const { cm, entries } of ledgers) {
        const name = cm.metadata?.name ?? '';
        const kept = pruneLedger(entries, live, input.graceMs, now);
        const age = now - Date.parse(toIsoTime(cm.metadata?.creationTimestamp) ?? new Date(0).toISOString());
        if (kept.length === entries.length && (kept.length > 0 || age < input.graceMs)) continue;
        const pruned = entries.filter((e) => !kept.includes(e));
        if (kept.length === 0) {
          if (!input.dryRun) {
            try {
              // resourceVersion precondition: an admission that wrote in between keeps its ledger.
              await core.deleteNamespacedConfigMap({
                name,
                namespace,
                body: { preconditions: { resourceVersion: cm.metadata?.resourceVersion } },
              });
            } catch (err) {
              if (isConflict(err)) continue;
              if (!isNotFound(err)) throw toKubeFailure(err, { verb: 'delete', kind: 'ConfigMap', namespace, name });
            }
          }
          result.ledgersDeleted.push(name);
          count(LEDGER_KIND, input.dryRun);
          audit({ kind: LEDGER_KIND, name, sessionId: '', reason: 'empty quota ledger', dryRun: input.dryRun });
        } else if (!input.dryRun) {
          try {
            await core.replaceNamespacedConfigMap({
              name,
              namespace,
              body: { ...cm, data: { ...cm.data, sessions: JSON.stringify(kept) } },
            });
          } catch (err) {
            if (isConflict(err) || isNotFound(err)) continue;
            throw toKubeFailure(err, { verb: 'update', kind: 'ConfigMap', namespace, name });
          }
        }
        result.entriesPruned += pruned.length;
        for (const entry of pruned) {
          log.info(
            {
              audit: true,
              action: 'reconciler.prune-ledger',
              ledger: name,
              sessionId: entry.sessionId,
              dryRun: input.dryRun,
            },
            'ledger entry of an ended session pruned',
          );
        }
      }
      return result;
    },
  };
}
