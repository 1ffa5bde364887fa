import { ServiceError } from '@temporalio/client';
import { isUnansweredNow } from '../../src/api/workflow-errors.js';

/** A gRPC status error as @grpc/grpc-js raises it. */
const grpcError = (code: number) => Object.assign(new Error(`${code} status`), { code, details: 'x', metadata: {} });

describe('a Temporal call that nothing could answer now (the API says 503, not 500)', () => {
  test.each([
    ['DEADLINE_EXCEEDED: no worker took the query in time', 4],
    ['RESOURCE_EXHAUSTED: the server shed the call', 8],
    ['UNAVAILABLE: the server could not be reached', 14],
  ])('%s, raw or wrapped by the client', (_why, code) => {
    expect(isUnansweredNow(grpcError(code))).toBe(true);
    expect(isUnansweredNow(new ServiceError('query failed', { cause: grpcError(code) }))).toBe(true);
  });

  test('other failures are not mistaken for it', () => {
    for (const code of [3, 5, 9, 13]) expect(isUnansweredNow(grpcError(code))).toBe(false);
    expect(isUnansweredNow(new Error('boom'))).toBe(false);
    expect(isUnansweredNow(undefined)).toBe(false);
  });
});
