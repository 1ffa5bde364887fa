/**
 * A warm start in the session workflow, on the stack's real Temporal dev
 * server with in-memory activities: the claim runs inside the provisioning activity, beside the creates, so
 * a warm create costs one activity and no workflow task of its own for the claim.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { SessionSpec, SessionState } from '../../workflows/contract/spec.js';
import { startSession } from '../../src/temporal/client.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { testSessionSpec } from '../support/session-spec.js';
import { uniqueSuffix } from '../support/stack.js';
import { FakeWorld } from './fake-activities.js';
import { scheduledByFirstTask } from './history-tasks.js';
import { startTestWorker, type TestWorker } from './test-worker.js';
import { terminateQuietly, untilStatus } from './session-handles.js';

const taskQueue = `warm-start-workflow-test-${uniqueSuffix()}`;
const world = new FakeWorld();
/** Sessions whose claim wins a warm pod; every other claim finds the pool empty. */
const warm = new Set<string>();
// The fake world names a session's pod `<id>-pod`: that is the pod the claim "wins".
world.warmClaim = (spec) =>
  warm.has(spec.sessionId)
    ? { podName: `${spec.sessionId}-pod`, podUid: 'uid-1', pool: 'default', nodeName: 'kwok-spot-a' }
    : null;

let client: Client;
let testWorker: TestWorker | undefined;

beforeAll(async () => {
  testWorker = await startTestWorker(taskQueue, (c) => world.activities(c));
  client = testWorker.client;
});

afterAll(async () => {
  await testWorker?.stop();
});

type SessionHandle = WorkflowHandle<typeof sessionWorkflow>;
const spec = (overrides: Partial<SessionSpec> = {}): SessionSpec =>
  testSessionSpec({ user: `warm-wf-${uniqueSuffix()}@example.com`, ...overrides });

async function runToRunning(s: SessionSpec): Promise<{ handle: SessionHandle; state: SessionState }> {
  const handle = await startSession(client, s, { temporalTaskQueue: taskQueue });
  return { handle, state: await untilStatus(handle, 'running') };
}

describe('a session that may start warm', () => {
  test('claims inside its provisioning: one activity, scheduled by the first workflow task', async () => {
    const s = spec();
    warm.add(s.sessionId);
    const { handle, state } = await runToRunning(s);
    try {
      expect(state.start).toBe('warm');
      expect(state.podName).toBe(`${s.sessionId}-pod`);
      expect(state.nodeName).toBe('kwok-spot-a');
      expect(world.calls(s.sessionId)).toEqual(['provisionWarmSession']);
      expect(await scheduledByFirstTask(handle)).toEqual(['provisionWarmSession']);
      const types = state.events.map((e) => e.type);
      expect(types).toContain('warm_claimed');
      expect(types).not.toContain('cold_start');
      expect(state.events.find((e) => e.type === 'warm_claimed')?.message).toBe(
        `pod ${s.sessionId}-pod of warm pool default`,
      );
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('finds the pool empty and starts cold in the same activity, saying why', async () => {
    const s = spec();
    const { handle, state } = await runToRunning(s);
    try {
      expect(state.start).toBe('cold');
      expect(world.calls(s.sessionId)).toEqual(['provisionWarmSession']);
      expect(state.events.find((e) => e.type === 'cold_start')?.message).toBe(
        'no warm pod of the session profile was available',
      );
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('a session that cannot start warm (a workspace volume) is provisioned without a claim', async () => {
    const s = spec({ pvc: { ...spec().pvc, enabled: true } });
    warm.add(s.sessionId);
    const { handle, state } = await runToRunning(s);
    try {
      expect(state.start).toBe('cold');
      expect(world.calls(s.sessionId)).toEqual(['provisionSession']);
      expect(state.events.find((e) => e.type === 'cold_start')?.message).toMatch(/workspace volume/);
    } finally {
      await terminateQuietly(handle);
    }
  });
});
