/**
 * Every error the API answers with has the seed's shape `{ "error": { "code", "message", ... } }`. Routes
 * throw {@link ApiError}; the error middleware turns anything else into a 500 without leaking internals —
 * except a Temporal call that nothing answered now (unreachable, shedding, out of time), which is a 503.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import type { ErrorBody } from './schemas.js';
import { isUnansweredNow, isWorkflowTaskFailing } from './workflow-errors.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { details?: { path: string; message: string }[]; session_id?: string } = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static validation(message: string, details: { path: string; message: string }[] = []): ApiError {
    return new ApiError(400, 'VALIDATION_ERROR', message, { details });
  }

  static notFound(message: string): ApiError {
    return new ApiError(404, 'NOT_FOUND', message);
  }
}

/** Parses `input` with `schema` or throws a 400 that lists every problem with its path. */
export function parseOr400<T extends z.ZodType>(
  schema: T,
  input: unknown,
  where: 'body' | 'query' | 'path',
): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw ApiError.validation(
    `invalid request ${where}`,
    parsed.error.issues.map((issue) => ({
      path: [where, ...issue.path.map(String)].join('.'),
      message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    })),
  );
}

/** Express's body parser reports these as errors with a `type`; they are the client's fault. */
const BODY_PARSER_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'malformed JSON body',
  'entity.too.large': 'request body too large',
  'encoding.unsupported': 'unsupported body encoding',
  'charset.unsupported': 'unsupported body charset',
  'request.aborted': 'request aborted',
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(ApiError.notFound(`no route ${req.method} ${req.path}`));
};

/** Answers a known path with the wrong method: 405 with the methods it does allow. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  return (req, _res, next) => {
    next(
      new ApiError(
        405,
        'METHOD_NOT_ALLOWED',
        `${req.method} is not allowed on ${req.path}`,
        {},
        {
          Allow: allowed.join(', '),
        },
      ),
    );
  };
}

/**
 * Temporal failures that routes do not map themselves and that are not the service's bug: a 503 a client
 * retries, instead of a 500 it would report as ours.
 */
const RETRY_LATER = [
  {
    // Routes map the unanswered calls they expect; this covers the rest (a lookup, a signal), so a
    // Temporal outage answers 503 everywhere.
    matches: isUnansweredNow,
    log: 'Temporal did not answer',
    code: 'TEMPORAL_UNAVAILABLE',
    message: 'Temporal did not answer in time; retry',
    retryAfterSeconds: 5,
  },
  {
    // The workflow's own fault (its task keeps failing; the worker's log and its history say why), not
    // this request's: named, so an operator knows where to look.
    matches: isWorkflowTaskFailing,
    log: 'workflow task failing',
    code: 'WORKFLOW_TASK_FAILING',
    message:
      "the session's workflow cannot answer: its last workflow task failed or timed out and no worker has completed the next yet (its history in the Temporal UI says why); retry",
    retryAfterSeconds: 30,
  },
] as const;

function retryLater(err: unknown): (typeof RETRY_LATER)[number] | undefined {
  return RETRY_LATER.find((r) => r.matches(err));
}

export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  let apiError: ApiError;
  const later = retryLater(err);
  if (err instanceof ApiError) {
    apiError = err;
  } else if (isBodyParserError(err)) {
    apiError = ApiError.validation(BODY_PARSER_ERRORS[err.type] ?? 'invalid request body', [
      { path: 'body', message: err.message },
    ]);
  } else if (later) {
    req.log?.warn({ err }, later.log);
    apiError = new ApiError(503, later.code, later.message, {}, { 'Retry-After': String(later.retryAfterSeconds) });
  } else {
    req.log?.error({ err }, 'unhandled error');
    apiError = new ApiError(500, 'INTERNAL', 'internal error; see the server log for this request id');
  }
  if (apiError.status >= 500 && err instanceof ApiError) req.log?.error({ err }, 'request failed');
  const body: ErrorBody = {
    error: {
      code: apiError.code,
      message: apiError.message,
      request_id: String(req.id),
      ...apiError.extra,
    },
  };
  res.status(apiError.status).set(apiError.headers).json(body);
};

function isBodyParserError(err: unknown): err is { type: string; message: string } {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { type?: unknown }).type === 'string' &&
    (err as { type: string }).type in BODY_PARSER_ERRORS
  );
}
