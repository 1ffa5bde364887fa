/**
 * Anyone who reaches the Temporal frontend can send a session any signal or update, with or without the
 * codec key. Against the stack's Temporal and a real worker: every signal and update of the session,
 * sent without its argument, with a plaintext one and with a malformed encrypted one, changes nothing —
 * the session keeps running with the same state, no workflow task fails, no refused update is recorded —
 * and the session is still deleted normally. A sessionWorkflow started with no (or a malformed) input
 * fails at once, without retry, and creates no Kubernetes object.
 */
import { Client, WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
// CommonJS with a namespace object Node cannot expose as a named ESM export.
import proto from '@temporalio/proto';
import type { Config } from '../../src/config.js';
import { startSession } from '../../src/temporal/client.js';
import { MessageRefusal } from '../../workflows/contract/schema-messages.js';
import {
  ExtendRejection,
  getSessionStateQuery,
  sessionSignals,
  sessionUpdates,
  sessionWorkflowType,
  terminateSessionUpdate,
  waitUntilStartedUpdate,
} from '../../workflows/contract/session-messages.js';
import { sessionWorkflowId, type SessionState } from '../../workflows/contract/spec.js';
import { UNENCRYPTED_PAYLOAD_FAILURE } from '../../workflows/contract/unencrypted.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { removeSessionObjects, sessionObjects, settledObjects } from '../support/cluster.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { startKeyedWorker, type KeyedWorker } from './keyed-worker.js';

const { EventType } = proto.temporal.api.enums.v1;
let temporal: KeyedWorker;
let config: Config;
let keyed: Client;
let attacker: Client;

type Session = WorkflowHandle<typeof sessionWorkflow>;

beforeAll(async () => {
  temporal = await startKeyedWorker('session-messages', 'error');
  ({ config, keyed, attacker } = temporal);
}, 120_000);

afterAll(async () => {
  await temporal?.close();
});

/** A valid argument of each message (what the plaintext sender sends), and a malformed one. */
function argumentsOf(state: SessionState): Record<string, { valid: unknown; malformed: unknown }> {
  const pod = { podName: state.podName, podUid: 'uid-forged' };
  return {
    terminateSession: { valid: { reason: 'attacker', deletePvc: true }, malformed: { reason: 42, deletePvc: 'yes' } },
    podLost: { valid: { ...pod, reason: 'evicted' }, malformed: { podName: 7 } },
    podReady: { valid: { ...pod, nodeName: 'kwok-forged' }, malformed: { podName: state.podName } },
    podNotReady: { valid: pod, malformed: { podUid: 5 } },
    podGone: { valid: pod, malformed: 'gone' },
    sessionActivity: { valid: { at: new Date().toISOString() }, malformed: { at: 'yesterday' } },
    extendSession: { valid: { minutes: 5 }, malformed: { minutes: -5 } },
    waitUntilStarted: { valid: {}, malformed: { extra: 1 } },
    waitForEvents: { valid: { afterSeq: 0 }, malformed: { afterSeq: 'zero' } },
    suspendSession: { valid: {}, malformed: { now: true } },
    resumeSession: { valid: {}, malformed: [] },
  };
}

/** The failure an update was rejected with. */
async function rejection(update: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** Sends every signal and update of the session in one bad way; returns the rejected updates' failure types. */
async function sendEverything(
  kind: 'missing' | 'plaintext' | 'malformed',
  session: Session,
  forged: Session,
  args: Record<string, { valid: unknown; malformed: unknown }>,
): Promise<Record<string, string | undefined>> {
  for (const signal of sessionSignals) {
    if (kind === 'missing') await session.signal(signal.name);
    else if (kind === 'plaintext') await forged.signal(signal.name, args[signal.name]!.valid);
    else await session.signal(signal.name, args[signal.name]!.malformed);
  }
  const types: Record<string, string | undefined> = {};
  for (const update of sessionUpdates) {
    const sent =
      kind === 'missing'
        ? session.executeUpdate(update.name, { args: [] })
        : kind === 'plaintext'
          ? forged.executeUpdate(update.name, { args: [args[update.name]!.valid] })
          : session.executeUpdate(update.name, { args: [args[update.name]!.malformed] });
    types[update.name] = (await rejection(sent)).type ?? undefined;
  }
  return types;
}

describe('the messages of a running session', () => {
  test('without their argument, in plaintext or malformed, change nothing, and the session is still deleted normally', async () => {
    const storageClass = stackEnv().AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS;
    // With a claim, so that a suspend the session accepted would show in its state.
    const spec = testSessionSpec({ pvc: { enabled: true, storageClass, size: '1Gi', deleteOnTerminate: true } });
    try {
      await startSession(keyed, spec, config);
      const session: Session = keyed.workflow.getHandle(sessionWorkflowId(spec.sessionId));
      const forged: Session = attacker.workflow.getHandle(sessionWorkflowId(spec.sessionId));
      await eventually(
        'the session to run',
        async () => ((await session.query(getSessionStateQuery)).status === 'running' ? true : undefined),
        { timeoutMs: 90_000 },
      );
      const before = await session.executeUpdate(waitUntilStartedUpdate, { args: [{}] });
      const args = argumentsOf(before);

      const invalid = Object.fromEntries(
        sessionUpdates.map((u) => [
          u.name,
          u.name === 'extendSession' ? ExtendRejection.InvalidMinutes : MessageRefusal.Invalid,
        ]),
      );
      expect(await sendEverything('missing', session, forged, args)).toEqual(invalid);
      expect(await sendEverything('malformed', session, forged, args)).toEqual(invalid);
      expect(await sendEverything('plaintext', session, forged, args)).toEqual(
        Object.fromEntries(sessionUpdates.map((u) => [u.name, UNENCRYPTED_PAYLOAD_FAILURE])),
      );

      // An update of the key holder, after every bad signal in the history, answers once they were handled.
      const after = await session.executeUpdate(waitUntilStartedUpdate, { args: [{}] });
      expect(after).toEqual(before);
      expect(after.status).toBe('running');

      const events = (await session.fetchHistory()).events ?? [];
      const types = events.map((e) => e.eventType);
      // No workflow task failed: every bad argument was refused, none threw inside a handler.
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      // The refused updates left no trace: only the two valid ones were accepted.
      const accepted = events
        .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name)
        .filter((name) => name != null);
      expect(accepted).toEqual(['waitUntilStarted', 'waitUntilStarted']);

      const ending = await session.executeUpdate(terminateSessionUpdate, {
        args: [{ reason: 'user', deletePvc: true }],
      });
      expect(['terminating', 'terminated']).toContain(ending.status);
      const final = await session.result();
      expect(final.status).toBe('terminated');
      expect(final.endReason).toBe('user');
      expect(await settledObjects(spec.sessionId, [])).toEqual([]);
    } finally {
      await removeSessionObjects(spec);
    }
  }, 240_000);
});

describe('a sessionWorkflow start', () => {
  test.each([
    ['no input', []],
    ['a malformed encrypted input', [{ sessionId: 'not-a-spec' }]],
  ])('with %s fails at once, without retry, and creates nothing', async (_what, input) => {
    const sessionId = `t-${uniqueSuffix()}`;
    const handle = await keyed.workflow.start(sessionWorkflowType, {
      workflowId: sessionWorkflowId(sessionId),
      taskQueue: config.temporalTaskQueue,
      args: input,
    });
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(MessageRefusal.InvalidInput);
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);

    const types = ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);
    expect(types).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    // Failed by its first workflow task, not a task failing (and retried) forever.
    expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(types.at(-1)).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
    expect(await sessionObjects(sessionId)).toEqual([]);
  });
});
