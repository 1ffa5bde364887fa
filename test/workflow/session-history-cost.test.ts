/**
 * What a new session's history costs the Temporal server: each event is a write, each workflow task a
 * round trip through a worker, each search attribute upsert a visibility write. The session workflow on the
 * stack's real Temporal dev server with in-memory activities (./fake-activities.ts); the tests read the
 * recorded history and the worker's audit lines.
 */
import type { SessionSpec } from '../../workflows/contract/spec.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { startSession } from '../../src/temporal/client.js';
import { sessionWorkflowType, terminateSessionSignal } from '../../workflows/contract/session-messages.js';
import { testSessionSpec } from '../support/session-spec.js';
import { uniqueSuffix } from '../support/stack.js';
import { FakeWorld } from './fake-activities.js';
import { scheduledByFirstTask } from './history-tasks.js';
import { startTestWorker, type TestWorker } from './test-worker.js';
import { terminateQuietly, untilStatus, type SessionHandle } from './session-handles.js';

const taskQueue = `session-history-cost-test-${uniqueSuffix()}`;
const world = new FakeWorld();
let testWorker: TestWorker;

beforeAll(async () => {
  testWorker = await startTestWorker(taskQueue, (client) => world.activities(client));
});

afterAll(async () => {
  await testWorker?.stop();
});

const spec = (): SessionSpec => testSessionSpec({ user: `cost-${uniqueSuffix()}@example.com` });

const start = (s: SessionSpec): Promise<SessionHandle> =>
  startSession(testWorker.client, s, { temporalTaskQueue: taskQueue });

describe("a new session's history", () => {
  test('writes each transition as an audit line from the worker, with no activity and no workflow task of its own', async () => {
    const s = spec();
    const handle = await start(s);
    try {
      await untilStatus(handle, 'running');
      await handle.signal(terminateSessionSignal, { reason: 'user' });
      await handle.result();
      const lines = testWorker.audit.of(s.sessionId);
      expect(lines.map(({ from, to }) => [from, to])).toEqual([
        [undefined, 'creating'],
        ['creating', 'running'],
        ['running', 'terminating'],
        ['terminating', 'terminated'],
      ]);
      expect(lines[1]).toMatchObject({
        audit: true,
        user: s.user,
        msg: 'session transition',
        detail: { restartCount: 0, node: 'kwok-spot-a' },
      });
      // This spec may start warm: its provisioning claims (the fake pool is empty, so it starts cold).
      expect(await scheduledByFirstTask(handle)).toEqual(['provisionWarmSession']);
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)).not.toContain(
        'recordAudit',
      );
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('a new session records no patch marker and no TemporalChangeVersion upsert', async () => {
    // Each patch marker would cost every create a history event and, with the SDK's TemporalChangeVersion
    // upsert beside it, a visibility write on the server; shape changes go to a new Worker Deployment build.
    const handle = await start(spec());
    try {
      await untilStatus(handle, 'running');
      const events = (await handle.fetchHistory()).events ?? [];
      const patchIds = events
        .map((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data)
        .filter((data) => data != null)
        .map((data) => (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id);
      expect(patchIds).toEqual([]);
      const versionUpserts = events.filter(
        (e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.TemporalChangeVersion,
      );
      expect(versionUpserts).toHaveLength(0);
    } finally {
      await terminateQuietly(handle);
    }
  });

  test('the first workflow task sets no search attribute the start already carries; a start without them gets them all', async () => {
    /** The search attributes the run's first workflow task upserted. */
    const upserted = async (handle: SessionHandle): Promise<string[]> => {
      const events = (await handle.fetchHistory()).events ?? [];
      const firstTask = Number(events.find((e) => e.workflowTaskCompletedEventAttributes)?.eventId);
      return events
        .map((e) => e.upsertWorkflowSearchAttributesEventAttributes)
        .filter((a) => Number(a?.workflowTaskCompletedEventId) === firstTask)
        .flatMap((a) => Object.keys(a?.searchAttributes?.indexedFields ?? {}))
        .sort();
    };
    const s = spec();
    const handle = await start(s);
    // Started by another client, with no search attributes: the workflow sets them.
    const bare = spec();
    const bareHandle: SessionHandle = await testWorker.client.workflow.start(sessionWorkflowType, {
      workflowId: sessionWorkflowId(bare.sessionId),
      taskQueue,
      args: [bare],
    });
    try {
      await untilStatus(handle, 'running');
      await untilStatus(bareHandle, 'running');
      expect(await upserted(handle)).toEqual([]);
      expect(await upserted(bareHandle)).toEqual(['SessionId', 'SessionStatus', 'SessionUser']);
      expect((await bareHandle.describe()).searchAttributes).toEqual(
        expect.objectContaining({ SessionId: [bare.sessionId], SessionUser: [bare.user], SessionStatus: ['running'] }),
      );
    } finally {
      await terminateQuietly(handle);
      await terminateQuietly(bareHandle);
    }
  });
});
