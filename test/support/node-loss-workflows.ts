// A stand-in for a session workflow that records every podLost signal, so a test can count them.
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { podLostSignal } from '../../workflows/contract/session-messages.js';

type PodLost = { podName: string; reason: string; message?: string; podUid?: string };

export const recordedPodLostQuery = defineQuery<PodLost[]>('recordedPodLost');
export const stopRecordingSignal = defineSignal('stopRecording');

export async function podLostRecorderWorkflow(): Promise<PodLost[]> {
  const received: PodLost[] = [];
  let stop = false;
  setHandler(podLostSignal, (event) => {
    received.push(event);
  });
  setHandler(recordedPodLostQuery, () => received);
  setHandler(stopRecordingSignal, () => {
    stop = true;
  });
  await condition(() => stop);
  return received;
}
