/**
 * Which sessions can be reached (proxied to, read logs from, exec'd into), and the error a caller gets
 * otherwise. One rule for every access route, so they cannot disagree on what "not running" means.
 */
import { isEnded, type SessionStatus } from '../../workflows/contract/spec.js';

/** Why a session cannot be reached right now; `code` is the API error code, `ended` picks 409 wording. */
export interface Unreachable {
  code: 'SESSION_NOT_RUNNING' | 'SESSION_ENDED';
  message: string;
}

/** undefined when the session runs and can take traffic; otherwise why not. */
export function unreachableReason(id: string, status: SessionStatus): Unreachable | undefined {
  if (status === 'running') return undefined;
  if (isEnded(status)) return { code: 'SESSION_ENDED', message: `session ${id} has ended (status ${status})` };
  return { code: 'SESSION_NOT_RUNNING', message: `session ${id} is ${status}, not running; retry when it is running` };
}
