/** Which Kubernetes errors Temporal retries, for status codes the real-stack tests cannot provoke on demand. */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { toKubeFailure } from '../../activities/errors.js';
import { FailureType } from '../../workflows/contract/activities.js';

const op = { verb: 'create', kind: 'Secret', namespace: 'ns', name: 's-creds' } as const;

function apiError(code: number, reason: string, message: string): k8s.ApiException<string> {
  // client-node passes the server's Status through as JSON text.
  return new k8s.ApiException(
    code,
    'Unknown API Status Code!',
    JSON.stringify({ kind: 'Status', code, reason, message }),
    {
      'content-type': 'application/json',
    },
  );
}

describe('toKubeFailure', () => {
  test.each([
    [429, 'TooManyRequests'],
    [500, 'InternalError'],
    [503, 'ServiceUnavailable'],
    [504, 'Timeout'],
    [409, 'Conflict'],
  ])('HTTP %i (%s) is retryable as KubernetesTransient', (code, reason) => {
    const failure = toKubeFailure(apiError(code, reason, 'try again later'), op) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(FailureType.Transient);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('create Secret ns/s-creds');
  });

  test.each([
    [400, FailureType.Invalid],
    [401, FailureType.Unauthorized],
    [403, FailureType.Forbidden],
    [404, FailureType.NotFound],
    [422, FailureType.Invalid],
  ])('HTTP %i is not retried and has type %s, with the server’s reason in the details', (code, type) => {
    const failure = toKubeFailure(apiError(code, 'Whatever', 'the server says no'), op) as ApplicationFailure;
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('the server says no');
    expect(failure.details?.[0]).toMatchObject({
      verb: 'create',
      kind: 'Secret',
      httpStatus: code,
      reason: 'Whatever',
    });
  });

  test('the message carries only the server’s Status, not the raw client error with its response headers', () => {
    const err = apiError(422, 'Invalid', 'Secret "s-creds" is invalid');
    err.headers['x-leaky-header'] = 'do-not-copy';
    const failure = toKubeFailure(err, op);
    expect(failure.message).not.toContain('do-not-copy');
    expect(failure.cause).toBeUndefined();
  });

  test('failures that are already Temporal failures, such as cancellation, pass through unchanged', () => {
    const cancelled = new CancelledFailure('CANCELLED');
    expect(toKubeFailure(cancelled, op)).toBe(cancelled);
    const own = ApplicationFailure.nonRetryable('mine', 'Mine');
    expect(toKubeFailure(own, op)).toBe(own);
  });
});
