/**
 * A session's lifecycle as it happens, from `GET /api/v1/sessions/{id}/events` (Server-Sent Events),
 * followed across dropped connections: each reconnect sends `Last-Event-ID`, so the server replays only
 * what came after, and this side drops anything it has already delivered, so no step is lost or doubled.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { z } from 'zod';
import { EventStreamInterruptedError, SessionApiError, UnexpectedAnswerError } from './errors.js';
import { sleep, textChunks } from './streams.js';
import type { Transport } from './transport.js';
import { SESSION_STATUSES, type SessionStatus } from './types.js';

/** A step of the session's life (secrets_created, pod_ready, running, pod_lost, terminated, ...). */
export interface SessionStepEvent {
  kind: 'step';
  /** The step's sequence number; as a string, what `Last-Event-ID` resumes after. */
  id: string;
  seq: number;
  type: string;
  /** When it happened (ISO 8601). */
  at: string;
  message?: string;
}

/** The session's status changed (sent once on connecting, then at each change). */
export interface SessionStatusEvent {
  kind: 'status';
  status: SessionStatus;
}

export type SessionEvent = SessionStepEvent | SessionStatusEvent;

export interface FollowEventsOptions {
  /** Resume after this event (the `id` of the last one seen); from the first event without it. */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Reconnects in a row that bring no new event before giving up (default 5). */
  maxReconnectsWithoutProgress?: number;
  /** Told before each reconnect, with why the connection ended. */
  onReconnect?: (info: { lastEventId: string | undefined; cause: unknown }) => void;
}

const StepDataSchema = z.object({
  seq: z.number().int(),
  type: z.string(),
  at: z.string(),
  message: z.string().optional(),
});
const StatusDataSchema = z.object({ status: z.enum(SESSION_STATUSES) });

/** The server's own default `retry:`; a stream that never sent one is retried this often. */
const DEFAULT_RETRY_MS = 2000;

class StreamInterrupted extends Error {}

/**
 * Yields the session's events until the stream ends (the session has ended) or `signal` aborts. Refusals
 * (not found, not yours, no permission) throw {@link SessionApiError} at once; dropped connections, `error`
 * events, 5xx answers and an unreachable API are retried, and after too many in a row without a new event
 * it throws {@link EventStreamInterruptedError}.
 */
export async function* followEvents(
  transport: Transport,
  sessionId: string,
  options: FollowEventsOptions = {},
): AsyncGenerator<SessionEvent> {
  const maxQuiet = options.maxReconnectsWithoutProgress ?? 5;
  let lastEventId = options.lastEventId;
  let lastSeq = lastEventId !== undefined ? Number(lastEventId) : 0;
  let lastStatus: SessionStatus | undefined;
  let retryMs = DEFAULT_RETRY_MS;

  for (let quiet = 0; ;) {
    const connection = new AbortController();
    const stop = () => connection.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', stop, { once: true });
    let progressed = false;
    let cause: unknown;
    let retryAfterMs = 0;
    try {
      options.signal?.throwIfAborted();
      const {
        data: body,
        error,
        response,
      } = await transport.api.GET('/api/v1/sessions/{id}/events', {
        params: { path: { id: sessionId } },
        headers: {
          Accept: 'text/event-stream',
          ...(lastEventId !== undefined ? { 'Last-Event-ID': lastEventId } : {}),
        },
        parseAs: 'stream',
        signal: connection.signal,
      });
      if (!response.ok) throw SessionApiError.fromAnswer(response, error);
      const received: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (event) => received.push(event), onRetry: (ms) => (retryMs = ms) });
      for await (const text of textChunks(body ?? null)) {
        parser.feed(text);
        for (const message of received.splice(0)) {
          if (message.event === 'end') return;
          if (message.event === 'error') throw new StreamInterrupted(message.data);
          const event = toEvent(message);
          if (event.kind === 'step') {
            if (event.seq <= lastSeq) continue;
            [lastSeq, lastEventId, progressed] = [event.seq, event.id, true];
          } else {
            if (event.status === lastStatus) continue;
            lastStatus = event.status;
          }
          yield event;
        }
      }
      cause = new StreamInterrupted('the stream closed before the session ended');
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (err instanceof UnexpectedAnswerError) throw err;
      if (err instanceof SessionApiError) {
        // A refusal is the answer; only the server's own trouble is worth another try.
        if (err.status < 500) throw err;
        retryAfterMs = (err.retryAfterSeconds ?? 0) * 1000;
      }
      cause = err;
    } finally {
      options.signal?.removeEventListener('abort', stop);
      connection.abort();
    }
    quiet = progressed ? 0 : quiet + 1;
    if (quiet > maxQuiet) throw new EventStreamInterruptedError(sessionId, lastEventId, quiet, { cause });
    options.onReconnect?.({ lastEventId, cause });
    // The stream's own `retry:` (read while connected), or longer when an answer asked for it.
    await sleep(Math.max(retryMs, retryAfterMs), options.signal);
  }
}

function toEvent(message: EventSourceMessage): SessionEvent {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw new UnexpectedAnswerError(
      `event ${message.event ?? 'message'} carries no JSON: ${message.data.slice(0, 200)}`,
    );
  }
  if (message.event === 'status') {
    const parsed = StatusDataSchema.safeParse(data);
    if (!parsed.success) throw new UnexpectedAnswerError(`malformed status event: ${parsed.error.message}`);
    return { kind: 'status', status: parsed.data.status };
  }
  const parsed = StepDataSchema.safeParse(data);
  if (!parsed.success || message.id === undefined) {
    throw new UnexpectedAnswerError(`malformed ${message.event ?? 'message'} event: ${message.data.slice(0, 200)}`);
  }
  const { seq, type, at, message: text } = parsed.data;
  return { kind: 'step', id: message.id, seq, type, at, ...(text !== undefined ? { message: text } : {}) };
}
