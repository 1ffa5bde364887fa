/**
 * The session workflow's recovery from pod and node loss, on the stack's real Temporal dev
 * server with the in-memory activities of ./fake-activities.ts: a node loss acts at once with a
 * force-delete, an interruption or eviction keeps the pod's grace, a loss before the first Ready uses the
 * restart budget, and the deadline ends a session that is still recovering.
 */
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { SessionSpec, SessionState } from '../../workflows/contract/spec.js';
import { startSession } from '../../src/temporal/client.js';
import {
  getSessionStateQuery,
  podLostSignal,
  podNotReadySignal,
  podReadySignal,
  terminateSessionSignal,
} from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { FakeWorld } from './fake-activities.js';
import { scheduledWith, taskScheduling, taskSettingStatus } from './history-tasks.js';
import { captureAudit } from '../support/audit-capture.js';
import { terminateQuietly } from './session-handles.js';
import { testWorkflowBundle } from '../support/workflow-code.js';

const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = stackEnv();
const taskQueue = `fast-recovery-test-${uniqueSuffix()}`;
const world = new FakeWorld();
const audit = captureAudit();

let client: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let workerRun: Promise<void>;

beforeAll(async () => {
  client = new Client({
    connection: await Connection.connect({ address: TEMPORAL_ADDRESS }),
    namespace: TEMPORAL_NAMESPACE,
  });
  nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  worker = await Worker.create({
    connection: nativeConnection,
    namespace: TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: await testWorkflowBundle(),
    activities: world.activities(client),
    sinks: audit.sinks,
  });
  workerRun = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await nativeConnection?.close();
  await client?.connection.close();
});

type SessionHandle = WorkflowHandle<typeof sessionWorkflow>;

const spec = (overrides: Partial<SessionSpec> = {}): SessionSpec =>
  testSessionSpec({ user: `fast-${uniqueSuffix()}@example.com`, podStopGraceSeconds: 7, ...overrides });
const start = (s: SessionSpec): Promise<SessionHandle> => startSession(client, s, { temporalTaskQueue: taskQueue });
const state = (handle: SessionHandle): Promise<SessionState> => handle.query(getSessionStateQuery);
/** The uid the fake gives the session's current pod. */
const currentUid = (s: SessionSpec): string => `uid-${world.session(s.sessionId).incarnation}`;

async function until(
  handle: SessionHandle,
  what: string,
  test: (s: SessionState) => boolean,
  timeoutMs = 30_000,
): Promise<SessionState> {
  const probe = async (): Promise<SessionState | undefined> => {
    const current = await state(handle);
    return test(current) ? current : undefined;
  };
  return eventually(what, probe, { timeoutMs });
}

/** The activities after the first `from` call, with their options, in order. */
function callsFrom(s: SessionSpec, from: string): [string, unknown][] {
  const calls = world.session(s.sessionId).calls;
  const at = calls.findIndex((c) => c.activity === from);
  return at < 0 ? [] : calls.slice(at).map((c) => [c.activity, c.options]);
}

describe('fast recovery', () => {
  test('a node loss replaces the pod at once: its successor is created while it is force-deleted with grace 0, no check of the pod first', async () => {
    const s = spec();
    const handle = await start(s);
    try {
      const before = await until(handle, 'running', (c) => c.status === 'running');
      // The apiserver would still show this pod Running (pod GC takes ~40 s): the report alone decides.
      await handle.signal(podLostSignal, {
        podName: before.podName,
        podUid: currentUid(s),
        reason: 'node-lost',
        message: 'node kwok-spot-a was deleted',
      });
      const after = await until(handle, 'replaced', (c) => c.status === 'running' && c.restartCount === 1);
      expect(after.nodeName).toBe('kwok-spot-b');
      expect(after.events.find((e) => e.type === 'pod_lost')?.message).toBe('node_lost: node kwok-spot-a was deleted');
      // Nothing waits for a pod on a gone node: both are scheduled by one workflow task, the successor
      // under the next generation's name.
      expect((await scheduledWith(handle, 'requestPodDeletion')).sort()).toEqual([
        'ensureSessionPod',
        'requestPodDeletion',
      ]);
      const calls = world.session(s.sessionId).calls;
      expect(calls.find((c) => c.activity === 'requestPodDeletion')?.options).toEqual({ graceSeconds: 0 });
      expect(calls.filter((c) => c.activity === 'ensureSessionPod').at(-1)?.options).toEqual({ generation: 1 });
      expect(after.podName).toBe(`${s.sessionId}-pod-g1`);
      expect(world.calls(s.sessionId)).not.toContain('checkSessionPod');
    } finally {
      await terminateQuietly(handle);
    }
  });

  const interrupt = (handle: SessionHandle, s: SessionSpec, podName: string) =>
    handle.signal(podLostSignal, {
      podName,
      podUid: currentUid(s),
      reason: 'node-interruption',
      message: 'node kwok-spot-a is marked for interruption (taint karpenter.sh/disrupted)',
    });

  test('an interruption notice hands over: the successor starts beside the pod, which is stopped with its full grace once the successor is Ready', async () => {
    const s = spec();
    const handle = await start(s);
    try {
      const before = await until(handle, 'running', (c) => c.status === 'running');
      await interrupt(handle, s, before.podName);
      const after = await until(handle, 'handed over', (c) => c.status === 'running' && c.restartCount === 1);
      expect(callsFrom(s, 'ensureSessionPod').slice(0, 2)).toEqual([
        ['ensureSessionPod', { generation: 1 }],
        ['requestPodDeletion', { graceSeconds: 7 }],
      ]);
      expect(after.podName).toBe(`${s.sessionId}-pod-g1`);
      expect(after.events.map((e) => e.type)).toEqual(
        expect.arrayContaining(['pod_lost', 'pod_created', 'pod_restarted']),
      );
      // The shutdown then stops the successor, not the pod already gone.
      await handle.signal(terminateSessionSignal, { reason: 'user' });
      await handle.result();
      expect(world.session(s.sessionId).objects.has('pod')).toBe(false);
      expect(world.session(s.sessionId).retiring).toBeUndefined();
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('an interruption notice for a session with a claim stops the pod with its full grace before the replacement starts (ReadWriteOnce)', async () => {
    const s = spec({ pvc: { ...spec().pvc, enabled: true } });
    const handle = await start(s);
    try {
      const before = await until(handle, 'running', (c) => c.status === 'running');
      await interrupt(handle, s, before.podName);
      const after = await until(handle, 'replaced', (c) => c.status === 'running' && c.restartCount === 1);
      expect(callsFrom(s, 'requestPodDeletion').slice(0, 2)).toEqual([
        ['requestPodDeletion', { graceSeconds: 7 }],
        ['ensureSessionPod', undefined],
      ]);
      expect(after.podName).toBe(before.podName);
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('a report about a predecessor pod changes nothing', async () => {
    const s = spec();
    const handle = await start(s);
    try {
      const before = await until(handle, 'running', (c) => c.status === 'running');
      await handle.signal(podLostSignal, { podName: before.podName, podUid: 'uid-old', reason: 'node-lost' });
      // Without a report about its own pod the workflow looks at the pod, finds it healthy and stays.
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

  test('an interruption notice heard while the pod starts is acted on once it is Ready: handed over, the pod keeps its grace', async () => {
    const s = spec();
    world.session(s.sessionId).readiness = 'timeout';
    const handle = await start(s);
    try {
      await eventually('the first pod', async () => (world.session(s.sessionId).incarnation === 1 ? true : undefined));
      await interrupt(handle, s, `${s.sessionId}-pod`);
      // The pod still turns Ready on the node being drained; its successor will start elsewhere.
      world.session(s.sessionId).readiness = 'ready';
      await handle.signal(podReadySignal, { podName: `${s.sessionId}-pod`, podUid: 'uid-1', nodeName: 'kwok-spot-a' });
      const after = await until(handle, 'handed over', (c) => c.status === 'running' && c.restartCount === 1);
      expect(after.podName).toBe(`${s.sessionId}-pod-g1`);
      expect(after.nodeName).toBe('kwok-spot-b');
      expect(after.events.find((e) => e.type === 'pod_lost')?.message).toMatch(/^interruption: /);
      expect(callsFrom(s, 'ensureSessionPod').slice(0, 2)).toEqual([
        ['ensureSessionPod', { generation: 1 }],
        ['requestPodDeletion', { graceSeconds: 7 }],
      ]);
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('a pod lost before its first Ready is replaced through the restart budget and the session starts', async () => {
    const s = spec({ restartPolicy: { maxRestarts: 2, windowMinutes: 60 } });
    world.session(s.sessionId).readiness = 'timeout';
    const handle = await start(s);
    try {
      await eventually('the first pod', async () => (world.session(s.sessionId).incarnation === 1 ? true : undefined));
      // The replacement will turn Ready; the first pod's node goes away while it starts.
      world.session(s.sessionId).readiness = 'ready';
      await handle.signal(podLostSignal, { podName: 'p', podUid: 'uid-1', reason: 'node-lost', message: 'gone' });
      const running = await until(handle, 'running', (c) => c.status === 'running');
      expect(running.restartCount).toBe(1);
      expect(running.nodeName).toBe('kwok-spot-b');
      const types = running.events.map((e) => e.type);
      expect(types.slice(types.indexOf('pod_lost'))).toEqual(['pod_lost', 'pod_created', 'pod_ready', 'running']);
      expect(callsFrom(s, 'requestPodDeletion').slice(0, 2)).toEqual([
        ['requestPodDeletion', { graceSeconds: 0 }],
        ['ensureSessionPod', undefined],
      ]);
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('losing pods before the first Ready more often than the policy allows fails the session as PodFailed', async () => {
    const s = spec({ restartPolicy: { maxRestarts: 0, windowMinutes: 60 } });
    world.session(s.sessionId).readiness = 'timeout';
    const handle = await start(s);
    await eventually('the first pod', async () => (world.session(s.sessionId).incarnation === 1 ? true : undefined));
    await handle.signal(podLostSignal, { podName: 'p', podUid: 'uid-1', reason: 'node-lost', message: 'gone' });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('PodFailed');
    const final = await state(handle);
    expect(final.endReason).toBe('pod_failed');
    expect(final.lastError?.message).toMatch(/before it was Ready; the restart policy allows 0/);
    expect(world.objects(s.sessionId)).toEqual([]);
  });

  // The next two wait out a real minute on the dev server (the deadline, unhealthyMinutes), each on
  // sessions of its own: they run side by side.
  test.concurrent(
    'the deadline ends a session whose replacement pod is still starting',
    async () => {
      const s = spec({ timeoutMinutes: 1, podStartTimeoutSeconds: 600 });
      const handle = await start(s);
      try {
        const before = await until(handle, 'running', (c) => c.status === 'running');
        // The replacement never turns Ready within the session's remaining minute.
        world.session(s.sessionId).readiness = 'timeout';
        await handle.signal(podLostSignal, { podName: before.podName, podUid: currentUid(s), reason: 'node-lost' });
        await until(handle, 'restarting', (c) => c.status === 'restarting');
        const final = await handle.result();
        expect(final.status).toBe('terminated');
        expect(final.endReason).toBe('timeout');
        expect(final.restartCount).toBe(1);
        expect(world.objects(s.sessionId)).toEqual([]);
      } finally {
        await terminateQuietly(handle);
      }
    },
    150_000,
  );

  test.concurrent(
    'a pod NotReady longer than unhealthyMinutes after having been Ready is replaced with its grace; one Ready again in time is kept',
    async () => {
      const policy = { maxRestarts: 2, windowMinutes: 60, unhealthyMinutes: 1 };
      const crashing = spec({ restartPolicy: policy });
      const flapping = spec({ restartPolicy: policy });
      const [a, b] = await Promise.all([start(crashing), start(flapping)]);
      try {
        const [runningA, runningB] = await Promise.all([
          until(a, 'running', (c) => c.status === 'running'),
          until(b, 'running', (c) => c.status === 'running'),
        ]);
        const uidB = currentUid(flapping);
        await a.signal(podNotReadySignal, { podName: runningA.podName, podUid: currentUid(crashing) });
        await b.signal(podNotReadySignal, { podName: runningB.podName, podUid: uidB });
        await b.signal(podReadySignal, { podName: runningB.podName, podUid: uidB, nodeName: 'kwok-spot-a' });
        const replaced = await until(a, 'replaced', (c) => c.status === 'running' && c.restartCount === 1, 120_000);
        expect(replaced.events.find((e) => e.type === 'pod_lost')?.message).toMatch(
          /^unhealthy: .*NotReady for 1 minutes/,
        );
        expect(callsFrom(crashing, 'requestPodDeletion').slice(0, 2)).toEqual([
          ['requestPodDeletion', { graceSeconds: 7 }],
          ['ensureSessionPod', undefined],
        ]);
        // The same minute has passed for the flapping pod, which turned Ready again: nothing happened to it.
        const kept = await state(b);
        expect(kept.restartCount).toBe(0);
        expect(world.calls(flapping.sessionId)).not.toContain('requestPodDeletion');
      } finally {
        await Promise.all([terminateQuietly(a), terminateQuietly(b)]);
      }
    },
    150_000,
  );

  test('an idle running session sleeps until its deadline: it has no timer of its own to look at its pod', async () => {
    const s = spec({ timeoutMinutes: 60 });
    const handle = await start(s);
    try {
      await until(handle, 'running', (c) => c.status === 'running');
      // The running loop's wait is the last timer the session starts: the reconciler's sweep, not a periodic
      // look of the session's own, finds a running session without a Ready pod.
      const lastTimerMinutes = async (): Promise<number | undefined> => {
        const history = await handle.fetchHistory();
        const timers = (history.events ?? []).map((e) => e.timerStartedEventAttributes).filter((t) => t != null);
        const seconds = Number(timers.at(-1)?.startToFireTimeout?.seconds ?? 0);
        return seconds > 59 * 60 ? seconds / 60 : undefined;
      };
      expect(await eventually('a timer until the deadline', lastTimerMinutes)).toBeLessThanOrEqual(60);
      expect(world.calls(s.sessionId)).not.toContain('checkSessionPod');
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('on a node loss of a session with a claim the old pod is deleted in the same workflow task that records `restarting`: the audit never delays a recovery', async () => {
    // With a claim the successor waits for the old pod to be gone (the volume attaches to one node at a time).
    const s = spec({ pvc: { ...spec().pvc, enabled: true } });
    const handle = await start(s);
    try {
      const before = await until(handle, 'running', (c) => c.status === 'running');
      await handle.signal(podLostSignal, {
        podName: before.podName,
        podUid: currentUid(s),
        reason: 'node-lost',
        message: 'node kwok-spot-a was deleted',
      });
      await until(handle, 'replaced', (c) => c.status === 'running' && c.restartCount === 1);
      const deletedBy = await taskScheduling(handle, 'requestPodDeletion');
      expect(deletedBy).toBeDefined();
      expect(await taskSettingStatus(handle, 'restarting')).toBe(deletedBy);
      expect(await scheduledWith(handle, 'requestPodDeletion')).toEqual(['requestPodDeletion']);
      expect(audit.of(s.sessionId).find((l) => l.to === 'restarting')).toMatchObject({
        from: 'running',
        reason: 'node_lost',
        detail: { restartCount: 1 },
      });
    } finally {
      await terminateQuietly(handle);
    }
  });
});
