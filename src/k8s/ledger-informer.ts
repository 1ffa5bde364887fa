/**
 * One watch per API process on the users' quota ledgers (ConfigMaps labelled as such in the session
 * namespace), so admission knows each ledger's newest version without reading it first. Without it, a
 * create that followed the end of one of the user's sessions (whose workflow removed its entry) swapped
 * against this process's last write, lost, read and swapped again: three apiserver calls before the start
 * instead of one. The watch is a hint: the swap is still a compare-and-swap, so a missed or late event
 * costs a read, never an admission too many.
 */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeClients } from './client.js';
import { runInformer } from './informer-lifecycle.js';
import type { LedgerVersions } from './ledger-versions.js';
import { QUOTA_LEDGER_SELECTOR, ledgerVersionOf } from './quota-ledger.js';

export interface QuotaLedgerWatch {
  /** Resolves once the first list has been delivered. */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

export function watchQuotaLedgers(options: {
  clients: KubeClients;
  namespace: string;
  versions: LedgerVersions;
  log: Logger;
}): QuotaLedgerWatch {
  const { clients, namespace, versions, log } = options;
  const informer = k8s.makeInformer<k8s.V1ConfigMap>(
    clients.kc,
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`,
    () => clients.core.listNamespacedConfigMap({ namespace, labelSelector: QUOTA_LEDGER_SELECTOR }),
    QUOTA_LEDGER_SELECTOR,
  );
  const observe = (cm: k8s.V1ConfigMap) => {
    lifecycle.delivered();
    if (cm.metadata?.name) versions.observed(cm.metadata.name, ledgerVersionOf(cm));
  };
  informer.on(k8s.ADD, observe);
  informer.on(k8s.UPDATE, observe);
  informer.on(k8s.DELETE, (cm) => {
    if (cm.metadata?.name) versions.forget(cm.metadata.name);
  });
  const lifecycle = runInformer({
    informer,
    // Every change arrives as an event, and a missed one only costs a read: nothing to re-evaluate.
    resync: async () => undefined,
    resyncIntervalMs: 600_000,
    log,
    what: 'quota ledger',
  });
  return { synced: lifecycle.synced, stop: () => lifecycle.stop() };
}
