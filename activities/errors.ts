/**
 * Turns Kubernetes API errors into Temporal failures. The split decides whether Temporal retries an
 * activity: requests the API server rejected on their merits (bad manifest, missing permission) fail the
 * same way every time, so retrying only delays the user's error; conflicts, throttling, server errors and
 * network trouble usually pass, so they are left to the activity's retry policy.
 */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { httpStatusOf } from '../src/k8s/api-errors.js';
// The failure types are part of the Temporal contract: retry policies and workflows match on them.
import { FailureType } from '../workflows/contract/activities.js';

export { httpStatusOf, isConflict, isNotFound } from '../src/k8s/api-errors.js';
export { FailureType };

/** What an activity was doing when a call failed, so the failure names the object and the verb. */
export interface KubeOperation {
  verb: 'create' | 'get' | 'list' | 'update' | 'delete' | 'watch' | 'evict';
  kind: string;
  namespace: string;
  name?: string;
}

/** The facts of a failed API call that are safe to show: never the request body (which may hold secrets). */
export interface KubeErrorDetails {
  verb: string;
  kind: string;
  namespace: string;
  name?: string;
  httpStatus?: number;
  reason?: string;
  serverMessage?: string;
}

/** The `Status` object the API server sent with an error. client-node hands it over as JSON text. */
export function apiStatusOf(err: unknown): { reason?: string; message?: string } {
  if (!(err instanceof k8s.ApiException)) return {};
  const body: unknown = err.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { reason, message } = parsed as { reason?: unknown; message?: unknown };
  return {
    reason: typeof reason === 'string' ? reason : undefined,
    message: typeof message === 'string' ? message.slice(0, 1000) : undefined,
  };
}

function describe(op: KubeOperation): string {
  return `${op.verb} ${op.kind} ${op.namespace}/${op.name ?? '*'}`;
}

const nonRetryableByStatus: Record<number, FailureType> = {
  400: FailureType.Invalid,
  401: FailureType.Unauthorized,
  403: FailureType.Forbidden,
  404: FailureType.NotFound,
  422: FailureType.Invalid,
};

/**
 * Converts any error from a Kubernetes call into the failure the activity should throw: non-retryable with
 * a specific type for 400/401/403/404/422, retryable `KubernetesTransient` for everything else.
 * Failures that are already Temporal failures (including cancellation) pass through unchanged.
 *
 * The message is built from the server's `Status` only; the raw client error is not attached as `cause`
 * because its text embeds whole response bodies and headers.
 */
export function toKubeFailure(err: unknown, op: KubeOperation): ApplicationFailure | CancelledFailure {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  const httpStatus = httpStatusOf(err);
  const status = apiStatusOf(err);
  const details: KubeErrorDetails = {
    verb: op.verb,
    kind: op.kind,
    namespace: op.namespace,
    ...(op.name ? { name: op.name } : {}),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(status.reason ? { reason: status.reason } : {}),
    ...(status.message ? { serverMessage: status.message } : {}),
  };
  const type = httpStatus !== undefined ? nonRetryableByStatus[httpStatus] : undefined;
  if (type) {
    return ApplicationFailure.create({
      type,
      nonRetryable: true,
      message: `Kubernetes refused to ${describe(op)} (HTTP ${httpStatus}${status.reason ? ` ${status.reason}` : ''}): ${
        status.message ?? 'no message from the API server'
      }`,
      details: [details],
    });
  }
  const what =
    httpStatus !== undefined
      ? `HTTP ${httpStatus}${status.reason ? ` ${status.reason}` : ''}: ${status.message ?? 'no message'}`
      : errorText(err);
  return ApplicationFailure.create({
    type: FailureType.Transient,
    nonRetryable: false,
    message: `Transient Kubernetes error on ${describe(op)}, will retry: ${what}`,
    details: [details],
    // Network errors carry no response body, so their cause chain (e.g. ECONNREFUSED) is safe and useful.
    ...(httpStatus === undefined && err instanceof Error ? { cause: err } : {}),
  });
}

/** `toKubeFailure` as a `.catch` handler: `await core.readNamespacedPod(...).catch(rethrowAs(op))`. */
export function rethrowAs(op: KubeOperation): (err: unknown) => never {
  return (err: unknown) => {
    throw toKubeFailure(err, op);
  };
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici reports "fetch failed" and hides the socket error in `cause`.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
