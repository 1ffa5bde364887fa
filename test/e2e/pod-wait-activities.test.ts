/**
 * The pod waits and checks of the session activities against the real stack: waitForPodReady (Ready,
 * re-watching, start timeout with the scheduler's reason, fast failure, cancellation) and
 * checkSessionPod. Activities run inside MockActivityEnvironment for an activity Context; every
 * Kubernetes call is real.
 */
import * as k8s from '@kubernetes/client-node';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { createSessionActivities } from '../../activities/index.js';
import { FailureType } from '../../activities/errors.js';
import type { PodDiagnosis } from '../../activities/pod-diagnosis.js';
import { buildSessionPod } from '../../src/k8s/manifests.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { testSessionSpec } from '../support/session-spec.js';
import { eventually } from '../support/wait.js';
import {
  activities,
  cleanup,
  clients,
  core,
  expectFailure,
  namespace,
  nowherePlacement,
  provision,
  quietTemporal,
  rejectionOf,
  run,
  runIn,
} from '../support/session-activities.js';

describe('waitForPodReady', () => {
  test('it resolves with the pod, its KWOK node and the Ready time, heartbeating while it waits', async () => {
    const spec = testSessionSpec();
    try {
      const created = await provision(spec);
      const env = new MockActivityEnvironment(undefined, { logger: quietTemporal });
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => heartbeats.push(d));
      const ready = await runIn(env, activities.waitForPodReady, spec, { timeoutSeconds: 60 });

      expect(ready.podName).toBe(created.podName);
      expect(ready.podUid).toBe(created.podUid);
      const node = await core.readNode({ name: ready.nodeName });
      expect(node.metadata?.annotations?.['kwok.x-k8s.io/node']).toBe('fake');
      expect(Number.isNaN(Date.parse(ready.readyAt))).toBe(false);
      expect(heartbeats.length).toBeGreaterThan(0);
      expect(heartbeats[0]).toMatchObject({ deadlineMs: expect.any(Number) });
    } finally {
      await cleanup(spec);
    }
  });

  test('it re-reads and re-watches the pod each time a watch ends, and still sees the pod turn Ready later', async () => {
    const spec = testSessionSpec();
    const name = sessionObjectNames(spec.user, spec.sessionId).pod;
    // Count the activity's "watch ended" log lines as they are written, so the test waits on them, not on time.
    let watchEnds = 0;
    let twoWatchesEnded!: () => void;
    const endedTwice = new Promise<void>((resolve) => (twoWatchesEnded = resolve));
    const logger = pino(
      { level: 'debug' },
      {
        write: (line: string) => {
          if (line.includes('pod watch ended') && ++watchEnds === 2) twoWatchesEnded();
        },
      },
    );
    const impatient = createSessionActivities({ clients, logger, podWatchTimeoutSeconds: 1 });
    try {
      // A scheduling gate holds the pod back until the test lifts it, long after the first watches ended.
      const held = buildSessionPod(spec);
      held.spec = { ...held.spec!, schedulingGates: [{ name: 'example.com/held-by-test' }] };
      await core.createNamespacedPod({ namespace, body: held });
      const { podUid } = await run(impatient.ensureSessionPod, spec);

      const waiting = run(impatient.waitForPodReady, spec, { timeoutSeconds: 60 });
      await endedTwice;
      await core.patchNamespacedPod(
        { name, namespace, body: [{ op: 'remove', path: '/spec/schedulingGates' }] },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      );
      const ready = await waiting;
      expect(ready.podUid).toBe(podUid);
      expect(watchEnds).toBeGreaterThanOrEqual(2);
    } finally {
      await cleanup(spec);
    }
  });

  test('a pod no node can take fails after the timeout as PodStartTimeout, with the scheduler’s reason in the message and the details', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      await provision(spec);
      const started = Date.now();
      const failure = expectFailure(
        await rejectionOf(run(activities.waitForPodReady, spec, { timeoutSeconds: 5 })),
        FailureType.PodStartTimeout,
        true,
      );
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(4_900);
      expect(elapsed).toBeLessThan(20_000);

      expect(failure.message).toMatch(/within 5 s/);
      expect(failure.message).toMatch(/PodScheduled=False \(Unschedulable: 0\/\d+ nodes are available/);
      expect(failure.message).toMatch(/didn't match Pod's node affinity\/selector/);
      expect(failure.message).toMatch(/Hint: No node can take the pod/);
      const diagnosis = failure.details?.[0] as PodDiagnosis;
      expect(diagnosis.phase).toBe('Pending');
      expect(diagnosis.conditions).toContainEqual(
        expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }),
      );
      expect(diagnosis.events.some((e) => e.reason === 'FailedScheduling')).toBe(true);
      // The diagnosis never carries the session's secrets.
      expect(JSON.stringify(failure.details)).not.toContain(spec.secrets.githubToken);
    } finally {
      await cleanup(spec);
    }
  });

  test('it fails fast as PodFailed when the pod is deleted while it waits, instead of running into the timeout', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      const { podName } = await provision(spec);
      const started = Date.now();
      const waiting = rejectionOf(run(activities.waitForPodReady, spec, { timeoutSeconds: 120 }));
      // Give the activity time to reach its watch, so the deletion arrives as a watch event.
      await eventually('the pod to be Unschedulable', async () => {
        const pod = await core.readNamespacedPod({ name: podName, namespace });
        return pod.status?.conditions?.some((c) => c.reason === 'Unschedulable') ? true : undefined;
      });
      await core.deleteNamespacedPod({ name: podName, namespace, gracePeriodSeconds: 0 });
      const failure = expectFailure(await waiting, FailureType.PodFailed, true);
      expect(failure.message).toMatch(/deleted/);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await cleanup(spec);
    }
  });

  test('it fails fast as PodFailed when the pod turns Failed while it waits', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      const { podName } = await provision(spec);
      const waiting = rejectionOf(run(activities.waitForPodReady, spec, { timeoutSeconds: 120 }));
      await core.patchNamespacedPodStatus(
        {
          name: podName,
          namespace,
          body: { status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      const failure = expectFailure(await waiting, FailureType.PodFailed, true);
      expect(failure.message).toMatch(/evicted/);
      expect(failure.message).toMatch(/low on resource: memory/);
    } finally {
      await cleanup(spec);
    }
  });

  test('cancelling the activity stops the wait with a CancelledFailure', async () => {
    const spec = testSessionSpec({ placement: nowherePlacement });
    try {
      await provision(spec);
      const env = new MockActivityEnvironment(undefined, { logger: quietTemporal });
      const waiting = rejectionOf(runIn(env, activities.waitForPodReady, spec, { timeoutSeconds: 120 }));
      // Cancel once the activity is demonstrably running (it heartbeats as soon as it starts).
      await new Promise<void>((resolve) => env.once('heartbeat', () => resolve()));
      env.cancel();
      expect(await waiting).toBeInstanceOf(CancelledFailure);
    } finally {
      await cleanup(spec);
    }
  });
});

describe('checkSessionPod', () => {
  test('it reports a running pod as ready and not lost, and a deleted pod as lost with reason deleted', async () => {
    const spec = testSessionSpec();
    try {
      await provision(spec);
      const ready = await run(activities.waitForPodReady, spec, { timeoutSeconds: 60 });
      const healthy = await run(activities.checkSessionPod, spec);
      expect(healthy).toMatchObject({ exists: true, ready: true, podUid: ready.podUid, phase: 'Running' });
      expect(healthy.lostReason).toBeUndefined();

      await run(activities.deleteSessionPod, spec, { graceSeconds: 0 });
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
