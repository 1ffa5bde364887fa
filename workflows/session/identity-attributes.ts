/**
 * The session's search attributes for finding it (id, user, status). The API sets all three at start, so
 * the run sets only those its start (or the run it continues) did not already carry: setting them again
 * would cost a history event and a visibility write at every create. A session started by another client
 * still gets them all.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SessionSpec, SessionStatus } from '../contract/spec.js';
import { SessionIdKey, SessionStatusKey, SessionUserKey } from '../contract/search-attributes.js';

export function publishSessionAttributes(spec: SessionSpec, status: SessionStatus): void {
  const wanted = [
    { key: SessionIdKey, value: spec.sessionId },
    { key: SessionUserKey, value: spec.user },
    { key: SessionStatusKey, value: status },
  ];
  const current = workflowInfo().typedSearchAttributes;
  const missing = wanted.filter(({ key, value }) => current.get(key) !== value);
  if (missing.length > 0) upsertSearchAttributes(missing);
}
