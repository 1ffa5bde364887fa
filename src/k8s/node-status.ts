/**
 * Reading a Node's state for fast loss detection: whether its session pods are lost (the node is gone
 * or unreachable) or about to be (the node is marked for interruption, e.g. a Spot notice).
 *
 * Nodes arrive typed (list) or raw (watch); only presence and string fields are read here.
 */
import type * as k8s from '@kubernetes/client-node';

/** The `reason` of the podLost signal sent for pods on a failing node. */
export const NodeLossReason = {
  /** Deleted, NotReady or unreachable: the pods are gone or unreachable now; recover at once. */
  Lost: 'node-lost',
  /** Marked for interruption (cordoned + an interruption taint/label): the pods will be evicted soon. */
  Interruption: 'node-interruption',
} as const;
export type NodeLossReason = (typeof NodeLossReason)[keyof typeof NodeLossReason];

export interface NodeLoss {
  reason: NodeLossReason;
  message: string;
}

/** Taints the node lifecycle controller sets when the kubelet stops reporting. */
const UNHEALTHY_TAINTS = ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'];

export interface InterruptionMarkers {
  /** Taint keys that announce an interruption (e.g. `aws-node-termination-handler/spot-itn`). */
  taints: readonly string[];
  /** Label keys that announce an interruption, counted only on a cordoned node. */
  labels: readonly string[];
}

/**
 * Why the node's pods are lost or about to be; undefined while the node is healthy.
 *
 * A hard loss wins over an interruption notice: a node that is already NotReady gives no grace to use.
 * An interruption taint counts on its own (Karpenter taints `karpenter.sh/disrupted` without
 * cordoning), an interruption label only with a cordon, since labels are also set for bookkeeping.
 */
export function classifyNode(node: k8s.V1Node, markers: InterruptionMarkers): NodeLoss | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True') {
    return {
      reason: NodeLossReason.Lost,
      message: `node ${node.metadata?.name} is NotReady (Ready=${ready.status}${ready.reason ? `, ${ready.reason}` : ''})`,
    };
  }
  const taints = node.spec?.taints ?? [];
  const unhealthy = taints.find((t) => UNHEALTHY_TAINTS.includes(t.key));
  if (unhealthy) {
    return { reason: NodeLossReason.Lost, message: `node ${node.metadata?.name} has the ${unhealthy.key} taint` };
  }
  const interruptionTaint = taints.find((t) => markers.taints.includes(t.key));
  if (interruptionTaint) {
    return {
      reason: NodeLossReason.Interruption,
      message: `node ${node.metadata?.name} is marked for interruption (taint ${interruptionTaint.key})`,
    };
  }
  if (node.spec?.unschedulable) {
    const label = Object.keys(node.metadata?.labels ?? {}).find((key) => markers.labels.includes(key));
    if (label) {
      return {
        reason: NodeLossReason.Interruption,
        message: `node ${node.metadata?.name} is cordoned and marked for interruption (label ${label})`,
      };
    }
  }
  return undefined;
}
