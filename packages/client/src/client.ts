/**
 * {@link SessionClient}: the session-orchestrator API as methods. Plain request/response routes are one
 * typed call each (types generated from the API's OpenAPI document); what is not plain request/response
 * (waiting for a start, the events stream, logs, the proxy, the interactive terminal) has a helper module of
 * its own, exposed here.
 */
import { logLines, proxyFetch, proxyUrl, type LogsOptions } from './access.js';
import { followEvents, type FollowEventsOptions, type SessionEvent } from './events.js';
import { openTerminal, type SessionTerminal, type TerminalOptions } from './terminal.js';
import { Transport, unwrap, type SessionClientOptions } from './transport.js';
import type {
  CreateSessionRequest,
  DeleteSessionQuery,
  ExecRequest,
  ExecResult,
  ExtendSessionResponse,
  ListSessionsQuery,
  Session,
  SessionList,
  SessionSummary,
} from './types.js';
import { waitForStart, type WaitForStartOptions } from './wait.js';

export class SessionClient {
  private readonly transport: Transport;

  constructor(options: SessionClientOptions) {
    this.transport = new Transport(options);
  }

  /** The API's base URL, without a trailing slash. */
  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /**
   * Every route of the API, typed (openapi-fetch), for those without a method here (workspaces, codec,
   * provisioning, health). Pass a call to `unwrap` to get its body or a SessionApiError.
   */
  get api() {
    return this.transport.api;
  }

  /**
   * Creates a session. By default answers as soon as its start is durable (status `creating`); with
   * `wait: true` the API answers once it runs (201), and a start that fails is an error (502/504).
   */
  createSession(request: CreateSessionRequest = {}, options: { wait?: boolean } = {}): Promise<Session> {
    return unwrap(
      this.transport.api.POST('/api/v1/sessions', {
        params: { query: { wait: options.wait ? 'true' : 'false' } },
        body: request,
      }),
    );
  }

  /**
   * Creates a session and follows its start on the events stream, reporting progress, until it runs or has
   * ended; returns it as the API then reports it (check `status`). See {@link waitForStart}.
   */
  async createAndWait(request: CreateSessionRequest = {}, options: WaitForStartOptions = {}): Promise<Session> {
    const accepted = await this.createSession(request);
    return this.waitForStart(accepted.session_id, options);
  }

  /** Follows an existing session's start (see {@link createAndWait}). */
  waitForStart(sessionId: string, options: WaitForStartOptions = {}): Promise<Session> {
    return waitForStart(this.transport, sessionId, (id) => this.getSession(id), options);
  }

  /** One page of the caller's sessions (an admin's: everyone's, or `user`'s), newest first. */
  listSessions(query: ListSessionsQuery = {}): Promise<SessionList> {
    return unwrap(this.transport.api.GET('/api/v1/sessions', { params: { query } }));
  }

  /** Every session the query matches, page after page. */
  async *listAllSessions(query: Omit<ListSessionsQuery, 'page_token'> = {}): AsyncGenerator<SessionSummary> {
    for (let page = await this.listSessions(query); ;) {
      yield* page.sessions;
      if (!page.next_page_token) return;
      page = await this.listSessions({ ...query, page_token: page.next_page_token });
    }
  }

  getSession(sessionId: string): Promise<Session> {
    return unwrap(this.transport.api.GET('/api/v1/sessions/{id}', { params: { path: { id: sessionId } } }));
  }

  /** Moves a running session's deadline `minutes` further. */
  extendSession(sessionId: string, minutes: number): Promise<ExtendSessionResponse> {
    return unwrap(
      this.transport.api.POST('/api/v1/sessions/{id}/extend', {
        params: { path: { id: sessionId } },
        body: { minutes },
      }),
    );
  }

  /** Terminates a session; with `wait: 'true'`, answers once it has ended (else once shutdown has begun). */
  deleteSession(sessionId: string, query: DeleteSessionQuery = {}): Promise<Session> {
    return unwrap(this.transport.api.DELETE('/api/v1/sessions/{id}', { params: { path: { id: sessionId }, query } }));
  }

  /**
   * Suspends a session (pod deleted, workspace kept). The API answers 202 with the session as it is when
   * its bounded wait runs out: compare `status` with `suspended`.
   */
  suspendSession(sessionId: string): Promise<Session> {
    return unwrap(this.transport.api.POST('/api/v1/sessions/{id}/suspend', { params: { path: { id: sessionId } } }));
  }

  /** Resumes a suspended session; like suspend, compare `status` with `running`. */
  resumeSession(sessionId: string): Promise<Session> {
    return unwrap(this.transport.api.POST('/api/v1/sessions/{id}/resume', { params: { path: { id: sessionId } } }));
  }

  /** Runs a command (argv, no shell) in the session's container and returns its exit code and output. */
  exec(sessionId: string, request: ExecRequest): Promise<ExecResult> {
    return unwrap(
      this.transport.api.POST('/api/v1/sessions/{id}/exec', { params: { path: { id: sessionId } }, body: request }),
    );
  }

  /** The session's lifecycle events, resumed across dropped connections (see followEvents). */
  events(sessionId: string, options: FollowEventsOptions = {}): AsyncGenerator<SessionEvent> {
    return followEvents(this.transport, sessionId, options);
  }

  /** The container's log line by line; with `follow: true`, new lines as they are written. */
  logs(sessionId: string, options: LogsOptions = {}): AsyncGenerator<string> {
    return logLines(this.transport, sessionId, options);
  }

  /** The URL of `path` on the session's agent through the API's proxy (for a browser tab or a WebSocket). */
  proxyUrl(sessionId: string, path = '/'): string {
    return proxyUrl(this.transport, sessionId, path);
  }

  /** `fetch` to the session's agent through the API's proxy; the agent's answer, whatever its status. */
  proxyFetch(sessionId: string, path: string, init: RequestInit = {}): Promise<Response> {
    return proxyFetch(this.transport, sessionId, path, init);
  }

  /**
   * An interactive shell in the session's agent container (a WebSocket): write keystrokes, read output,
   * resize, and await `exited` for the remote exit code. Refusals throw a SessionApiError (404, 403, 409).
   */
  terminal(sessionId: string, options: TerminalOptions = {}): Promise<SessionTerminal> {
    return openTerminal(this.transport, sessionId, options);
  }
}
