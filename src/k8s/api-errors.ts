/**
 * What a failed Kubernetes call says, read the same way by the API and the activities: the HTTP status of
 * an API or watch error, and the two statuses callers branch on (404: gone, 409: changed or taken).
 */
import * as k8s from '@kubernetes/client-node';

/** The HTTP status of an API or watch error, if it carries one. */
export function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof k8s.ApiException) return err.code;
  if (typeof err === 'object' && err !== null) {
    // Watch errors are plain Errors with `statusCode`; ListWatch also looks at `code`.
    const { statusCode, code } = err as { statusCode?: unknown; code?: unknown };
    if (typeof statusCode === 'number') return statusCode;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

export const isNotFound = (err: unknown): boolean => httpStatusOf(err) === 404;
export const isConflict = (err: unknown): boolean => httpStatusOf(err) === 409;
