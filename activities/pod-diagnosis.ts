/**
 * Explains why a pod is not Ready, in words a user or operator can act on, from the pod's status and its
 * events. Used when a session's pod misses its start deadline.
 */
import type * as k8s from '@kubernetes/client-node';
import type { KubeClients } from '../src/k8s/client.js';
import { allContainerStatuses, toIsoTime } from '../src/k8s/pod-status.js';
import { isNotFound, toKubeFailure } from './errors.js';

export interface ConditionFact {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface ContainerFact {
  name: string;
  ready: boolean;
  restartCount: number;
  waitingReason?: string;
  waitingMessage?: string;
  terminatedReason?: string;
  exitCode?: number;
}

export interface EventFact {
  type: string;
  reason: string;
  message: string;
  count: number;
  lastSeen?: string;
}

/** The structured facts behind a diagnosis; also sent as the failure's `details`. */
export interface PodDiagnosis {
  namespace: string;
  podName: string;
  exists: boolean;
  podUid?: string;
  phase?: string;
  nodeName?: string;
  conditions: ConditionFact[];
  containers: ContainerFact[];
  events: EventFact[];
  /** What to look at next, derived from the facts. */
  hints: string[];
  /** The facts as one paragraph of text. */
  summary: string;
}

const MAX_EVENTS = 8;

/** Reads the pod and its events now and explains its state. Never throws for a missing pod or events. */
export async function diagnosePod(clients: KubeClients, namespace: string, name: string): Promise<PodDiagnosis> {
  let pod: k8s.V1Pod | undefined;
  try {
    pod = await clients.core.readNamespacedPod({ name, namespace });
  } catch (err) {
    if (!isNotFound(err)) throw toKubeFailure(err, { verb: 'get', kind: 'Pod', namespace, name });
  }
  let events: EventFact[] = [];
  let eventsError: string | undefined;
  try {
    events = await podEvents(clients, namespace, name, pod?.metadata?.uid);
  } catch (err) {
    // Events only enrich the diagnosis; without permission to list them the pod's status still says a lot.
    eventsError = toKubeFailure(err, { verb: 'list', kind: 'Event', namespace }).message;
  }
  return explainPod(namespace, name, pod, events, eventsError);
}

async function podEvents(
  clients: KubeClients,
  namespace: string,
  name: string,
  uid: string | undefined,
): Promise<EventFact[]> {
  const list = await clients.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}`,
  });
  return (
    list.items
      // A previous pod with the same name leaves events that do not describe this one.
      .filter((e) => !uid || !e.involvedObject.uid || e.involvedObject.uid === uid)
      .map((e) => ({ event: e, at: eventTime(e) }))
      .sort((a, b) => a.at - b.at)
      .slice(-MAX_EVENTS)
      .map(({ event, at }) => ({
        type: event.type ?? 'Normal',
        reason: event.reason ?? '',
        message: event.message ?? '',
        count: event.series?.count ?? event.count ?? 1,
        ...(at > 0 ? { lastSeen: new Date(at).toISOString() } : {}),
      }))
  );
}

/** The scheduler writes events.k8s.io events (eventTime, series) while kubelets write lastTimestamp. */
function eventTime(e: k8s.CoreV1Event): number {
  const candidates = [e.series?.lastObservedTime, e.lastTimestamp, e.eventTime, e.firstTimestamp];
  for (const c of candidates) {
    const iso = toIsoTime(c as Date | string | null | undefined);
    if (iso) {
      const t = Date.parse(iso);
      if (!Number.isNaN(t)) return t;
    }
  }
  return 0;
}

/** Explains a pod from already-fetched status and events; `diagnosePod` fetches them. Pure, for testing. */
export function explainPod(
  namespace: string,
  name: string,
  pod: k8s.V1Pod | undefined,
  events: EventFact[],
  eventsError: string | undefined,
): PodDiagnosis {
  const conditions: ConditionFact[] = (pod?.status?.conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
  }));
  const containers: ContainerFact[] = pod ? allContainerStatuses(pod).map(containerFact) : [];
  const hints: string[] = [];
  const parts: string[] = [];

  if (!pod) {
    parts.push('The pod does not exist (it was deleted, or never created).');
    hints.push('Check who deleted the pod: `kubectl get events` in the namespace, and the audit log.');
  } else {
    parts.push(`Phase ${pod.status?.phase ?? 'unknown'}${pod.spec?.nodeName ? ` on node ${pod.spec.nodeName}` : ''}.`);
    const scheduled = conditions.find((c) => c.type === 'PodScheduled');
    if (scheduled && scheduled.status !== 'True') {
      parts.push(`PodScheduled=${scheduled.status}${fmtReason(scheduled)}.`);
      if (scheduled.reason === 'Unschedulable') {
        hints.push(
          "No node can take the pod: compare the session's placement (nodeSelector, tolerations, affinity) and resource requests with the nodes' labels, taints and free capacity.",
        );
      }
    } else if (!scheduled && !pod.spec?.nodeName) {
      parts.push('The scheduler has not looked at the pod yet (no PodScheduled condition).');
      hints.push('Check that kube-scheduler is running and that the pod names an existing schedulerName.');
    }
    for (const c of conditions) {
      if (c.type === 'PodScheduled' || c.status === 'True') continue;
      parts.push(`${c.type}=${c.status}${fmtReason(c)}.`);
    }
    for (const c of containers) {
      if (c.waitingReason) {
        parts.push(
          sentence(
            `Container ${c.name} waiting: ${c.waitingReason}${c.waitingMessage ? ` (${c.waitingMessage})` : ''}`,
          ),
        );
        if (/ImagePull|ErrImage|InvalidImageName/.test(c.waitingReason)) {
          hints.push(
            `Container ${c.name}: check the image name/tag and that the node can pull it (registry access, imagePullSecrets).`,
          );
        } else if (c.waitingReason === 'CrashLoopBackOff') {
          hints.push(
            `Container ${c.name} keeps crashing: read its logs (\`kubectl logs ${name} -c ${c.name} --previous\`).`,
          );
        } else if (c.waitingReason === 'CreateContainerConfigError') {
          hints.push(`Container ${c.name}: a referenced Secret, ConfigMap or key is missing.`);
        }
      } else if (c.terminatedReason || c.exitCode !== undefined) {
        parts.push(`Container ${c.name} terminated: ${c.terminatedReason ?? 'exit'} (exit code ${c.exitCode ?? '?'}).`);
      }
      if (c.restartCount > 0) parts.push(`Container ${c.name} restarted ${c.restartCount} time(s).`);
    }
  }
  // The scheduler puts the same text in the PodScheduled condition and its event; say it once.
  const alreadySaid = new Set(conditions.map((c) => c.message).filter(Boolean));
  const warnings = events.filter((e) => e.type !== 'Normal' && !alreadySaid.has(e.message));
  if (warnings.length > 0) {
    parts.push(
      `Recent warnings: ${warnings.map((e) => `${e.reason}${e.count > 1 ? ` (x${e.count})` : ''}: ${sentence(e.message)}`).join(' ')}`,
    );
  } else if (events.length > 0 && !events.some((e) => e.type !== 'Normal')) {
    const last = events[events.length - 1]!;
    parts.push(`Last event: ${last.reason}: ${sentence(last.message)}`);
  }
  if (eventsError) parts.push(`(Events unavailable: ${eventsError})`);

  return {
    namespace,
    podName: name,
    exists: pod !== undefined,
    ...(pod?.metadata?.uid ? { podUid: pod.metadata.uid } : {}),
    ...(pod?.status?.phase ? { phase: pod.status.phase } : {}),
    ...(pod?.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    conditions,
    containers,
    events,
    hints,
    summary: [...parts, ...hints.map((h) => `Hint: ${h}`)].join(' '),
  };
}

function containerFact(s: k8s.V1ContainerStatus): ContainerFact {
  const waiting = s.state?.waiting;
  const terminated = s.state?.terminated;
  return {
    name: s.name,
    ready: s.ready,
    restartCount: s.restartCount,
    ...(waiting?.reason ? { waitingReason: waiting.reason } : {}),
    ...(waiting?.message ? { waitingMessage: waiting.message } : {}),
    ...(terminated?.reason ? { terminatedReason: terminated.reason } : {}),
    ...(terminated ? { exitCode: terminated.exitCode } : {}),
  };
}

function fmtReason(c: ConditionFact): string {
  if (!c.reason && !c.message) return '';
  return ` (${[c.reason, c.message?.replace(/\.$/, '')].filter(Boolean).join(': ')})`;
}

/** Ends the text with exactly one period, whatever the server's punctuation. */
function sentence(text: string): string {
  return `${text.replace(/[.\s]+$/, '')}.`;
}
