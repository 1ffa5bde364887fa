/**
 * The session workflow's failures, recovery and refusals on the stack's real Temporal dev server, with
 * in-memory activities (see ./fake-activities.ts): deadlines, pod start timeouts, Kubernetes refusals,
 * lost pods, terminating a starting session, and what is refused when.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import {
  extendSessionUpdate,
  podLostSignal,
  terminateSessionSignal,
  terminateSessionUpdate,
} from '../../workflows/contract/session-messages.js';
import type { SessionCarryOver } from '../../workflows/session.js';
import type { SessionState } from '../../workflows/contract/spec.js';
import { eventually } from '../support/wait.js';
import { terminateQuietly, untilStatus } from './session-handles.js';
import { isProvisioning, sessionWorkflowSuite, type SessionHandle } from './session-suite.js';

const suite = sessionWorkflowSuite('session-workflow-failures');
const { world, spec, start, state, trailOf, auditTrail, failureOf } = suite;

describe('session workflow with in-memory activities: failures and recovery', () => {
  test.concurrent(
    'the session ends by itself at its deadline with end reason timeout',
    async () => {
      const s = spec({ timeoutMinutes: 1, pvc: { ...spec().pvc, enabled: true, deleteOnTerminate: false } });
      const handle = await start(s);
      const final = await handle.result();
      expect(final.status).toBe('terminated');
      expect(final.endReason).toBe('timeout');
      expect(Date.parse(final.phases.terminating!)).toBeGreaterThanOrEqual(Date.parse(final.expiresAt!));
      expect(world.calls(s.sessionId)).toEqual(expect.arrayContaining(['requestPodDeletion', 'deleteSessionObjects']));
      expect(world.objects(s.sessionId)).toEqual(['pvc']);
      expect(final.pvcRetained).toBe(true);
    },
    150_000,
  );

  test.concurrent(
    'a pod that never becomes Ready fails the session with PodStartTimeout and removes everything it created',
    async () => {
      const s = spec({ podStartTimeoutSeconds: 5, pvc: { ...spec().pvc, enabled: true, deleteOnTerminate: false } });
      world.session(s.sessionId).readiness = 'timeout';
      const handle = await start(s);
      const cause = await failureOf(handle);
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('PodStartTimeout');
      expect(cause?.message).toMatch(/didn't match Pod's node affinity\/selector/);

      const final = await state(handle);
      expect(final.status).toBe('failed');
      expect(final.endReason).toBe('start_timeout');
      expect(final.lastError).toEqual(expect.objectContaining({ code: 'POD_START_TIMEOUT' }));
      expect(final.lastError?.message).toMatch(/did not become Ready within 5 s/);
      // The claim held no work yet, so even a keep-on-terminate policy does not keep it.
      expect(world.session(s.sessionId).calls.filter((c) => c.activity === 'deleteSessionObjects')).toEqual([
        { activity: 'deleteSessionObjects', options: { deletePvc: true } },
      ]);
      expect(world.objects(s.sessionId)).toEqual([]);
      expect(trailOf(s.sessionId)).toEqual(['->creating', 'creating>failed']);
    },
  );

  test.concurrent(
    'a Kubernetes refusal while provisioning fails the session with ProvisionFailed and cleans up',
    async () => {
      const s = spec();
      // This spec may start warm: its provisioning is provisionWarmSession.
      world.session(s.sessionId).failures.provisionWarmSession = ApplicationFailure.create({
        type: 'KubernetesForbidden',
        nonRetryable: true,
        message: 'pods "x" is forbidden: violates PodSecurity "restricted:latest"',
      });
      const handle = await start(s);
      const cause = await failureOf(handle);
      expect((cause as ApplicationFailure).type).toBe('ProvisionFailed');
      const final = await state(handle);
      expect(final.status).toBe('failed');
      expect(final.endReason).toBe('provision_failed');
      expect(final.lastError?.code).toBe('KUBERNETES_FORBIDDEN');
      expect(world.calls(s.sessionId).filter((c) => c === 'provisionWarmSession')).toHaveLength(1);
      expect(world.calls(s.sessionId)).toEqual(expect.arrayContaining(['requestPodDeletion', 'deleteSessionObjects']));
      expect(world.objects(s.sessionId)).toEqual([]);
    },
  );

  test.concurrent(
    'a lost pod is replaced on another node and the session keeps running with its deadline',
    async () => {
      const s = spec({ restartPolicy: { maxRestarts: 2, windowMinutes: 60 } });
      const handle = await start(s);
      try {
        const before = await untilStatus(handle, 'running');
        world.losePod(s.sessionId, 'evicted');
        await handle.signal(podLostSignal, { podName: before.podName, reason: 'evicted' });
        const after = await eventually('the pod to be replaced', async () => {
          const current = await state(handle);
          return current.status === 'running' && current.restartCount === 1 ? current : undefined;
        });
        expect(after.nodeName).toBe('kwok-spot-b');
        expect(after.expiresAt).toBe(before.expiresAt);
        expect(after.phases.restarting).toBeDefined();
        const types = after.events.map((e) => e.type);
        expect(types.slice(types.indexOf('pod_lost'))).toEqual(['pod_lost', 'pod_ready', 'pod_restarted']);
        expect(after.events.find((e) => e.type === 'pod_lost')?.message).toMatch(/evicted/);
        expect(after.events.find((e) => e.type === 'pod_restarted')?.message).toMatch(/kwok-spot-b/);
        const calls = world.session(s.sessionId).calls;
        const lostAt = calls.findIndex((c) => c.activity === 'checkSessionPod');
        const recovery = calls.slice(lostAt).map((c) => [c.activity, c.options]);
        expect(recovery.slice(0, 3)).toEqual([
          ['checkSessionPod', undefined],
          // Evicted, not lost with its node: the pod keeps its SIGTERM grace (the apiserver skips it for a
          // pod that has already ended).
          ['requestPodDeletion', { graceSeconds: s.podStopGraceSeconds }],
          ['ensureSessionPod', undefined],
        ]);
        // On a slow machine the replacement's Ready may come after the 15 s safety check: reads only.
        expect(recovery.slice(3).filter(([activity]) => activity !== 'checkSessionPod')).toEqual([]);
        const expectedTrail = ['->creating', 'creating>running', 'running>restarting', 'restarting>running'];
        expect(await auditTrail(s.sessionId, expectedTrail)).toEqual(expectedTrail);
      } finally {
        await terminateQuietly(handle);
      }
    },
  );

  test.concurrent('a pod-lost report about a healthy pod changes nothing', async () => {
    const s = spec();
    const handle = await start(s);
    try {
      const before = await untilStatus(handle, 'running');
      await handle.signal(podLostSignal, { podName: before.podName, reason: 'deleted' });
      await eventually('the pod check', async () =>
        world.calls(s.sessionId).includes('checkSessionPod') ? true : undefined,
      );
      const after = await state(handle);
      expect(after.status).toBe('running');
      expect(after.restartCount).toBe(0);
      expect(world.calls(s.sessionId)).not.toContain('requestPodDeletion');
    } finally {
      await terminateQuietly(handle);
    }
  });

  test.concurrent(
    'losing the pod more often than the restart policy allows fails the session and cleans up',
    async () => {
      const s = spec({
        restartPolicy: { maxRestarts: 1, windowMinutes: 60 },
        pvc: { ...spec().pvc, enabled: true, deleteOnTerminate: false },
      });
      const handle = await start(s);
      const running = await untilStatus(handle, 'running');
      world.losePod(s.sessionId, 'node_lost');
      await handle.signal(podLostSignal, { podName: running.podName, reason: 'node_lost' });
      await eventually('the first replacement', async () => {
        const current = await state(handle);
        return current.status === 'running' && current.restartCount === 1 ? current : undefined;
      });
      world.losePod(s.sessionId, 'node_lost');
      await handle.signal(podLostSignal, { podName: running.podName, reason: 'node_lost' });

      const cause = await failureOf(handle);
      expect((cause as ApplicationFailure).type).toBe('PodFailed');
      const final = await state(handle);
      expect(final.status).toBe('failed');
      expect(final.endReason).toBe('pod_failed');
      expect(final.restartCount).toBe(2);
      expect(final.lastError?.code).toBe('POD_FAILED');
      expect(final.lastError?.message).toMatch(/restart policy allows 1/);
      // The session had run, so its workspace claim is kept as the policy says.
      expect(world.objects(s.sessionId)).toEqual(['pvc']);
      expect(final.pvcRetained).toBe(true);
    },
  );

  test.concurrent(
    'cancelling a running session from Temporal runs the compensations and ends it as cancelled',
    async () => {
      const s = spec({ pvc: { ...spec().pvc, enabled: true, deleteOnTerminate: true } });
      const handle = await start(s);
      await untilStatus(handle, 'running');
      await handle.cancel();
      const cause = await failureOf(handle);
      expect(cause).toBeInstanceOf(CancelledFailure);
      const final = await state(handle);
      expect(final.status).toBe('terminated');
      expect(final.endReason).toBe('cancelled');
      // Compensations run newest first: the pod, then everything else.
      const cleanup = world.session(s.sessionId).calls.filter((c) => /^(delete|requestPodDeletion)/.test(c.activity));
      expect(cleanup).toEqual([
        { activity: 'requestPodDeletion', options: { graceSeconds: s.podStopGraceSeconds } },
        { activity: 'deleteSessionObjects', options: { deletePvc: true } },
      ]);
      expect(world.objects(s.sessionId)).toEqual([]);
    },
  );

  test.concurrent(
    'cancelling a session while its pod is starting aborts the wait and removes everything, PVC included',
    async () => {
      const s = spec({ pvc: { ...spec().pvc, enabled: true, deleteOnTerminate: false } });
      world.session(s.sessionId).readiness = 'hang';
      const handle = await start(s);
      await eventually('the wait for Ready', async () =>
        world.calls(s.sessionId).some(isProvisioning) ? true : undefined,
      );
      await handle.cancel();
      expect(await failureOf(handle)).toBeInstanceOf(CancelledFailure);
      const final = await state(handle);
      expect(final.status).toBe('terminated');
      expect(final.endReason).toBe('cancelled');
      expect(final.phases.running).toBeUndefined();
      expect(world.objects(s.sessionId)).toEqual([]);
    },
  );

  test.concurrent('terminating a session that is still starting aborts the start and shuts down at once', async () => {
    const s = spec();
    world.session(s.sessionId).readiness = 'hang';
    const handle = await start(s);
    await eventually('the wait for Ready', async () =>
      world.calls(s.sessionId).some(isProvisioning) ? true : undefined,
    );
    const accepted = await handle.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'changed-my-mind' }] });
    expect(['terminating', 'terminated']).toContain(accepted.status);
    const final = await handle.result();
    expect(final.status).toBe('terminated');
    expect(final.endReason).toBe('changed-my-mind');
    expect(final.phases.running).toBeUndefined();
    expect(world.objects(s.sessionId)).toEqual([]);
  });

  test.concurrent('extending a session that is not running is refused', async () => {
    const s = spec();
    world.session(s.sessionId).readiness = 'hang';
    const handle = await start(s);
    try {
      await eventually('the wait for Ready', async () =>
        world.calls(s.sessionId).some(isProvisioning) ? true : undefined,
      );
      const rejected = await handle
        .executeUpdate(extendSessionUpdate, { args: [{ minutes: 5 }] })
        .catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((rejected as WorkflowUpdateFailedError).cause?.message).toMatch(/is creating; only a running session/);
    } finally {
      await terminateQuietly(handle);
      await handle.result();
    }
  });

  test.concurrent(
    'the session is found by user and status in visibility, and its status attribute follows the session',
    async () => {
      const s = spec();
      const handle = await start(s);
      const listIds = async (query: string): Promise<string[]> => {
        const ids: string[] = [];
        for await (const wf of suite.client.workflow.list({ query })) ids.push(wf.workflowId);
        return ids;
      };
      try {
        await untilStatus(handle, 'running');
        const running = await eventually('the running session in visibility', async () => {
          const ids = await listIds(`SessionUser='${s.user}' AND SessionStatus='running'`);
          return ids.length > 0 ? ids : undefined;
        });
        expect(running).toEqual([sessionWorkflowId(s.sessionId)]);
        const described = await handle.describe();
        expect(described.searchAttributes).toEqual(
          expect.objectContaining({ SessionId: [s.sessionId], SessionUser: [s.user], SessionStatus: ['running'] }),
        );
      } finally {
        await terminateQuietly(handle);
      }
      await handle.result();
      const ended = await eventually('the terminated session in visibility', async () => {
        const ids = await listIds(`SessionId='${s.sessionId}' AND SessionStatus='terminated'`);
        return ids.length > 0 ? ids : undefined;
      });
      expect(ended).toEqual([sessionWorkflowId(s.sessionId)]);
    },
  );

  test.concurrent(
    'a continued run resumes a running session without provisioning again and still shuts it down',
    async () => {
      const s = spec({ timeoutMinutes: 30 });
      const createdAt = new Date(Date.now() - 60_000).toISOString();
      const carried: SessionCarryOver = {
        state: {
          sessionId: s.sessionId,
          user: s.user,
          namespace: s.namespace,
          status: 'running',
          url: `http://svc.${s.namespace}.svc.cluster.local:9000`,
          podName: `${s.sessionId}-pod`,
          serviceName: 'svc',
          nodeName: 'kwok-spot-a',
          createdAt,
          expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
          maxExpiresAt: new Date(Date.now() + 120 * 60_000).toISOString(),
          restartCount: 1,
          phases: { creating: createdAt, running: createdAt },
          events: [{ seq: 41, type: 'running', at: createdAt }],
        },
        nextSeq: 42,
        restartTimes: [createdAt],
        podLostPending: false,
      };
      const handle = await suite.client.workflow.start('sessionWorkflow', {
        taskQueue: suite.taskQueue,
        workflowId: sessionWorkflowId(s.sessionId),
        args: [s, carried],
      });
      const resumed = await state(handle as SessionHandle);
      expect(resumed.status).toBe('running');
      expect(resumed.restartCount).toBe(1);
      await handle.signal(terminateSessionSignal, { reason: 'user' });
      const final = (await handle.result()) as SessionState;
      expect(final.status).toBe('terminated');
      expect(final.events.map((e) => [e.seq, e.type])).toEqual([
        [41, 'running'],
        [42, 'terminating'],
        [43, 'terminated'],
      ]);
      expect(world.calls(s.sessionId).filter((c) => c.startsWith('ensure'))).toEqual([]);
      expect(world.calls(s.sessionId)).toEqual(expect.arrayContaining(['requestPodDeletion', 'deleteSessionObjects']));
    },
  );
});
