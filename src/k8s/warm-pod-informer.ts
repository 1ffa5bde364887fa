/**
 * Watches available warm pods so a pool hears at once when one goes away — deleted, failed, evicted, or
 * claimed (a claimed pod leaves the watch's label selector, which the watch reports as a deletion). The pool
 * workflow's periodic reconcile stays the safety net for anything the watch misses.
 */
import * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import type { KubeClients } from './client.js';
import { APP_LABEL, SESSION_APP } from './labels.js';
import { runInformer } from './informer-lifecycle.js';
import { classifyPodLoss } from './pod-status.js';
import { WARM_POOL_LABEL, WARM_STATE_LABEL, WarmState } from './warm-pod.js';

export interface WarmPodInformerOptions {
  clients: KubeClients;
  namespace: string;
  /** Called with the pool whose available pods changed for the worse; errors are logged. */
  onPoolChanged: (pool: string) => Promise<void>;
  logger?: Logger;
}

const RESYNC_INTERVAL_MS = 5 * 60_000;

export function startWarmPodInformer(options: WarmPodInformerOptions): {
  synced: Promise<void>;
  stop(): Promise<void>;
} {
  const { clients, namespace, onPoolChanged } = options;
  const log = options.logger ?? pino({ name: 'warm-pod-informer' });
  const labelSelector = `${APP_LABEL}=${SESSION_APP},${WARM_STATE_LABEL}=${WarmState.Available}`;
  const informer = k8s.makeInformer<k8s.V1Pod>(
    clients.kc,
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    () => clients.core.listNamespacedPod({ namespace, labelSelector }),
    labelSelector,
  );
  const tell = (pod: k8s.V1Pod): void => {
    const pool = pod.metadata?.labels?.[WARM_POOL_LABEL];
    if (!pool) return;
    onPoolChanged(pool).catch((err: unknown) => log.warn({ err, pool }, 'could not tell the pool'));
  };
  informer.on(k8s.DELETE, (pod) => {
    lifecycle.delivered();
    tell(pod);
  });
  informer.on(k8s.UPDATE, (pod) => {
    lifecycle.delivered();
    if (classifyPodLoss(pod)) tell(pod);
  });
  const lifecycle = runInformer({
    informer,
    // Nothing to re-evaluate: the pool workflow's periodic reconcile already counts its pods from a list.
    resync: async () => {},
    resyncIntervalMs: RESYNC_INTERVAL_MS,
    log,
    what: 'warm pod',
  });
  return { synced: lifecycle.synced, stop: () => lifecycle.stop() };
}
