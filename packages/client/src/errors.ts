/**
 * What can go wrong calling the API, as classes a program can tell apart with `instanceof`: the API
 * answered with an error ({@link SessionApiError}: its `code`, HTTP status and `Retry-After`), it could not
 * be reached ({@link ApiUnreachableError}), or it answered something this client does not understand.
 */
import { z } from 'zod';
import type { ErrorBody } from './types.js';

/** The API's error body; parsed, because it is the one answer every route shares and programs branch on. */
const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    request_id: z.string().optional(),
    session_id: z.string().optional(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
}) satisfies z.ZodType<ErrorBody>;

export type ErrorDetail = { path: string; message: string };

/** The API answered a request with an error status. */
export class SessionApiError extends Error {
  /** HTTP status of the answer. */
  readonly status: number;
  /** The API's error code (e.g. NOT_FOUND, QUOTA_EXCEEDED); `HTTP_<status>` when the body was not the API's. */
  readonly code: string;
  /** Each problem of a VALIDATION_ERROR or FORBIDDEN_BY_POLICY, by the field it concerns. */
  readonly details: ErrorDetail[];
  /** The request's id in the API's log. */
  readonly requestId: string | undefined;
  readonly sessionId: string | undefined;
  /** Seconds the API asks to wait before retrying (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    details?: ErrorDetail[];
    requestId?: string;
    sessionId?: string;
    retryAfterSeconds?: number;
  }) {
    super(init.message);
    this.name = 'SessionApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    this.requestId = init.requestId;
    this.sessionId = init.sessionId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** The error of an answer whose body was already read (JSON-parsed when it could be, else its text). */
  static fromAnswer(response: Response, body: unknown): SessionApiError {
    const retryAfterSeconds = retryAfterOf(response.headers.get('retry-after'));
    const parsed = ErrorBodySchema.safeParse(body);
    if (!parsed.success) {
      const text = typeof body === 'string' ? body.slice(0, 200) : '';
      return new SessionApiError({
        status: response.status,
        code: `HTTP_${response.status}`,
        message: text || response.statusText || `HTTP ${response.status}`,
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      });
    }
    const { code, message, details, request_id, session_id } = parsed.data.error;
    return new SessionApiError({
      status: response.status,
      code,
      message,
      ...(details ? { details } : {}),
      ...(request_id ? { requestId: request_id } : {}),
      ...(session_id ? { sessionId: session_id } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  }

  /** The error of an unread answer. */
  static async fromResponse(response: Response): Promise<SessionApiError> {
    const text = await response.text().catch(() => '');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy in front of the API, say): the text is the best message there is.
    }
    return SessionApiError.fromAnswer(response, body);
  }
}

/** The API could not be reached at all (DNS, refused or reset connection, TLS): nothing was answered. */
export class ApiUnreachableError extends Error {
  constructor(
    readonly baseUrl: string,
    options: { cause: unknown },
  ) {
    super(`cannot reach ${baseUrl}: ${describeCause(options.cause)}`, options);
    this.name = 'ApiUnreachableError';
  }
}

/** The API answered something this client cannot read: the client and the server disagree on the API. */
export class UnexpectedAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedAnswerError';
  }
}

/**
 * The events stream could not be followed: it was interrupted this many times in a row without delivering a
 * new event. `lastEventId` is where a later follow can resume.
 */
export class EventStreamInterruptedError extends Error {
  constructor(
    readonly sessionId: string,
    readonly lastEventId: string | undefined,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(
      `the events stream of session ${sessionId} was interrupted ${attempts} times in a row without a new event`,
      options,
    );
    this.name = 'EventStreamInterruptedError';
  }
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterOf(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof inner?.code === 'string') return inner.code;
  if (typeof inner?.message === 'string') return inner.message;
  return cause instanceof Error ? cause.message : String(cause);
}
