/**
 * Reading a pod's state, shared by the activities (which GET pods) and the pod informer (which watches
 * them), so both agree on what "lost" means.
 *
 * Pods arrive in two shapes: typed API responses (timestamps as Date) and raw watch events (timestamps as
 * strings). Everything here only tests timestamps for presence and converts them with {@link toIsoTime}.
 */
import type * as k8s from '@kubernetes/client-node';

/** Why a session's pod no longer serves the session. Matches `PodCheckResult.lostReason`. */
export type PodLostReason = 'deleted' | 'evicted' | 'failed' | 'oom_killed' | 'node_lost' | 'disruption';

export interface PodLoss {
  reason: PodLostReason;
  message: string;
}

/** True when the pod's Ready condition is True. */
export function isPodReady(pod: k8s.V1Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

export function podCondition(pod: k8s.V1Pod, type: string): k8s.V1PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** All container statuses, init (including native sidecars) first, as the kubelet starts them. */
export function allContainerStatuses(pod: k8s.V1Pod): k8s.V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

/**
 * Whether the pod is lost for its session, and why; undefined while it is healthy or still starting.
 *
 * Order matters: a Failed phase names the most specific cause (the kubelet's eviction, an OOM kill), a
 * DisruptionTarget condition announces an eviction/preemption before the pod is gone, and a deletion
 * timestamp alone means someone deleted it.
 */
export function classifyPodLoss(pod: k8s.V1Pod): PodLoss | undefined {
  if (pod.status?.phase === 'Failed') {
    const statusReason = pod.status.reason;
    const statusMessage = pod.status.message;
    if (statusReason === 'Evicted') {
      return { reason: 'evicted', message: `Evicted: ${statusMessage ?? 'the kubelet evicted the pod'}` };
    }
    if (statusReason === 'NodeLost') {
      return { reason: 'node_lost', message: `NodeLost: ${statusMessage ?? 'the node stopped responding'}` };
    }
    const oom = allContainerStatuses(pod).find(
      (s) => s.state?.terminated?.reason === 'OOMKilled' || s.lastState?.terminated?.reason === 'OOMKilled',
    );
    if (oom) {
      return { reason: 'oom_killed', message: `OOMKilled: container ${oom.name} exceeded its memory limit` };
    }
    const terminated = allContainerStatuses(pod).find((s) => s.state?.terminated && s.state.terminated.exitCode !== 0);
    const containerText = terminated
      ? `container ${terminated.name} exited with code ${terminated.state?.terminated?.exitCode}${
          terminated.state?.terminated?.reason ? ` (${terminated.state.terminated.reason})` : ''
        }`
      : undefined;
    return {
      reason: 'failed',
      message: ['Failed', statusReason, statusMessage, containerText].filter(Boolean).join(': '),
    };
  }
  const disruption = podCondition(pod, 'DisruptionTarget');
  if (disruption?.status === 'True') {
    return {
      reason: 'disruption',
      message: `DisruptionTarget (${disruption.reason ?? 'unknown reason'}): ${disruption.message ?? 'the pod is being disrupted'}`,
    };
  }
  if (pod.metadata?.deletionTimestamp) {
    return {
      reason: 'deleted',
      message: `the pod is being deleted (since ${toIsoTime(pod.metadata.deletionTimestamp)})`,
    };
  }
  return undefined;
}

/** ISO-8601 text of a Kubernetes timestamp, whichever shape it arrived in. */
export function toIsoTime(value: Date | string | null | undefined): string | undefined {
  // Absent times arrive as undefined from typed responses but as null from the wire.
  if (value === undefined || value === null || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}
