/**
 * The session workflow's life on the stack's real Temporal dev server, with in-memory activities (see
 * ./fake-activities.ts): provisioning in one step, extending, and terminating by update or signal. Its
 * failures, recovery and refusals are in session-workflow-failures.test.ts.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  extendSessionUpdate,
  terminateSessionSignal,
  terminateSessionUpdate,
} from '../../workflows/contract/session-messages.js';
import { terminateQuietly, untilStatus } from './session-handles.js';
import { minutesBetween, sessionWorkflowSuite } from './session-suite.js';

const suite = sessionWorkflowSuite('session-workflow-test');
const { world, spec, start, state, trailOf, auditTrail } = suite;

describe('session workflow with in-memory activities', () => {
  test('provisions every object in one step, waits for the Ready the informer reports, then reports running', async () => {
    const s = spec({ timeoutMinutes: 30, maxLifetimeMinutes: 120, pvc: { ...spec().pvc, enabled: true } });
    const handle = await start(s);
    try {
      const running = await untilStatus(handle, 'running');
      // One activity for every object, and no activity at all while the pod starts: its Ready is signalled.
      expect(world.calls(s.sessionId)).toEqual(['provisionSession']);
      expect(running.events.map((e) => e.type)).toEqual([
        'secrets_created',
        'configmap_created',
        'pvc_created',
        'cold_start',
        'pod_created',
        'service_created',
        'pod_ready',
        'running',
      ]);
      expect(running.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(running.start).toBe('cold');
      expect(running.url).toBe(`http://${running.serviceName}.${s.namespace}.svc.cluster.local:9000`);
      expect(running.podName).toBe(`${s.sessionId}-pod`);
      expect(running.serviceName).toBe(`${s.sessionId}-svc`);
      expect(running.nodeName).toBe('kwok-spot-a');
      expect(running.pvcName).toBe(`${s.sessionId}-pvc`);
      expect(Object.keys(running.phases).sort()).toEqual(['creating', 'running']);
      expect(minutesBetween(running.phases.running!, running.expiresAt!)).toBe(30);
      expect(minutesBetween(running.createdAt, running.maxExpiresAt)).toBe(120);
      expect(running.restartCount).toBe(0);
      expect(world.objects(s.sessionId)).toEqual([
        'configmap',
        'pod',
        'pvc',
        'secret/credentials',
        'secret/mcp',
        'service',
      ]);
      expect(await auditTrail(s.sessionId, ['->creating', 'creating>running'])).toEqual([
        '->creating',
        'creating>running',
      ]);
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('extending moves the deadline from the current one, and is refused past the maximum lifetime', async () => {
    const s = spec({ timeoutMinutes: 30, maxLifetimeMinutes: 60 });
    const handle = await start(s);
    try {
      const running = await untilStatus(handle, 'running');
      const { expiresAt } = await handle.executeUpdate(extendSessionUpdate, { args: [{ minutes: 15 }] });
      expect(minutesBetween(running.expiresAt!, expiresAt)).toBe(15);
      expect((await state(handle)).expiresAt).toBe(expiresAt);

      const tooFar = await handle
        .executeUpdate(extendSessionUpdate, { args: [{ minutes: 60 }] })
        .catch((e: unknown) => e);
      expect(tooFar).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((tooFar as WorkflowUpdateFailedError).cause?.message).toMatch(/maximum lifetime of 60 minutes/);

      for (const minutes of [0, -5, 1.5]) {
        const rejected = await handle
          .executeUpdate(extendSessionUpdate, { args: [{ minutes }] })
          .catch((e: unknown) => e);
        expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((rejected as WorkflowUpdateFailedError).cause?.message).toMatch(/positive integer/);
      }
      // Rejected updates leave no trace: the deadline is the one the accepted extension set.
      const after = await state(handle);
      expect(after.expiresAt).toBe(expiresAt);
      expect(after.events.filter((e) => e.type === 'extended')).toHaveLength(1);
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('terminating shuts the pod down with its grace period, deletes every object, and keeps the PVC when asked', async () => {
    const s = spec({ podStopGraceSeconds: 7, pvc: { ...spec().pvc, enabled: true, deleteOnTerminate: true } });
    const handle = await start(s);
    await untilStatus(handle, 'running');

    const accepted = await handle.executeUpdate(terminateSessionUpdate, {
      args: [{ reason: 'user', deletePvc: false }],
    });
    expect(['terminating', 'terminated']).toContain(accepted.status);
    // A second request changes nothing and answers with the current state.
    const again = await handle.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'second', deletePvc: true }] });
    expect(again.endReason ?? 'user').toBe('user');

    const final = await handle.result();
    expect(final.status).toBe('terminated');
    expect(final.endReason).toBe('user');
    expect(final.endedAt).toBeDefined();
    expect(final.pvcRetained).toBe(true);
    expect(final.events.map((e) => e.type).slice(-2)).toEqual(['terminating', 'terminated']);
    const calls = world.session(s.sessionId).calls;
    expect(calls.filter((c) => c.activity === 'requestPodDeletion')).toEqual([
      { activity: 'requestPodDeletion', options: { graceSeconds: 7 } },
    ]);
    expect(calls.filter((c) => c.activity === 'deleteSessionObjects')).toEqual([
      { activity: 'deleteSessionObjects', options: { deletePvc: false } },
    ]);
    expect(world.objects(s.sessionId)).toEqual(['pvc']);
    expect(trailOf(s.sessionId).slice(-2)).toEqual(['running>terminating', 'terminating>terminated']);
    // Queries still answer once the workflow has closed.
    expect((await state(handle)).status).toBe('terminated');
  });

  test('a terminate signal ends the session the same way as the update, with the PVC deleted by policy', async () => {
    const s = spec({ pvc: { ...spec().pvc, enabled: true, deleteOnTerminate: true } });
    const handle = await start(s);
    await untilStatus(handle, 'running');
    await handle.signal(terminateSessionSignal, { reason: 'admin' });
    const final = await handle.result();
    expect(final.status).toBe('terminated');
    expect(final.endReason).toBe('admin');
    expect(final.pvcRetained).toBe(false);
    expect(world.objects(s.sessionId)).toEqual([]);
  });

  // The deadline test waits out a real minute on a session of its own; it and every test after it (each on
  // sessions of its own) run side by side, at most maxConcurrency (5) at a time.
});
