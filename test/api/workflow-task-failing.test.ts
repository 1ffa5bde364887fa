/**
 * A session whose workflow cannot run its next step — its workflow task fails or times out again and again
 * (a bug, or a worker stuck on it) — cannot answer a query: the server refuses it with FAILED_PRECONDITION.
 * The API names that as a 503 a client retries, never an unhandled 500. A real worker runs a stand-in
 * `sessionWorkflow` whose every task fails.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import request from 'supertest';
import { isWorkflowTaskFailing } from '../../src/api/workflow-errors.js';
import { getSessionStateQuery } from '../../workflows/contract/session-messages.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

let h: ApiHarness;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `failing-${uniqueSuffix()}`;

beforeAll(async () => {
  h = await startApiHarness();
  connection = await NativeConnection.connect({ address: stackEnv().TEMPORAL_ADDRESS });
  worker = await Worker.create({
    connection,
    namespace: h.config.temporalNamespace,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../support/failing-workflows.ts', import.meta.url)),
  });
  running = worker.run();
}, 150_000);

afterAll(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
  await h?.close();
});

test('reading or following a session whose workflow task keeps failing answers 503 WORKFLOW_TASK_FAILING', async () => {
  const id = `wtf${uniqueSuffix()}`.slice(0, 12);
  const handle = await h.client.workflow.start('sessionWorkflow', {
    taskQueue,
    workflowId: `session-${id}`,
    // A short task timeout keeps the server's retries of the failing task (their timeouts are this plus a
    // backoff) close together.
    workflowTaskTimeout: '2 seconds',
    searchAttributes: { SessionId: [id], SessionUser: [h.users.alice], SessionStatus: ['creating'] },
  });
  try {
    // The server refuses queries from a task's third attempt on, which comes about 30 s after the first
    // failure (before any task completed, it holds queries until they time out: WORKER_UNAVAILABLE).
    await eventually(
      'the workflow task to have failed',
      () =>
        handle.query(getSessionStateQuery).then(
          () => undefined,
          (err: unknown) => (isWorkflowTaskFailing(err) ? true : undefined),
        ),
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    const app = h.appWith({ TEMPORAL_TASK_QUEUE: taskQueue });
    const auth = { Authorization: `Bearer ${h.keys.alice}` };
    const answer = (res: request.Response) => ({
      status: res.status,
      code: res.body?.error?.code,
      retryAfter: res.headers['retry-after'],
      unhandled: h.unhandledErrorsOf(res),
    });
    const failing = { status: 503, code: 'WORKFLOW_TASK_FAILING', retryAfter: '30', unhandled: [] };
    expect({
      read: answer(await request(app).get(`/api/v1/sessions/${id}`).set(auth)),
      events: answer(await request(app).get(`/api/v1/sessions/${id}/events`).set(auth)),
    }).toEqual({ read: failing, events: failing });
  } finally {
    await handle.terminate('test over');
  }
}, 150_000);
