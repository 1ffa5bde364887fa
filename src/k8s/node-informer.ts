/**
 * Watches Nodes so a session learns within seconds that its node is gone, unreachable or about to be
 * interrupted — instead of ~45 s later, when the pod-GC controller deletes pods of a deleted node.
 *
 * For each failing node the session pods on it (field selector `spec.nodeName=`) get one podLost
 * signal with reason `node-lost` or `node-interruption`. Notifications are at-least-once: a failure to
 * list or signal leaves the node unreported so the next event or re-list retries it. Only the elected
 * leader runs this (see leader-election.ts), so a loss is signalled once per deployment.
 */
import * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import type { KubeClients } from './client.js';
import { runInformer } from './informer-lifecycle.js';
import { SESSION_ID_LABEL, SESSION_POD_SELECTOR } from './labels.js';
import { NodeLossReason, classifyNode, type InterruptionMarkers, type NodeLoss } from './node-status.js';

/** A session pod whose node is lost or being interrupted. */
export interface NodePodLostEvent {
  sessionId: string;
  podName: string;
  podUid: string;
  nodeName: string;
  reason: NodeLossReason;
  message: string;
}

export interface NodeInformerOptions {
  clients: KubeClients;
  /** Namespace of the session pods. */
  namespace: string;
  markers: InterruptionMarkers;
  /** Called once per pod and reason; a rejection makes the node be retried on the next event/re-list. */
  onPodLost: (event: NodePodLostEvent) => Promise<void>;
  logger?: Logger;
  /** Full re-list interval: retries failed notifications and finds pods whose node vanished. Default 30 s. */
  resyncIntervalMs?: number;
  /**
   * The session pods as a pod informer of the same process holds them (undefined until it has synced): the
   * re-list then reads nodes only, instead of every session pod twice a minute.
   */
  sessionPods?: () => readonly k8s.V1Pod[] | undefined;
}

export interface NodeInformer {
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

export function startNodeInformer(options: NodeInformerOptions): NodeInformer {
  const { clients, namespace, markers, onPodLost } = options;
  const log = options.logger ?? pino({ name: 'node-informer' });
  const resyncIntervalMs = options.resyncIntervalMs ?? 30_000;
  const informer = k8s.makeInformer<k8s.V1Node>(clients.kc, '/api/v1/nodes', () => clients.core.listNode());

  /** `podUid/reason` already delivered, so heartbeats of a NotReady node do not re-signal. */
  const delivered = new Set<string>();
  /** `node/reason` being handled right now, so overlapping events do not list and signal twice. */
  const busy = new Set<string>();

  async function cachedOrListedPods(): Promise<{ items: readonly k8s.V1Pod[] }> {
    const cached = options.sessionPods?.();
    if (cached) return { items: cached };
    return clients.core.listNamespacedPod({ namespace, labelSelector: SESSION_POD_SELECTOR, resourceVersion: '0' });
  }

  async function podsOn(nodeName: string): Promise<k8s.V1Pod[]> {
    const list = await clients.core.listNamespacedPod({
      namespace,
      labelSelector: SESSION_POD_SELECTOR,
      fieldSelector: `spec.nodeName=${nodeName}`,
      // The watch cache indexes pods by node: no scan of every pod in etcd while a node is being lost.
      resourceVersion: '0',
    });
    return list.items;
  }

  async function signalPods(nodeName: string, pods: k8s.V1Pod[], loss: NodeLoss): Promise<void> {
    const failures: unknown[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        const podUid = pod.metadata?.uid ?? '';
        const sessionId = pod.metadata?.labels?.[SESSION_ID_LABEL];
        const key = `${podUid}/${loss.reason}`;
        if (!sessionId || delivered.has(key)) return;
        const event: NodePodLostEvent = {
          sessionId,
          podName: pod.metadata?.name ?? '',
          podUid,
          nodeName,
          reason: loss.reason,
          message: loss.message,
        };
        try {
          await onPodLost(event);
          delivered.add(key);
          log.info(event, 'session pod on a failing node reported');
        } catch (err) {
          failures.push(err);
          log.warn({ err, ...event }, 'reporting a pod on a failing node failed; retried on the next event');
        }
      }),
    );
    if (failures.length > 0) throw failures[0];
  }

  async function handle(nodeName: string, loss: NodeLoss): Promise<void> {
    // Keyed by reason too: a deletion arriving while an interruption is being handled must not be dropped.
    const key = `${nodeName}/${loss.reason}`;
    if (busy.has(key) || lifecycle.stopped) return;
    busy.add(key);
    try {
      await signalPods(nodeName, await podsOn(nodeName), loss);
    } catch (err) {
      log.warn({ err, node: nodeName }, 'handling a failing node failed; retried on the next event or re-list');
    } finally {
      busy.delete(key);
    }
  }

  function evaluate(node: k8s.V1Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    const loss = classifyNode(node, markers);
    if (loss) void handle(name, loss);
  }

  informer.on(k8s.ADD, (node) => {
    lifecycle.delivered();
    evaluate(node);
  });
  informer.on(k8s.UPDATE, (node) => {
    lifecycle.delivered();
    evaluate(node);
  });
  informer.on(k8s.DELETE, (node) => {
    const name = node.metadata?.name;
    if (name) void handle(name, { reason: NodeLossReason.Lost, message: `node ${name} was deleted` });
  });

  /**
   * Re-evaluates every node, and catches pods bound to a node that no longer exists (deleted while no
   * leader watched). Forgets deliveries for pods that are gone, so the set does not grow forever.
   */
  async function resync(): Promise<void> {
    const [nodes, pods] = await Promise.all([clients.core.listNode(), cachedOrListedPods()]);
    const names = new Set(nodes.items.map((n) => n.metadata?.name));
    for (const node of nodes.items) evaluate(node);
    const orphaned = new Map<string, k8s.V1Pod[]>();
    for (const pod of pods.items) {
      const nodeName = pod.spec?.nodeName;
      if (nodeName && !names.has(nodeName)) orphaned.set(nodeName, [...(orphaned.get(nodeName) ?? []), pod]);
    }
    for (const [nodeName, onNode] of orphaned) {
      await signalPods(nodeName, onNode, { reason: NodeLossReason.Lost, message: `node ${nodeName} was deleted` });
    }
    const live = new Set(pods.items.map((p) => p.metadata?.uid));
    for (const key of delivered) if (!live.has(key.slice(0, key.indexOf('/')))) delivered.delete(key);
  }

  // Declared last: the handlers above use it, and they run only once the informer has started.
  const lifecycle = runInformer({ informer, resync, resyncIntervalMs, log, what: 'node' });
  return { synced: lifecycle.synced, stop: () => lifecycle.stop() };
}
