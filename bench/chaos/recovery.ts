/**
 * Recovery times after hard node losses, told apart by what else was happening. A loss within the
 * informer leader's lease of a worker kill (or during a Temporal restart or an apiserver fault burst)
 * waits for the failover first — the lease, 15 s by default, bounds it — so it is reported on its own;
 * the target (< 5 s) is for a loss on an otherwise quiet system, which the run also stages on purpose
 * once every session runs, on the busiest node, so that figure has many sessions behind it.
 */
import type * as k8s from '@kubernetes/client-node';
import { isPodReady } from '../../src/k8s/pod-status.js';
import { SESSION_ID_LABEL } from '../../src/k8s/labels.js';

/** Another fault this close before a loss (or during its recovery) makes the loss "amid faults". */
const DISTURBED_BEFORE_MS = 20_000;
const DISTURBED_AFTER_MS = 30_000;

interface HardLoss {
  node: string;
  at: number;
  sessions: string[];
}

export class RecoveryClock {
  /** session → pod uid → when it was first seen Ready. */
  private readonly readySince = new Map<string, Map<string, number>>();
  private readonly disturbances: number[] = [];
  private readonly losses: HardLoss[] = [];

  observe(pod: k8s.V1Pod): void {
    const session = pod.metadata?.labels?.[SESSION_ID_LABEL];
    const uid = pod.metadata?.uid;
    if (!session || !uid || !isPodReady(pod)) return;
    const pods = this.readySince.get(session) ?? new Map<string, number>();
    if (!pods.has(uid)) pods.set(uid, Date.now());
    this.readySince.set(session, pods);
  }

  /** A worker kill, a Temporal restart, an apiserver fault burst: now. */
  disturbed(): void {
    this.disturbances.push(Date.now());
  }

  /** Milliseconds until a loss now would count as quiet (none after the last disturbance's reach). */
  untilQuiet(): number {
    const last = Math.max(0, ...this.disturbances);
    return Math.max(0, last + DISTURBED_BEFORE_MS - Date.now());
  }

  hardLoss(node: string, sessions: string[]): HardLoss {
    const loss = { node, at: Date.now(), sessions };
    this.losses.push(loss);
    return loss;
  }

  /** Seconds from the loss to the session's first pod Ready after it; undefined while none is. */
  recoveryOf(session: string, loss: HardLoss): number | undefined {
    const after = [...(this.readySince.get(session)?.values() ?? [])].filter((t) => t > loss.at);
    return after.length > 0 ? (Math.min(...after) - loss.at) / 1_000 : undefined;
  }

  recoveries(): { quiet: number[]; amidFaults: number[] } {
    const result = { quiet: [] as number[], amidFaults: [] as number[] };
    for (const loss of this.losses) {
      const disturbed = this.disturbances.some(
        (t) => t >= loss.at - DISTURBED_BEFORE_MS && t <= loss.at + DISTURBED_AFTER_MS,
      );
      for (const session of loss.sessions) {
        const seconds = this.recoveryOf(session, loss);
        if (seconds !== undefined) (disturbed ? result.amidFaults : result.quiet).push(seconds);
      }
    }
    return result;
  }
}
