/**
 * The session workflow suites' shared setup: the real workflow on the stack's Temporal dev server, run by
 * a test worker with a FakeWorld's in-memory activities (./fake-activities.ts), and the helpers that read a
 * session's state, audit trail and failure.
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { SessionSpec, SessionState } from '../../workflows/contract/spec.js';
import { startSession } from '../../src/temporal/client.js';
import { getSessionStateQuery } from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { testSessionSpec } from '../support/session-spec.js';
import { uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { FakeWorld } from './fake-activities.js';
import { startTestWorker, type TestWorker } from './test-worker.js';

export type SessionHandle = WorkflowHandle<typeof sessionWorkflow>;

/** Starts the suite's worker before its tests and stops it after them. */
export function sessionWorkflowSuite(taskQueuePrefix: string) {
  const taskQueue = `${taskQueuePrefix}-${uniqueSuffix()}`;
  const world = new FakeWorld();
  let worker: TestWorker;
  beforeAll(async () => {
    // No warm pool here (the fake world's claim finds none): every eligible session starts cold.
    worker = await startTestWorker(taskQueue, (client) => world.activities(client));
  });
  afterAll(async () => {
    await worker?.stop();
  });

  /** The session's audit lines as `from>to` (`-` for none), as the worker wrote them. */
  const trailOf = (sessionId: string): string[] => worker.audit.of(sessionId).map((l) => `${l.from ?? '-'}>${l.to}`);

  return {
    taskQueue,
    world,
    get client(): Client {
      return worker.client;
    },
    spec(overrides: Partial<SessionSpec> = {}): SessionSpec {
      return testSessionSpec({ user: `wf-${uniqueSuffix()}@example.com`, ...overrides });
    },
    start(s: SessionSpec): Promise<SessionHandle> {
      return startSession(worker.client, s, { temporalTaskQueue: taskQueue });
    },
    state: (handle: SessionHandle): Promise<SessionState> => handle.query(getSessionStateQuery),
    trailOf,
    /**
     * The session's audit trail once it reads `expected` (or as it is after a while). A query can answer
     * between the workflow task's activation and the worker writing its lines, so a test that has just
     * seen the status waits for the record.
     */
    async auditTrail(sessionId: string, expected: string[]): Promise<string[]> {
      return eventually(`the audit trail ${JSON.stringify(expected)}`, async () => {
        const trail = trailOf(sessionId);
        return JSON.stringify(trail) === JSON.stringify(expected) ? [...trail] : undefined;
      }).catch(() => [...trailOf(sessionId)]);
    },
    /** The failure a session workflow ended with (it must have failed). */
    async failureOf(handle: SessionHandle): Promise<Error | undefined> {
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      return (err as WorkflowFailedError).cause;
    },
  };
}

/** The provisioning activity: provisionWarmSession for a session that may start warm, else provisionSession. */
export const isProvisioning = (activity: string): boolean =>
  activity === 'provisionSession' || activity === 'provisionWarmSession';

export const minutesBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 60_000;
