/**
 * The API's request and response bodies under the names programs use, all taken from the generated
 * OpenAPI types: when the API changes a schema, these change with it at the next `npm run client:generate`.
 */
import type { components, paths } from './generated/openapi.js';

type Schemas = components['schemas'];

export type Session = Schemas['Session'];
export type SessionStatus = Session['status'];
export type SessionSummary = Schemas['SessionSummary'];
export type SessionList = Schemas['SessionList'];
export type SessionConfig = Schemas['SessionConfig'];
export type CreateSessionRequest = Schemas['CreateSessionRequest'];
export type ExtendSessionResponse = Schemas['ExtendSessionResponse'];
export type ExecRequest = Schemas['ExecRequest'];
export type ExecResult = Schemas['ExecResult'];
export type ErrorBody = Schemas['Error'];

export type ListSessionsQuery = NonNullable<paths['/api/v1/sessions']['get']['parameters']['query']>;
export type DeleteSessionQuery = NonNullable<paths['/api/v1/sessions/{id}']['delete']['parameters']['query']>;
export type LogsQuery = NonNullable<paths['/api/v1/sessions/{id}/logs']['get']['parameters']['query']>;

/** Every status a session can have, in the order of a session's life. */
export const SESSION_STATUSES = [
  'creating',
  'running',
  'restarting',
  'suspended',
  'resuming',
  'terminating',
  'terminated',
  'failed',
] as const satisfies readonly SessionStatus[];

/** Statuses a session does not leave by itself while starting: the wait for a start is over. */
export const SETTLED_STATUSES: ReadonlySet<SessionStatus> = new Set(['running', 'terminated', 'failed']);

/**
 * The steps of a start, in order, as the events stream names them. A step the server does not report (a
 * warm start skips some) simply never happens; progress is how far along this list the start got.
 */
export const START_STEPS = [
  'secrets_created',
  'configmap_created',
  'pod_created',
  'service_created',
  'pod_ready',
  'running',
] as const;
