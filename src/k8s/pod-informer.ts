/**
 * One informer per worker process over all session pods, so a pod that dies between the workflow's
 * checks is noticed within seconds instead of at the next poll, without one watch per session.
 *
 * Notifications are at-least-once and may repeat: the workflow re-checks the pod (checkSessionPod)
 * before acting, so a duplicate or stale notification costs one GET, while a missed one costs a session.
 */
import * as k8s from '@kubernetes/client-node';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { pino, type Logger } from 'pino';
import {
  podGoneSignal,
  podLostSignal,
  podNotReadySignal,
  podReadySignal,
} from '../../workflows/contract/session-messages.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import type { KubeClients } from './client.js';
import { runInformer } from './informer-lifecycle.js';
import { SESSION_ID_LABEL, SESSION_POD_SELECTOR } from './labels.js';
import { classifyPodLoss, isPodReady, podCondition, toIsoTime, type PodLostReason } from './pod-status.js';

/** A session's pod was deleted, failed, or is being disrupted. */
export interface PodLostEvent {
  sessionId: string;
  podName: string;
  podUid: string;
  reason: PodLostReason;
  message: string;
}

/** A session's pod turned Ready (or was Ready recently when the informer first saw it). */
export interface PodReadyEvent {
  sessionId: string;
  podName: string;
  podUid: string;
  nodeName: string;
}

/** A session's pod object is gone from the apiserver. */
export interface PodGoneEvent {
  sessionId: string;
  podName: string;
  podUid: string;
}

export interface SessionPodInformerOptions {
  clients: KubeClients;
  namespace: string;
  /** Called for every lost pod; may be async. Errors are logged, never propagated into the informer. */
  onPodLost: (event: PodLostEvent) => void | Promise<void>;
  /**
   * Called when a pod turns Ready. A pod first seen already Ready (the informer's initial list after a
   * restart) is reported only if it turned Ready within `recentReadyMs`: an older Ready was either already
   * reported or is found by the workflow's own check, and re-reporting every running pod on each worker
   * start would cost a signal per session.
   */
  onPodReady?: (event: PodReadyEvent) => void | Promise<void>;
  /** Called when a pod that was Ready (as this informer saw it) turns NotReady while not being deleted. */
  onPodNotReady?: (event: PodGoneEvent) => void | Promise<void>;
  /** Called once per deleted pod (by watch or by the periodic re-list). */
  onPodGone?: (event: PodGoneEvent) => void | Promise<void>;
  /** See `onPodReady`. Default 120 s. */
  recentReadyMs?: number;
  logger?: Logger;
  /**
   * Full re-list interval, a safety net for changes a watch might have missed. Default 10 min: every
   * re-list reads and parses every session pod (≈ 1 s of CPU at 3,000), while the watch itself resumes
   * from its last resourceVersion and re-lists (reporting deletions) after a 410 gap.
   */
  resyncIntervalMs?: number;
  /** Which pods to follow. Default: every session pod. */
  labelSelector?: string;
}

export interface SessionPodInformer {
  /** Resolves once the first list has been processed, so callers know the informer is live. */
  readonly synced: Promise<void>;
  /** The pods as the watch last told, once the first list is in; undefined before. */
  cachedPods(): readonly k8s.V1Pod[] | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the shared informer. client-node's `makeInformer` does list+watch and re-lists on 410 Gone, but
 * it stops for good after any other error and has no resync, so this adds a restart with backoff and a
 * periodic re-list that re-evaluates every pod and catches deletions the watch did not deliver.
 */
export function startSessionPodInformer(options: SessionPodInformerOptions): SessionPodInformer {
  const { clients, namespace, onPodLost } = options;
  const log = options.logger ?? pino({ name: 'session-pod-informer' });
  const labelSelector = options.labelSelector ?? SESSION_POD_SELECTOR;
  const resyncIntervalMs = options.resyncIntervalMs ?? 600_000;

  const informer = k8s.makeInformer<k8s.V1Pod>(
    clients.kc,
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    () => clients.core.listNamespacedPod({ namespace, labelSelector }),
    labelSelector,
  );

  const recentReadyMs = options.recentReadyMs ?? 120_000;
  /** uid → whether the pod was Ready when last seen: a transition is reported once, not every update. */
  const readiness = new Map<string, boolean>();
  /** uids already reported gone (the watch and the re-list may both notice). */
  const goneReported = new Set<string>();

  function deliver(what: string, event: object, fn: () => void | Promise<void>): void {
    Promise.resolve()
      .then(fn)
      .catch((err: unknown) => log.error({ err, ...event }, `${what} failed`));
  }

  function observeReadiness(pod: k8s.V1Pod): void {
    const uid = pod.metadata?.uid;
    const sessionId = pod.metadata?.labels?.[SESSION_ID_LABEL];
    if (!uid || !sessionId || !options.onPodReady) return;
    const ready = isPodReady(pod) && !pod.metadata?.deletionTimestamp;
    const before = readiness.get(uid);
    readiness.set(uid, ready);
    if (!ready && before === true && !pod.metadata?.deletionTimestamp && options.onPodNotReady) {
      const notReady: PodGoneEvent = { sessionId, podName: pod.metadata?.name ?? '', podUid: uid };
      const onPodNotReady = options.onPodNotReady;
      deliver('onPodNotReady', notReady, () => onPodNotReady(notReady));
    }
    if (!ready || before === true) return;
    if (before === undefined) {
      const since = toIsoTime(podCondition(pod, 'Ready')?.lastTransitionTime as Date | string | undefined);
      if (since && Date.now() - Date.parse(since) > recentReadyMs) return;
    }
    const event: PodReadyEvent = {
      sessionId,
      podName: pod.metadata?.name ?? '',
      podUid: uid,
      nodeName: pod.spec?.nodeName ?? '',
    };
    log.debug(event, 'session pod ready');
    const onPodReady = options.onPodReady;
    deliver('onPodReady', event, () => onPodReady(event));
  }

  function observeGone(pod: k8s.V1Pod): void {
    const uid = pod.metadata?.uid;
    const sessionId = pod.metadata?.labels?.[SESSION_ID_LABEL];
    if (!uid) return;
    readiness.delete(uid);
    if (!sessionId || !options.onPodGone || goneReported.has(uid)) return;
    goneReported.add(uid);
    const event: PodGoneEvent = { sessionId, podName: pod.metadata?.name ?? '', podUid: uid };
    const onPodGone = options.onPodGone;
    deliver('onPodGone', event, () => onPodGone(event));
  }

  /** uid → reasons already reported, so a Failed pod's every status update does not re-signal. */
  const reported = new Map<string, Set<PodLostReason>>();
  /**
   * Pods seen by the previous re-list, by uid: one missing from the next re-list was deleted in between.
   * Only what reporting a deletion reads is kept, not a second copy of every pod beside the cache.
   */
  let previousUids = new Map<string, k8s.V1Pod>();

  function report(pod: k8s.V1Pod, reason: PodLostReason, message: string): void {
    const uid = pod.metadata?.uid ?? '';
    const podName = pod.metadata?.name ?? '';
    const sessionId = pod.metadata?.labels?.[SESSION_ID_LABEL];
    if (!sessionId) {
      log.warn({ pod: podName }, `session pod without a ${SESSION_ID_LABEL} label; cannot tell which session lost it`);
      return;
    }
    const seen = reported.get(uid) ?? new Set<PodLostReason>();
    if (seen.has(reason)) return;
    seen.add(reason);
    reported.set(uid, seen);
    const event: PodLostEvent = { sessionId, podName, podUid: uid, reason, message };
    log.info(event, 'session pod lost');
    Promise.resolve()
      .then(() => onPodLost(event))
      .catch((err: unknown) => log.error({ err, ...event }, 'onPodLost failed'));
  }

  function evaluate(pod: k8s.V1Pod): void {
    const loss = classifyPodLoss(pod);
    if (loss) report(pod, loss.reason, loss.message);
  }

  function onDeleted(pod: k8s.V1Pod): void {
    // The last state says why it went (e.g. evicted); report that too in case the update was never seen.
    evaluate(pod);
    report(pod, 'deleted', 'the pod was deleted');
    observeGone(pod);
  }

  informer.on(k8s.ADD, (pod) => {
    lifecycle.delivered();
    evaluate(pod);
    observeReadiness(pod);
  });
  informer.on(k8s.UPDATE, (pod) => {
    lifecycle.delivered();
    evaluate(pod);
    observeReadiness(pod);
  });
  informer.on(k8s.DELETE, onDeleted);

  async function resync(): Promise<void> {
    // From the apiserver's watch cache: what this catches is an event our own watch missed, not etcd's.
    const list = await clients.core.listNamespacedPod({ namespace, labelSelector, resourceVersion: '0' });
    const current = new Map<string, k8s.V1Pod>();
    for (const pod of list.items) {
      const uid = pod.metadata?.uid;
      evaluate(pod);
      if (uid) current.set(uid, identityOf(pod));
    }
    for (const [uid, pod] of previousUids) {
      if (!current.has(uid)) {
        report(pod, 'deleted', 'the pod was deleted (noticed by the periodic re-list)');
        observeGone(pod);
      }
    }
    // Forget pods that no longer exist, so the bookkeeping does not grow with every session ever run.
    for (const uid of reported.keys()) if (!current.has(uid)) reported.delete(uid);
    for (const uid of goneReported) if (!current.has(uid) && !previousUids.has(uid)) goneReported.delete(uid);
    previousUids = current;
  }

  // Declared last: the handlers above use it, and they run only once the informer has started.
  const lifecycle = runInformer({ informer, resync, resyncIntervalMs, log, what: 'pod' });
  let synced = false;
  void lifecycle.synced.then(() => (synced = true));
  return {
    synced: lifecycle.synced,
    cachedPods: () => (synced ? informer.list() : undefined),
    stop: () => lifecycle.stop(),
  };
}

/** The fields {@link report} and the gone-bookkeeping read: name, uid and the session label. */
function identityOf(pod: k8s.V1Pod): k8s.V1Pod {
  const sessionId = pod.metadata?.labels?.[SESSION_ID_LABEL];
  return {
    metadata: {
      name: pod.metadata?.name,
      uid: pod.metadata?.uid,
      ...(sessionId === undefined ? {} : { labels: { [SESSION_ID_LABEL]: sessionId } }),
    },
  };
}

/**
 * Tells the session's workflow that its pod was lost. A workflow that no longer runs (session over) is
 * not an error: returns false then, true when the signal was delivered.
 */
export async function signalPodLost(
  client: Client,
  event: Pick<PodLostEvent, 'sessionId' | 'podName' | 'message'> & { reason: string; podUid?: string },
): Promise<boolean> {
  try {
    await client.workflow.getHandle(sessionWorkflowId(event.sessionId)).signal(podLostSignal, {
      podName: event.podName,
      reason: event.reason,
      message: event.message,
      ...(event.podUid ? { podUid: event.podUid } : {}),
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Tells the session's workflow that its pod is Ready; false when the workflow no longer runs. */
export async function signalPodReady(client: Client, event: PodReadyEvent): Promise<boolean> {
  return deliverSignal(() =>
    client.workflow
      .getHandle(sessionWorkflowId(event.sessionId))
      .signal(podReadySignal, { podName: event.podName, podUid: event.podUid, nodeName: event.nodeName }),
  );
}

/** Tells the session's workflow that its pod turned NotReady; false when the workflow no longer runs. */
export async function signalPodNotReady(client: Client, event: PodGoneEvent): Promise<boolean> {
  return deliverSignal(() =>
    client.workflow
      .getHandle(sessionWorkflowId(event.sessionId))
      .signal(podNotReadySignal, { podName: event.podName, podUid: event.podUid }),
  );
}

/** Tells the session's workflow that its pod is gone; false when the workflow no longer runs. */
export async function signalPodGone(client: Client, event: PodGoneEvent): Promise<boolean> {
  return deliverSignal(() =>
    client.workflow
      .getHandle(sessionWorkflowId(event.sessionId))
      .signal(podGoneSignal, { podName: event.podName, podUid: event.podUid }),
  );
}

async function deliverSignal(send: () => Promise<void>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
