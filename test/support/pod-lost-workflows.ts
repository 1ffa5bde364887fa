// A workflow that only waits for the podLost signal and returns it, to prove signalPodLost reaches `session-<id>`.
import { condition, setHandler } from '@temporalio/workflow';
import { podLostSignal } from '../../workflows/contract/session-messages.js';

/** The podLost signal's payload, as declared by podLostSignal. */
type PodLost = { podName: string; reason: string; message?: string; podUid?: string };

export async function podLostProbeWorkflow(): Promise<PodLost> {
  let received: PodLost | undefined;
  setHandler(podLostSignal, (event) => {
    received = event;
  });
  await condition(() => received !== undefined);
  return received!;
}
