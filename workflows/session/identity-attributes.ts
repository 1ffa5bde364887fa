/**
 * The session's search attributes for finding it (id, user, status). The API sets all three at start; the
 * run's first task set them again anyway, a history event and a visibility write on the server at every
 * create for values already there. Since patch `search-attributes-from-start` the run sets only those its
 * start (or the run it continues) did not already carry — a session started by another client still gets
 * them all.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SessionSpec, SessionStatus } from '../../src/session/spec.js';
import { SessionIdKey, SessionStatusKey, SessionUserKey } from '../search-attributes.js';
import type { SessionPatches } from './patches.js';

export const SEARCH_ATTRIBUTES_FROM_START_PATCH = 'search-attributes-from-start';

export function publishSessionAttributes(patches: SessionPatches, spec: SessionSpec, status: SessionStatus): void {
  const wanted = [
    { key: SessionIdKey, value: spec.sessionId },
    { key: SessionUserKey, value: spec.user },
    { key: SessionStatusKey, value: status },
  ];
  const current = workflowInfo().typedSearchAttributes;
  const missing = patches.has(SEARCH_ATTRIBUTES_FROM_START_PATCH)
    ? wanted.filter(({ key, value }) => current.get(key) !== value)
    : wanted;
  if (missing.length > 0) upsertSearchAttributes(missing);
}
