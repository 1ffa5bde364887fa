/**
 * The HTTP client of `sessionctl`: one call per API route, each answer parsed by the API's own zod
 * schemas, and every non-2xx turned into a {@link CliError} carrying the server's error code and the
 * exit code scripts can branch on.
 */
import { z } from 'zod';
import { ExecResultSchema, type ExecResult } from '../api/access-schemas.js';
import { ErrorSchema, ExtendSessionResponseSchema, SessionListSchema, SessionSchema } from '../api/schemas.js';

export type Session = z.infer<typeof SessionSchema>;
export type SessionList = z.infer<typeof SessionListSchema>;

/** Exit codes of sessionctl (also documented in docs/cli.md and `sessionctl --help`). */
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
    readonly code?: string,
    readonly status?: number,
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

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.apiKey ? { Authorization: `Bearer ${this.apiKey}` } : {}), ...extra };
  }

  /** A raw request; non-2xx answers become a CliError with the server's message. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        ...init,
        headers: this.headers((init.headers as Record<string, string> | undefined) ?? {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        ExitCode.Unreachable,
      );
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  private async json<T extends z.ZodType>(schema: T, path: string, init: RequestInit = {}): Promise<z.output<T>> {
    const res = await this.fetch(path, {
      ...init,
      ...(init.body ? { headers: { 'Content-Type': 'application/json' } } : {}),
    });
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success)
      throw new CliError(`unexpected answer from ${path}: ${parsed.error.message}`, ExitCode.Failure);
    return parsed.data;
  }

  create(body: object): Promise<Session> {
    return this.json(SessionSchema, '/api/v1/sessions?wait=false', { method: 'POST', body: JSON.stringify(body) });
  }
  list(query: Record<string, string>): Promise<SessionList> {
    return this.json(SessionListSchema, `/api/v1/sessions?${new URLSearchParams(query)}`);
  }
  get(id: string): Promise<Session> {
    return this.json(SessionSchema, `/api/v1/sessions/${encodeURIComponent(id)}`);
  }
  extend(id: string, minutes: number) {
    return this.json(ExtendSessionResponseSchema, `/api/v1/sessions/${encodeURIComponent(id)}/extend`, {
      method: 'POST',
      body: JSON.stringify({ minutes }),
    });
  }
  delete(id: string, query: Record<string, string>): Promise<Session> {
    return this.json(SessionSchema, `/api/v1/sessions/${encodeURIComponent(id)}?${new URLSearchParams(query)}`, {
      method: 'DELETE',
    });
  }
  /** Suspend and resume answer with the session; their routes may not exist on older servers. */
  lifecycle(id: string, action: 'suspend' | 'resume'): Promise<Session> {
    return this.json(SessionSchema, `/api/v1/sessions/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      body: '{}',
    });
  }
  exec(id: string, body: { command: string[]; container?: string; timeout_seconds?: number }): Promise<ExecResult> {
    return this.json(ExecResultSchema, `/api/v1/sessions/${encodeURIComponent(id)}/exec`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
  }
  proxyUrl(id: string): string {
    return new URL(`/api/v1/sessions/${encodeURIComponent(id)}/proxy/`, this.baseUrl).toString();
  }
}

async function errorOf(res: Response): Promise<CliError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = ErrorSchema.safeParse(body);
  const exit = exitCodeForStatus(res.status);
  if (!parsed.success) return new CliError(`HTTP ${res.status}: ${text.slice(0, 200) || res.statusText}`, exit);
  const { code, message, details } = parsed.data.error;
  const more = details?.length ? `\n${details.map((d) => `  ${d.path}: ${d.message}`).join('\n')}` : '';
  return new CliError(`${code}: ${message}${more}`, exit, code, res.status);
}
