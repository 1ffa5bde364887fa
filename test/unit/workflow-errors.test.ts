import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { isUnansweredNow, isUpdateTimeout, isWorkflowTaskFailing } from '../../src/api/workflow-errors.js';

/** A gRPC status error as @grpc/grpc-js raises it. */
const grpcError = (code: number) => Object.assign(new Error(`${code} status`), { code, details: 'x', metadata: {} });

describe('a Temporal call that nothing could answer now (the API says 503, not 500)', () => {
  test.each([
    ['CANCELLED: the deadline fell while the client waited to retry (seen under load)', 1],
    ['DEADLINE_EXCEEDED: no worker took the query in time', 4],
    ['RESOURCE_EXHAUSTED: the server shed the call', 8],
    ['UNAVAILABLE: the server could not be reached', 14],
  ])('%s, raw or wrapped by the client', (_why, code) => {
    expect(isUnansweredNow(grpcError(code))).toBe(true);
    expect(isUnansweredNow(new ServiceError('query failed', { cause: grpcError(code) }))).toBe(true);
    // An update that ends so is one no worker answered in time, like the SDK's own timeout error.
    expect(isUpdateTimeout(new ServiceError('Workflow Update failed', { cause: grpcError(code) }))).toBe(true);
  });

  test("the SDK's update timeout is one", () => {
    expect(
      isUpdateTimeout(new WorkflowUpdateRPCTimeoutOrCancelledError('Call cancelled', { cause: grpcError(1) })),
    ).toBe(true);
  });

  test('other failures are not mistaken for it', () => {
    for (const code of [3, 5, 9, 13]) {
      expect(isUnansweredNow(grpcError(code))).toBe(false);
      expect(isUpdateTimeout(new ServiceError('Workflow Update failed', { cause: grpcError(code) }))).toBe(false);
    }
    // Kubernetes errors carry HTTP statuses in `code`; none is a gRPC status.
    expect(isUnansweredNow(Object.assign(new Error('HTTP 404'), { code: 404 }))).toBe(false);
    expect(isUnansweredNow(new Error('boom'))).toBe(false);
    expect(isUnansweredNow(undefined)).toBe(false);
  });
});

describe('a workflow whose workflow task keeps failing (the API says 503 WORKFLOW_TASK_FAILING, not 500)', () => {
  // What the server answers from a task's third attempt on (WorkflowNotReady), as the client wraps it.
  const refused = (what: string) =>
    new ServiceError(`Failed to ${what}`, {
      cause: Object.assign(
        new Error(`9 FAILED_PRECONDITION: Unable to ${what} due to Workflow Task in failed state.`),
        {
          code: 9,
        },
      ),
    });

  test('a refused query or update is one, raw or wrapped', () => {
    expect(isWorkflowTaskFailing(refused('query workflow'))).toBe(true);
    expect(isWorkflowTaskFailing(refused('perform workflow execution update'))).toBe(true);
    expect(isWorkflowTaskFailing(refused('query workflow').cause)).toBe(true);
  });

  test('another FAILED_PRECONDITION, or the same words under another status, is not', () => {
    expect(isWorkflowTaskFailing(new ServiceError('x', { cause: grpcError(9) }))).toBe(false);
    expect(
      isWorkflowTaskFailing(
        Object.assign(new Error('Unable to query workflow due to Workflow Task in failed state.'), { code: 13 }),
      ),
    ).toBe(false);
    expect(isWorkflowTaskFailing(undefined)).toBe(false);
  });
});
