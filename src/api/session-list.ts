/**
 * The session list: one page of session workflows from Temporal's visibility, read from their search
 * attributes and memo, so no workflow is queried.
 */
import { isGrpcServiceError, type Client } from '@temporalio/client';
// CommonJS with a namespace object Node cannot expose as a named ESM export.
import proto, { type temporal as TemporalProto } from '@temporalio/proto';
import { isEnded, type SessionStatus } from '../../workflows/contract/spec.js';
import { keywordReader } from '../temporal/keywords.js';
import { sessionWorkflowType } from '../../workflows/contract/session-messages.js';
import { SessionIdKey, SessionStatusKey, SessionUserKey } from '../../workflows/contract/search-attributes.js';
import { isAdmin, type Principal } from './auth.js';
import { ApiError } from './errors.js';
import type { SessionSummary } from './schemas.js';
import { startFromMemo } from './session-start-memo.js';

const { temporal } = proto;
const LIST_TIMEOUT_MS = 10_000;

export interface SessionListFilter {
  status?: SessionStatus;
  user?: string;
  pageSize: number;
  pageToken?: string;
}

/** One page of the caller's sessions (an admin's: everyone's, or `user`'s), newest first. */
export async function listSessions(
  client: Client,
  temporalNamespace: string,
  principal: Principal,
  filter: SessionListFilter,
): Promise<{ sessions: SessionSummary[]; next_page_token: string | null }> {
  if (filter.user && filter.user !== principal.user && !isAdmin(principal)) {
    throw new ApiError(403, 'FORBIDDEN', "only admins may list another user's sessions");
  }
  const user = isAdmin(principal) ? filter.user : principal.user;
  const clauses = [`WorkflowType = '${sessionWorkflowType}'`];
  if (user) clauses.push(`${SessionUserKey.name} = '${user}'`);
  if (filter.status) clauses.push(`${SessionStatusKey.name} = '${filter.status}'`);
  const nextPageToken = filter.pageToken ? parsePageToken(filter.pageToken) : undefined;
  let response: TemporalProto.api.workflowservice.v1.IListWorkflowExecutionsResponse;
  try {
    response = await client.connection.withDeadline(Date.now() + LIST_TIMEOUT_MS, () =>
      client.workflowService.listWorkflowExecutions({
        namespace: temporalNamespace,
        query: clauses.join(' AND '),
        pageSize: filter.pageSize,
        ...(nextPageToken ? { nextPageToken } : {}),
      }),
    );
  } catch (err) {
    // A token that decodes but was not issued for this query is refused by the server as it can.
    if (nextPageToken && isGrpcServiceError(err) && (err.code === 2 || err.code === 3)) throw invalidPageToken();
    throw err;
  }
  const sessions = await Promise.all(
    (response.executions ?? []).map(async (e) => ({
      ...toSummary(e),
      start: await startFromMemo(client, e.memo),
    })),
  );
  const token =
    response.nextPageToken && response.nextPageToken.length > 0
      ? Buffer.from(response.nextPageToken).toString('base64url')
      : null;
  return { sessions, next_page_token: token };
}

function toSummary(execution: TemporalProto.api.workflow.v1.IWorkflowExecutionInfo): Omit<SessionSummary, 'start'> {
  const attributes = keywordReader(execution.searchAttributes?.indexedFields);
  const workflowId = execution.execution?.workflowId ?? '';
  const recorded = (attributes.get(SessionStatusKey) ?? 'creating') as SessionStatus;
  const closed = execution.status !== temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  // A workflow ended from outside (e.g. terminated in the Temporal UI) never recorded its end.
  let status = recorded;
  if (closed && !isEnded(recorded)) {
    const failed =
      execution.status === temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED ||
      execution.status === temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
    status = failed ? 'failed' : 'terminated';
  }
  return {
    session_id: attributes.get(SessionIdKey) ?? workflowId.replace(/^session-/, ''),
    user: attributes.get(SessionUserKey) ?? '',
    status,
    created_at: timestampToIso(execution.startTime) ?? '',
    closed_at: closed ? (timestampToIso(execution.closeTime) ?? null) : null,
  };
}

function timestampToIso(ts: TemporalProto.api.workflow.v1.IWorkflowExecutionInfo['startTime']): string | undefined {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

function invalidPageToken(): ApiError {
  return ApiError.validation('invalid page_token', [
    { path: 'query.page_token', message: 'not a next_page_token this API returned' },
  ]);
}

/**
 * Visibility's page tokens are JSON documents; checking that much here spares the server a garbage token,
 * which it answers only after retries, with an opaque error.
 */
function parsePageToken(token: string): Uint8Array {
  const bytes = Buffer.from(token, 'base64url');
  try {
    const decoded: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof decoded === 'object' && decoded !== null) return bytes;
  } catch {
    // fall through
  }
  throw invalidPageToken();
}
