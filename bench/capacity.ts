/**
 * Whether the stack's nodes have room for the run, checked before anything starts. A run that does not fit
 * would otherwise create its sessions and wait `--wait-seconds` (10 minutes by default) for pods that stay
 * Pending — the usual cause being a full-scale `npm run bench` on a stack started without `STACK_NODES`.
 */
import * as k8s from '@kubernetes/client-node';
import type { BenchOptions } from './options.js';

/**
 * Session pods the run holds at its peak. The floor's burst is all created before any is deleted; from
 * the API's burst on, sessions are kept: the hold tops them up, the SSE scenario adds what it streams from,
 * and the warm scenario comes last beside them (a full pool, and as many claims on it as it then refills).
 * One more for a create measured at load (a probe, a sequential or warm-vs-cold create).
 */
export function peakSessionPods(options: BenchOptions): number {
  const want = new Set(options.scenarios);
  let kept = want.has('burst') ? options.burst : 0;
  if (want.has('hold')) kept = Math.max(kept, options.hold);
  if (want.has('sse')) kept = Math.max(kept, options.sseSessions);
  const warm = want.has('warm') ? 2 * options.warmPool : 0;
  const floor = options.floor && want.has('burst') ? options.burst : 0;
  return Math.max(floor, kept + warm + 1);
}

export interface PodRoom {
  /** Ready nodes that take new pods. */
  nodes: number;
  /** Their `allocatable.pods`, summed. */
  allocatable: number;
  /** Pods already on them that have not ended. */
  used: number;
  free: number;
}

/** Room for more pods: an upper bound, since a session's placement (taints, selectors) may rule out some nodes. */
export function podRoom(nodes: readonly k8s.V1Node[], pods: readonly k8s.V1Pod[]): PodRoom {
  const schedulable = nodes.filter(
    (n) =>
      !n.spec?.unschedulable && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
  );
  const names = new Set(schedulable.map((n) => n.metadata?.name));
  const allocatable = schedulable.reduce((sum, n) => sum + (Number(n.status?.allocatable?.pods) || 0), 0);
  const used = pods.filter(
    (p) => names.has(p.spec?.nodeName) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
  ).length;
  return { nodes: schedulable.length, allocatable, used, free: allocatable - used };
}

/** Throws, naming the fix, when the run's peak cannot fit on the stack's nodes. */
export async function assertRoomForRun(kc: k8s.KubeConfig, options: BenchOptions): Promise<PodRoom> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const [nodes, pods] = await Promise.all([
    core.listNode(),
    core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
  ]);
  const room = podRoom(nodes.items, pods.items);
  const needed = peakSessionPods(options);
  if (needed > room.free) {
    throw new Error(
      `this run holds up to ${needed} session pods at once, but the stack's ${room.nodes} schedulable nodes have ` +
        `room for at most ${room.free} more (${room.allocatable} allocatable, ${room.used} in use). Give it more ` +
        `nodes (\`STACK_NODES=40 npm run stack:up\` adds them to the running stack and holds the full scale) or ` +
        `run a smaller scale (e.g. \`--burst 100 --hold 200 --sse-sessions 50\`).`,
    );
  }
  return room;
}
