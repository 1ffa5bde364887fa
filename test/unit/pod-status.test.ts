/** What counts as a lost session pod, for pod states both typed responses and raw watch events carry. */
import type * as k8s from '@kubernetes/client-node';
import { classifyPodLoss, isPodReady, toIsoTime } from '../../src/k8s/pod-status.js';

const running: k8s.V1Pod = {
  metadata: { name: 'p', uid: 'u' },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
};

describe('classifyPodLoss', () => {
  test('a running, ready pod is not lost', () => {
    expect(classifyPodLoss(running)).toBeUndefined();
    expect(isPodReady(running)).toBe(true);
  });

  test('a Failed pod without a more specific cause is failed, naming the container that exited non-zero', () => {
    const pod: k8s.V1Pod = {
      ...running,
      status: {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'agent',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 2, reason: 'Error' } },
          },
        ],
      },
    };
    expect(classifyPodLoss(pod)).toEqual({
      reason: 'failed',
      message: 'Failed: container agent exited with code 2 (Error)',
    });
  });

  test('an OOM kill in a native sidecar (an init container) is found too', () => {
    const pod: k8s.V1Pod = {
      ...running,
      status: {
        phase: 'Failed',
        initContainerStatuses: [
          {
            name: 'otel',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      },
    };
    expect(classifyPodLoss(pod)?.reason).toBe('oom_killed');
  });

  test('a pod being deleted is lost as deleted, whether the timestamp is a Date or wire text', () => {
    for (const deletionTimestamp of [new Date('2026-01-01T00:00:00Z'), '2026-01-01T00:00:00Z']) {
      const pod = { ...running, metadata: { ...running.metadata, deletionTimestamp } } as k8s.V1Pod;
      expect(classifyPodLoss(pod)).toEqual({
        reason: 'deleted',
        message: 'the pod is being deleted (since 2026-01-01T00:00:00.000Z)',
      });
    }
  });

  test('a Failed/Evicted pod is evicted even though it also carries a DisruptionTarget condition', () => {
    const pod: k8s.V1Pod = {
      ...running,
      status: {
        phase: 'Failed',
        reason: 'Evicted',
        message: 'The node was low on resource: memory.',
        conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet' }],
      },
    };
    expect(classifyPodLoss(pod)?.reason).toBe('evicted');
  });
});

describe('toIsoTime', () => {
  test('null, empty and absent times are undefined, not the Unix epoch', () => {
    expect(toIsoTime(null)).toBeUndefined();
    expect(toIsoTime('')).toBeUndefined();
    expect(toIsoTime(undefined)).toBeUndefined();
  });
});
