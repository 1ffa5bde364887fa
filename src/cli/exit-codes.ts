/**
 * How sessionctl fails: a {@link CliError} carries the exit code scripts branch on (documented in the README
 * and `sessionctl --help`), derived from what the client library reports.
 */
import { ApiUnreachableError, EventStreamInterruptedError, SessionApiError } from '../../packages/client/src/index.js';

export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  NotFound: 3,
  Conflict: 4,
  Unauthorized: 5,
  Unreachable: 6,
  Timeout: 7,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 400 || status === 405 || status === 413) return ExitCode.Usage;
  if (status === 401 || status === 403) return ExitCode.Unauthorized;
  if (status === 404) return ExitCode.NotFound;
  if (status === 409 || status === 422 || status === 429) return ExitCode.Conflict;
  if (status === 504) return ExitCode.Timeout;
  return ExitCode.Failure;
}

/** The CliError of what the client library threw; undefined for anything else (a bug, reported as such). */
export function cliErrorOf(err: unknown): CliError | undefined {
  if (err instanceof CliError) return err;
  if (err instanceof SessionApiError) {
    const more = err.details.length ? `\n${err.details.map((d) => `  ${d.path}: ${d.message}`).join('\n')}` : '';
    const message = err.code.startsWith('HTTP_') ? `HTTP ${err.status}: ${err.message}` : `${err.code}: ${err.message}`;
    return new CliError(`${message}${more}`, exitCodeForStatus(err.status));
  }
  if (err instanceof ApiUnreachableError) return new CliError(err.message, ExitCode.Unreachable);
  if (err instanceof EventStreamInterruptedError) return new CliError(err.message, ExitCode.Failure);
  return undefined;
}
