/**
 * The wording of start-timeout diagnoses for states KWOK cannot produce (it never pulls images or runs
 * containers); the Unschedulable case is covered against the real scheduler in test/e2e.
 */
import type * as k8s from '@kubernetes/client-node';
import { explainPod, type EventFact } from '../../activities/pod-diagnosis.js';

function pendingPod(containerStatuses: k8s.V1ContainerStatus[]): k8s.V1Pod {
  return {
    metadata: { name: 'p', uid: 'u1' },
    spec: { nodeName: 'node-1', containers: [{ name: 'agent' }] },
    status: {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        {
          type: 'Ready',
          status: 'False',
          reason: 'ContainersNotReady',
          message: 'containers with unready status: [agent]',
        },
      ],
      containerStatuses,
    },
  };
}

const waiting = (reason: string, message: string, restartCount = 0): k8s.V1ContainerStatus => ({
  name: 'agent',
  image: 'example.invalid/agent:1',
  imageID: '',
  ready: false,
  restartCount,
  state: { waiting: { reason, message } },
});

describe('explainPod', () => {
  test('an image that cannot be pulled is named with the kubelet’s message and a hint about the image and registry', () => {
    const events: EventFact[] = [
      {
        type: 'Warning',
        reason: 'Failed',
        message: 'Failed to pull image "example.invalid/agent:1": not found',
        count: 3,
      },
    ];
    const d = explainPod(
      'ns',
      'p',
      pendingPod([waiting('ImagePullBackOff', 'Back-off pulling image "example.invalid/agent:1"')]),
      events,
      undefined,
    );
    expect(d.summary).toContain('Phase Pending on node node-1.');
    expect(d.summary).toContain(
      'Container agent waiting: ImagePullBackOff (Back-off pulling image "example.invalid/agent:1").',
    );
    expect(d.summary).toContain('Recent warnings: Failed (x3): Failed to pull image');
    expect(d.hints.join(' ')).toMatch(/check the image name\/tag/);
    expect(d.containers).toEqual([
      expect.objectContaining({ name: 'agent', waitingReason: 'ImagePullBackOff', restartCount: 0 }),
    ]);
  });

  test('a crash-looping container gets a hint to read its previous logs, with the restart count', () => {
    const d = explainPod(
      'ns',
      'p',
      pendingPod([waiting('CrashLoopBackOff', 'back-off 40s restarting failed container', 4)]),
      [],
      undefined,
    );
    expect(d.summary).toContain('Container agent waiting: CrashLoopBackOff');
    expect(d.summary).toContain('Container agent restarted 4 time(s).');
    expect(d.hints.join(' ')).toContain('kubectl logs p -c agent --previous');
  });

  test('a missing pod is reported as such, and unreadable events do not hide the rest of the diagnosis', () => {
    const d = explainPod('ns', 'p', undefined, [], 'Kubernetes refused to list Event ns/* (HTTP 403 Forbidden)');
    expect(d.exists).toBe(false);
    expect(d.summary).toContain('The pod does not exist');
    expect(d.summary).toContain('(Events unavailable: Kubernetes refused to list Event');
  });
});
