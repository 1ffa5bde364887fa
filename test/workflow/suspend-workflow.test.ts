/**
 * The session workflow's suspend cycle on the stack's real Temporal dev server,
 * with in-memory activities: the workflow's own decisions — when the idle check runs, what it does with
 * a busy agent, a full suspended quota or a failing check, and what a suspended session's end deletes.
 */
import { Client, Connection, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { SuspendActivities } from '../../workflows/contract/activities.js';
import type { SuspendRef } from '../../workflows/contract/activities.js';
import type { SessionSpec, SessionState } from '../../workflows/contract/spec.js';
import { startSession } from '../../src/temporal/client.js';
import {
  getSessionStateQuery,
  suspendSessionUpdate,
  terminateSessionUpdate,
} from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { FakeWorld } from './fake-activities.js';
import { captureAudit } from '../support/audit-capture.js';
import { terminateQuietly, untilStatus } from './session-handles.js';
import { testWorkflowBundle } from '../support/workflow-code.js';

const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = stackEnv();
const taskQueue = `suspend-workflow-test-${uniqueSuffix()}`;
const world = new FakeWorld();

/** What each session's suspend activities answer, and what they were asked. */
interface Agent {
  status: string;
  suspendedPlace: 'ok' | 'full' | 'error';
  statusChecks: number;
  servicesDeleted: number;
}
const agents = new Map<string, Agent>();
const agentOf = (ref: SuspendRef): Agent => {
  let agent = agents.get(ref.sessionId);
  if (!agent) {
    agent = { status: 'stable', suspendedPlace: 'ok', statusChecks: 0, servicesDeleted: 0 };
    agents.set(ref.sessionId, agent);
  }
  return agent;
};
const suspendActivities: SuspendActivities = {
  async deleteSessionService(ref) {
    agentOf(ref).servicesDeleted += 1;
  },
  async holdSuspendedPlace(ref) {
    const place = agentOf(ref).suspendedPlace;
    if (place === 'error') {
      throw ApplicationFailure.create({ type: 'KubernetesForbidden', message: 'forbidden', nonRetryable: true });
    }
    return { ok: place === 'ok', message: 'user has 1 suspended sessions; the limit is 1' };
  },
  async holdRunningPlace() {
    return { ok: true, message: '' };
  },
  async agentStatus(ref) {
    const agent = agentOf(ref);
    agent.statusChecks += 1;
    return { status: agent.status };
  },
};

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
    activities: { ...world.activities(client), ...suspendActivities },
    sinks: captureAudit().sinks,
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

/** A session with a PVC that is idle after 3 s without traffic. */
function spec(overrides: Partial<SessionSpec> = {}): SessionSpec {
  const base = testSessionSpec({ user: `wf-${uniqueSuffix()}@example.com` });
  return { ...base, pvc: { ...base.pvc, enabled: true }, idleMinutes: 0.05, ...overrides };
}

const start = (s: SessionSpec): Promise<SessionHandle> => startSession(client, s, { temporalTaskQueue: taskQueue });
const state = (handle: SessionHandle): Promise<SessionState> => handle.query(getSessionStateQuery);
const checksOf = (s: SessionSpec) => agents.get(s.sessionId)?.statusChecks ?? 0;

describe('idle auto-suspend in the workflow', () => {
  test('a busy agent keeps its session running: the idle check asks again each period, then suspends once stable', async () => {
    const s = spec();
    agentOf(s).status = 'running';
    const h = await start(s);
    try {
      await untilStatus(h, 'running');
      await eventually('two idle checks', async () => (checksOf(s) >= 2 ? true : undefined));
      expect((await state(h)).status).toBe('running');
      expect(world.objects(s.sessionId)).toContain('pod');

      agentOf(s).status = 'stable';
      const suspended = await untilStatus(h, 'suspended');
      expect(suspended.events.filter((e) => e.type === 'suspended').map((e) => e.message)).toEqual(['idle']);
      expect(world.objects(s.sessionId)).not.toContain('pod');
      expect(agents.get(s.sessionId)?.servicesDeleted).toBe(1);
    } finally {
      await terminateQuietly(h);
    }
  });

  test('at the suspended limit an idle session keeps running, and its history says why', async () => {
    const s = spec();
    agentOf(s).suspendedPlace = 'full';
    const h = await start(s);
    try {
      const skipped = await eventually('an idle suspend to be skipped', async () => {
        const current = await state(h);
        return current.events.find((e) => e.type === 'idle_suspend_skipped');
      });
      expect(skipped.message).toContain('the limit is 1');
      expect((await state(h)).status).toBe('running');
    } finally {
      await terminateQuietly(h);
    }
  });

  test('an idle check that fails does not end the session; the next period tries again', async () => {
    const s = spec();
    agentOf(s).suspendedPlace = 'error';
    const h = await start(s);
    try {
      await untilStatus(h, 'running');
      await eventually('two failed idle checks', async () => (checksOf(s) >= 2 ? true : undefined));
      expect((await state(h)).status).toBe('running');
      agentOf(s).suspendedPlace = 'ok';
      await untilStatus(h, 'suspended');
    } finally {
      await terminateQuietly(h);
    }
  });
});

describe('a suspended session', () => {
  test('ends without recreating its pod when terminated, and its objects are deleted', async () => {
    const s = spec({ idleMinutes: undefined, pvc: { ...spec().pvc, deleteOnTerminate: true } });
    const h = await start(s);
    await untilStatus(h, 'running');
    await h.executeUpdate(suspendSessionUpdate, { args: [{}] });
    const podsCreated = world.calls(s.sessionId).filter((c) => c === 'ensureSessionPod').length;
    await h.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'user' }] });
    const final = await h.result();
    expect(final).toMatchObject({ status: 'terminated', endReason: 'user' });
    expect(world.calls(s.sessionId).filter((c) => c === 'ensureSessionPod')).toHaveLength(podsCreated);
    expect(world.objects(s.sessionId)).toEqual([]);
    expect(agents.get(s.sessionId)?.statusChecks ?? 0).toBe(0);
  });

  test('refuses a second suspend with SessionNotRunning', async () => {
    const s = spec({ idleMinutes: undefined });
    const h = await start(s);
    try {
      await untilStatus(h, 'running');
      await h.executeUpdate(suspendSessionUpdate, { args: [{}] });
      const err = await h.executeUpdate(suspendSessionUpdate, { args: [{}] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('SessionNotRunning');
    } finally {
      await terminateQuietly(h);
    }
  });
});
