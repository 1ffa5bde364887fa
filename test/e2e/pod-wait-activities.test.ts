/**
 * The pod check of the session activities against the real stack: checkSessionPod, what the workflow
 * asks when the informer's word about its pod is missing. Activities run inside MockActivityEnvironment for an activity Context; every
 * Kubernetes call is real.
 */
import * as k8s from '@kubernetes/client-node';
import { testSessionSpec } from '../support/session-spec.js';
import {
  activities,
  cleanup,
  deletePod,
  core,
  namespace,
  nowherePlacement,
  podReady,
  provision,
  run,
} from '../support/session-activities.js';

describe('checkSessionPod', () => {
  test('it reports a running pod as ready and not lost, and a deleted pod as lost with reason deleted', async () => {
    const spec = testSessionSpec();
    try {
      await provision(spec);
      const ready = await podReady(spec);
      const healthy = await run(activities.checkSessionPod, spec);
      expect(healthy).toMatchObject({ exists: true, ready: true, podUid: ready.podUid, phase: 'Running' });
      expect(healthy.lostReason).toBeUndefined();

      await deletePod(spec, 0);
      const gone = await run(activities.checkSessionPod, spec);
      expect(gone).toMatchObject({ exists: false, ready: false, lostReason: 'deleted' });
    } finally {
      await cleanup(spec);
    }
  });

  test.each([
    ['evicted', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }, /Evicted/],
    [
      'node_lost',
      { phase: 'Failed', reason: 'NodeLost', message: 'Node kwok-spot-a which was running pod is unresponsive' },
      /NodeLost/,
    ],
    [
      'oom_killed',
      {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'claude-code',
            image: 'example.invalid/agentapi:test',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      },
      /OOMKilled/,
    ],
    [
      'disruption',
      {
        conditions: [
          // Without a transition time the disruption controller treats the condition as stale and resets it to False at once.
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'PreemptionByScheduler',
            message: 'preempted',
            lastTransitionTime: new Date(),
          },
        ],
      },
      /PreemptionByScheduler/,
    ],
  ])('a pod whose status says %s is reported lost with that reason', async (lostReason, status, message) => {
    // The status is written by the test, standing in for a kubelet. The pod stays unscheduled so that
    // KWOK, which rewrites the status of pods on its nodes, cannot overwrite it.
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      const { podName } = await provision(spec);
      await core.patchNamespacedPodStatus(
        { name: podName, namespace, body: { status } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      );
      const check = await run(activities.checkSessionPod, spec);
      expect(check.exists).toBe(true);
      expect(check.lostReason).toBe(lostReason);
      expect(check.message).toMatch(message);
    } finally {
      await cleanup(spec);
    }
  });
});
