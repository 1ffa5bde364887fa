/**
 * Lost grace on an interruption notice: for every session pod on a node that got the notice, how much of
 * its SIGTERM grace it did not get. The grace a pod got is the `deletionGracePeriodSeconds` of the first
 * delete seen while its node still existed; a pod first deleted after its node went (by pod GC, a force-
 * delete) lost all of it. Observed from the cluster, not from what the workflow says it did.
 */
import type * as k8s from '@kubernetes/client-node';

interface Interruption {
  uids: string[];
  /** Staged on a quiet system (no other fault during its notice): the case the 0 s target is for. */
  quiet: boolean;
  /** When the interrupted node was deleted (the end of the notice); undefined while it exists. */
  nodeGoneAt?: number;
}

export class GraceTracker {
  private readonly firstDelete = new Map<string, { at: number; grace: number }>();
  private readonly interruptions: Interruption[] = [];

  constructor(readonly expectedGraceSeconds: number) {}

  /** Feed every pod event (added, updated, deleted) of the session namespace. */
  observe(pod: k8s.V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || !pod.metadata?.deletionTimestamp || this.firstDelete.has(uid)) return;
    this.firstDelete.set(uid, { at: Date.now(), grace: pod.metadata.deletionGracePeriodSeconds ?? 0 });
  }

  /** A node with these session pods got the notice; call `nodeGone` when it is deleted. */
  interrupted(uids: string[], quiet = false): { nodeGone: () => void } {
    const interruption: Interruption = { uids, quiet };
    this.interruptions.push(interruption);
    return { nodeGone: () => (interruption.nodeGoneAt ??= Date.now()) };
  }

  /** Seconds of grace lost, one per pod that was on an interrupted node (of the quiet or the other ones). */
  lostSeconds(quiet: boolean): number[] {
    return this.interruptions
      .filter((interruption) => interruption.quiet === quiet)
      .flatMap(({ uids, nodeGoneAt }) =>
        uids.map((uid) => {
          const first = this.firstDelete.get(uid);
          if (!first || (nodeGoneAt !== undefined && first.at > nodeGoneAt)) return this.expectedGraceSeconds;
          return Math.max(0, this.expectedGraceSeconds - first.grace);
        }),
      );
  }
}
