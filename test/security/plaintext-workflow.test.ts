/**
 * Someone who reaches the Temporal frontend but holds no codec key cannot drive sessions: a session
 * workflow started with a plaintext spec (here: claiming another user's name) fails at once, without
 * retry, having run no activity and created nothing; a plaintext terminate signal to a real session is
 * dropped, and a plaintext update is rejected.
 */
import { Client, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
// CommonJS with a namespace object Node cannot expose as a named ESM export.
import proto from '@temporalio/proto';
import type { Config } from '../../src/config.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { startSession } from '../../src/temporal/client.js';
import {
  extendSessionUpdate,
  getSessionStateQuery,
  sessionWorkflowType,
  terminateSessionSignal,
  terminateSessionUpdate,
} from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { UNENCRYPTED_PAYLOAD_FAILURE } from '../../workflows/contract/unencrypted.js';
import { removeSessionObjects, sessionObjects, settledObjects } from '../support/cluster.js';
import { testSessionSpec } from '../support/session-spec.js';
import { eventually } from '../support/wait.js';
import { startKeyedWorker, type KeyedWorker } from './keyed-worker.js';

const { EventType } = proto.temporal.api.enums.v1;
let temporal: KeyedWorker;
let config: Config;
let keyed: Client;
let attacker: Client;

beforeAll(async () => {
  temporal = await startKeyedWorker('session-plain', 'warn');
  ({ config, keyed, attacker } = temporal);
}, 120_000);

afterAll(async () => {
  await temporal?.close();
});

describe('a client without the codec key', () => {
  test("a plaintext start claiming another user's session fails at once and creates nothing", async () => {
    const spec = testSessionSpec({ user: 'victim@example.com' });
    try {
      const handle = await attacker.workflow.start(sessionWorkflowType, {
        workflowId: sessionWorkflowId(spec.sessionId),
        taskQueue: config.temporalTaskQueue,
        args: [spec],
      });
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(UNENCRYPTED_PAYLOAD_FAILURE);
      expect((cause as ApplicationFailure).nonRetryable).toBe(true);

      const history = await handle.fetchHistory();
      const types = (history.events ?? []).map((e) => e.eventType);
      expect(types).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
      // Failed by its first workflow task, not a task failing (and retried) forever.
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(types.at(-1)).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
      expect(await sessionObjects(spec.sessionId)).toEqual([]);
    } finally {
      await removeSessionObjects(spec);
    }
  });

  test('cannot end a real session: its plaintext signal is dropped and its plaintext update rejected', async () => {
    const spec = testSessionSpec();
    try {
      await startSession(keyed, spec, config);
      const handle = keyed.workflow.getHandle<typeof sessionWorkflow>(sessionWorkflowId(spec.sessionId));
      await eventually(
        'the session to run',
        async () => ((await handle.query(getSessionStateQuery)).status === 'running' ? true : undefined),
        { timeoutMs: 90_000 },
      );
      const forged = attacker.workflow.getHandle<typeof sessionWorkflow>(sessionWorkflowId(spec.sessionId));
      await forged.signal(terminateSessionSignal, { reason: 'attacker' });
      await expect(
        forged.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'attacker' }] }),
      ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      // An update of the key holder, accepted after the forged signal in history, proves the signal was handled.
      await handle.executeUpdate(extendSessionUpdate, { args: [{ minutes: 1 }] });
      const after = await handle.query(getSessionStateQuery);
      expect(after.status).toBe('running');
      expect(JSON.stringify(after.events)).not.toContain('attacker');
      await handle.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'user' }] }).catch(() => undefined);
      await handle.result().catch(() => undefined);
      expect(await settledObjects(spec.sessionId, [])).toEqual([]);
    } finally {
      await removeSessionObjects(spec);
    }
  });
});
