/**
 * How every request leaves the client: one base URL, one set of credentials, one `fetch` (the platform's
 * unless the program passes its own), and failures to connect turned into {@link ApiUnreachableError}.
 * Typed route calls go through openapi-fetch on top of it; the few requests whose path is not a route
 * template (the proxy) use {@link Transport.send} directly.
 */
import createClient, { type Client } from 'openapi-fetch';
import { ApiUnreachableError, SessionApiError } from './errors.js';
import type { paths } from './generated/openapi.js';

export type FetchLike = (request: Request) => Promise<Response>;

export interface SessionClientOptions {
  /** Where the API is, e.g. `https://sessions.example.com` (a path prefix is kept); `''` for the page's origin. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. Without it, requests carry only `headers` (or a browser's cookies). */
  apiKey?: string;
  /** Headers for every request. */
  headers?: Record<string, string>;
  /** A `fetch` of the program's own (instrumentation, tests); the platform's by default. */
  fetch?: FetchLike;
}

export class Transport {
  readonly baseUrl: string;
  readonly api: Client<paths>;
  /** For the terminal's WebSocket, which carries the key as a subprotocol (it cannot send headers). */
  readonly apiKey: string | undefined;
  private readonly headers: Record<string, string>;
  private readonly fetchImpl: FetchLike;

  constructor(options: SessionClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.headers = {
      ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
      ...options.headers,
    };
    // Bound at call time: a browser's fetch throws when called as a method of another object.
    const platformFetch: FetchLike = (request) => globalThis.fetch(request);
    this.fetchImpl = options.fetch ?? platformFetch;
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: this.headers,
      fetch: (request) => this.dispatch(request),
    });
  }

  /** The absolute (or, with an empty base URL, origin-relative) URL of an API path. */
  url(path: string): string {
    return `${this.baseUrl}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** A request to `path` with the client's credentials; the answer whatever its status. */
  send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(this.headers);
    for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
    return this.dispatch(new Request(this.url(path), { ...init, headers }));
  }

  private async dispatch(request: Request): Promise<Response> {
    try {
      return await this.fetchImpl(request);
    } catch (err) {
      // An abort is the caller's own decision, not the API's absence.
      if (request.signal.aborted) throw err;
      throw new ApiUnreachableError(this.baseUrl, { cause: err });
    }
  }
}

/** What an openapi-fetch call resolves to. */
export interface ApiResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The body of a successful answer, or the {@link SessionApiError} of a failed one. For any call made with
 * `client.api`, so routes without a helper of their own fail the same way as those with one.
 */
export async function unwrap<T>(call: Promise<ApiResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw SessionApiError.fromAnswer(response, error);
  return data as T;
}
