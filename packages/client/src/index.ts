/**
 * @session-orchestrator/client: the session-orchestrator API for programs, in Node 24 and browsers.
 * Only platform APIs (fetch, streams, TextDecoder, AbortSignal): no Node module is imported here.
 */
export { SessionClient } from './client.js';
export type { SessionClientOptions, FetchLike, ApiResult } from './transport.js';
export { unwrap } from './transport.js';
export {
  ApiUnreachableError,
  EventStreamInterruptedError,
  SessionApiError,
  UnexpectedAnswerError,
  type ErrorDetail,
} from './errors.js';
export type { FollowEventsOptions, SessionEvent, SessionStatusEvent, SessionStepEvent } from './events.js';
export type { StartProgress, WaitForStartOptions } from './wait.js';
export { apiErrorOf, type LogsOptions } from './access.js';
export { SessionTerminal, TERMINAL_PROTOCOL, type TerminalExit, type TerminalOptions } from './terminal.js';
export * from './types.js';
export type { components, paths } from './generated/openapi.js';
