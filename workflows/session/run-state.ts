/**
 * The run's own bookkeeping beside the session's state: what the run and its helpers (./messages.ts,
 * ./provisioning.ts, ./pod-replacement.ts, ./fast-recovery.ts, ./ending.ts) read and write. One plain
 * record shared by reference, so every helper sees the same values without a getter or setter between.
 */
import type { CancellationScope } from '@temporalio/workflow';
import type { ShutdownRequest } from '../contract/session-run.js';

export interface RunState {
  /** The termination requested, once one is; setting it is how a request reaches the run. */
  terminate: ShutdownRequest | undefined;
  /** The scope of the step a termination request may abort (provisioning or a pod recovery). */
  interruptible: CancellationScope | undefined;
  /** The seq the next recorded event gets. */
  nextSeq: number;
  /** Set before continuing as new: long-polling followers are answered so the handlers can finish. */
  draining: boolean;
  /** The pod's name when it is a handover's `<base>-g<N>` rather than the session's own `<base>`. */
  namedPod: string | undefined;
  /** When each pod recreation happened, for the restart budget's sliding window. */
  restartTimes: string[];
}
