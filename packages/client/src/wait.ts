/**
 * Waiting for a session to start, with progress: the start is followed on the events stream (no polling),
 * each step reported as it happens, and the session read once it runs or has ended.
 */
import { followEvents, type FollowEventsOptions, type SessionEvent } from './events.js';
import { SETTLED_STATUSES, START_STEPS, type Session, type SessionStatus } from './types.js';
import type { Transport } from './transport.js';

/** How far a start has got. */
export interface StartProgress {
  /** The latest step (or, before the first, the session's status). */
  step: string;
  /** Steps of {@link START_STEPS} reached so far (by position: skipped steps count as passed). */
  done: number;
  total: number;
}

export interface WaitForStartOptions extends Pick<FollowEventsOptions, 'signal' | 'maxReconnectsWithoutProgress'> {
  /** Every event of the stream, as it arrives. */
  onEvent?: (event: SessionEvent) => void;
  /** The start's progress, after each event that moves it. */
  onProgress?: (progress: StartProgress) => void;
  /** Told before each reconnect of the events stream. */
  onReconnect?: FollowEventsOptions['onReconnect'];
}

/**
 * Follows the session's events until it runs or has ended (failed, terminated), then returns it as the API
 * reports it: a caller checks `status` (and `last_error` for why it did not start). Throws
 * EventStreamInterruptedError when the stream cannot be followed, and SessionApiError on a refusal.
 */
export async function waitForStart(
  transport: Transport,
  sessionId: string,
  getSession: (id: string) => Promise<Session>,
  options: WaitForStartOptions = {},
): Promise<Session> {
  const total = START_STEPS.length;
  let done = 0;
  let status: SessionStatus | undefined;
  options.onProgress?.({ step: 'creating', done, total });
  const events = followEvents(transport, sessionId, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxReconnectsWithoutProgress !== undefined
      ? { maxReconnectsWithoutProgress: options.maxReconnectsWithoutProgress }
      : {}),
    ...(options.onReconnect ? { onReconnect: options.onReconnect } : {}),
  });
  for await (const event of events) {
    options.onEvent?.(event);
    if (event.kind === 'status') {
      status = event.status;
    } else {
      const at = (START_STEPS as readonly string[]).indexOf(event.type);
      if (at >= 0) done = Math.max(done, at + 1);
      options.onProgress?.({ step: event.type, done, total });
    }
    if (status && SETTLED_STATUSES.has(status)) break;
  }
  if (status === 'running' && done < total) options.onProgress?.({ step: 'running', done: total, total });
  return getSession(sessionId);
}
