/**
 * What the API does with sessions, in Temporal terms: start a session workflow, read it through its query
 * and visibility (search attributes), change it through its updates. Nothing here keeps session state in
 * memory: any API replica can answer for any session. The list is in ./session-list.ts, the response
 * bodies in ./session-views.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionDescription,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import { POD_GONE_MARGIN_MS } from '../../workflows/contract/pod-waits.js';
import { buildSessionSpec, SessionRequestRejected } from '../session/request-rules.js';
import { isEnded, sessionWorkflowId, type SessionSpec, type SessionState } from '../../workflows/contract/spec.js';
import { SessionEventHub } from './event-hub.js';
import { startWithEarlyReturn, startWithinBound, type StartedSession } from './session-start.js';
import {
  ExtendRejection,
  extendSessionUpdate,
  getSessionStateQuery,
  sessionWorkflowType,
  terminateSessionSignal,
  terminateSessionUpdate,
} from '../../workflows/contract/session-messages.js';
import { SessionUserKey } from '../../workflows/contract/search-attributes.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { isAdmin, type Principal } from './auth.js';
import { ApiError } from './errors.js';
import type { ApiMetrics } from './metrics.js';
import { SessionQuota } from './quota.js';
import type { LedgerVersions } from '../k8s/ledger-versions.js';
import { admitRetainedClaims } from './retained-pvcs.js';
import type { CreateSessionBody, SessionBody, SessionSummary } from './schemas.js';
import { listSessions, type SessionListFilter } from './session-list.js';
import { bodyFromDescription, notYetAnswering, startFailure, toSessionBody } from './session-views.js';
import { finalOrCurrentBody } from './closed-session.js';
import { isUnansweredNow, isUpdateTimeout, isWorkflowClosed } from './workflow-errors.js';

export { startFailure, toSessionBody } from './session-views.js';
export { isUpdateTimeout, isWorkflowClosed } from './workflow-errors.js';

type SessionHandle = WorkflowHandle<typeof sessionWorkflow>;
const POLL_MS = 250;
/** How long one state query may take; a healthy worker answers in milliseconds. */
const QUERY_TIMEOUT_MS = 3000;
/** How long an update may wait for a worker to take it. */
const UPDATE_TIMEOUT_MS = 10_000;
/**
 * Beyond the pod's stop grace, how long `DELETE ?wait=true` waits for the shutdown to finish before it
 * answers 202 with the state it knows: the workflow's own look at a pod whose going it never heard of,
 * then the Service, ConfigMap, Secrets and claim, which take seconds.
 */
const TERMINATE_WAIT_MARGIN_MS = POD_GONE_MARGIN_MS + 15_000;

export interface SessionServiceOptions {
  client: Client;
  kube: KubeClients;
  config: Config;
  metrics: ApiMetrics;
  logger: Logger;
  /** The quota ledgers' newest versions (see SessionQuota). */
  ledgerVersions?: LedgerVersions;
}

export class SessionService {
  private readonly client: Client;
  private readonly config: Config;
  private readonly metrics: ApiMetrics;
  private readonly log: Logger;
  private readonly quota: SessionQuota;
  private readonly kube: KubeClients;
  /** Shared by every event stream of this process; one upstream per followed session. */
  readonly eventHub: SessionEventHub;

  constructor(options: SessionServiceOptions) {
    this.client = options.client;
    this.config = options.config;
    this.kube = options.kube;
    this.metrics = options.metrics;
    this.log = options.logger;
    this.eventHub = new SessionEventHub(options.client);
    this.quota = new SessionQuota(
      options.kube.core,
      options.config.sessionNamespace,
      options.config.apiMaxSessionsPerUser,
      (id) => this.isRunning(id),
      options.ledgerVersions,
    );
  }

  /**
   * Validates the request against configured limits into a full spec (the rules live in src/session);
   * a 400 or 403 names every problem.
   */
  buildSpec(user: string, body: CreateSessionBody): SessionSpec {
    try {
      return buildSessionSpec(this.config, user, randomBytes(6).toString('hex'), body);
    } catch (err) {
      if (!(err instanceof SessionRequestRejected)) throw err;
      if (err.kind === 'policy') {
        throw new ApiError(
          403,
          'FORBIDDEN_BY_POLICY',
          'the request asks for something the administrator does not allow',
          {
            details: err.problems,
          },
        );
      }
      throw ApiError.validation('invalid session configuration', err.problems);
    }
  }

  /**
   * Starts a session within the caller's quota. With `wait`, answers once the workflow reports it running
   * (or failed), through an Update-with-Start: no query polling. Without, as soon as the start is durable.
   */
  async create(
    principal: Principal,
    body: CreateSessionBody,
    wait: boolean,
  ): Promise<{ created: boolean; session: SessionBody }> {
    let spec: SessionSpec;
    let started: StartedSession | undefined;
    try {
      spec = this.buildSpec(principal.user, body);
      const admitted = spec;
      await admitRetainedClaims(this.kube.core, spec, this.config.maxRetainedPvcsPerUser, (id) => this.isRunning(id));
      await this.quota.admit(principal.user, spec.sessionId, async () => {
        if (wait) started = await startWithEarlyReturn(this.client, admitted, this.config);
        else await startWithinBound(this.client, admitted, this.config);
      });
    } catch (err) {
      const answered = err instanceof ApiError ? err : startNotAnswered(err);
      if (answered) {
        this.metrics.sessionsRejected.inc({ code: answered.code });
        throw answered;
      }
      throw err;
    }
    this.metrics.sessionsStarted.inc();
    this.log.info({ sessionId: spec.sessionId, user: spec.user }, 'session started');
    const createdAt = new Date().toISOString();
    const state = started ? await started.outcome : undefined;
    if (!state || state.status === 'creating') {
      return { created: false, session: toSessionBody(state ?? notYetAnswering(spec, createdAt)) };
    }
    if (state.status === 'running' || state.status === 'restarting') {
      const startedAt = state.phases.running;
      if (startedAt) {
        this.metrics.sessionStartSeconds.observe((Date.parse(startedAt) - Date.parse(state.createdAt)) / 1000);
      }
      return { created: true, session: toSessionBody(state) };
    }
    const failure = startFailure(state);
    this.metrics.sessionsFailed.inc({ code: failure.code });
    throw failure;
  }

  /** One page of the caller's sessions (an admin's: everyone's, or `user`'s), newest first. */
  async list(
    principal: Principal,
    filter: SessionListFilter,
  ): Promise<{ sessions: SessionSummary[]; next_page_token: string | null }> {
    return listSessions(this.client, this.config.temporalNamespace, principal, filter);
  }

  async get(principal: Principal, id: string): Promise<SessionBody> {
    const { handle, description } = await this.ownedSession(principal, id);
    return this.finalOrCurrentBody(id, handle, description);
  }

  async extend(principal: Principal, id: string, minutes: number): Promise<{ session_id: string; expires_at: string }> {
    const handle = await this.ownedHandle(principal, id);
    try {
      const result = await this.update(() => handle.executeUpdate(extendSessionUpdate, { args: [{ minutes }] }));
      return { session_id: id, expires_at: result.expiresAt };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const { type, message } = err.cause;
        if (type === ExtendRejection.NotRunning) throw new ApiError(409, 'SESSION_NOT_RUNNING', message);
        if (type === ExtendRejection.PastMaxLifetime) throw new ApiError(409, 'MAX_LIFETIME_EXCEEDED', message);
        if (type === ExtendRejection.InvalidMinutes) {
          throw ApiError.validation(message, [{ path: 'body.minutes', message }]);
        }
      }
      if (isWorkflowClosed(err)) throw new ApiError(409, 'SESSION_NOT_RUNNING', `session ${id} has ended`);
      if (isUpdateTimeout(err)) throw this.workerUnavailable(id);
      throw err;
    }
  }

  /** Requests shutdown; with `wait`, answers with the final state once everything is deleted. */
  async terminate(
    principal: Principal,
    id: string,
    options: { deletePvc?: boolean; wait: boolean },
  ): Promise<{ done: boolean; session: SessionBody }> {
    const { handle, description } = await this.ownedSession(principal, id);
    const request = { reason: 'user', ...(options.deletePvc !== undefined ? { deletePvc: options.deletePvc } : {}) };
    const pending = { done: false, session: bodyFromDescription(id, description, 'terminating') };
    try {
      await this.update(() => handle.executeUpdate(terminateSessionUpdate, { args: [request] }));
    } catch (err) {
      if (isUpdateTimeout(err)) {
        // No worker took the update. A signal is durable: it waits in the history for the next worker,
        // so the termination is recorded now and runs as soon as one polls. Waiting on would be waiting for
        // a worker to appear, so even `wait=true` answers 202 now.
        await handle.signal(terminateSessionSignal, request);
        return pending;
      } else if (!isWorkflowClosed(err)) {
        // Already over: deleting it again is a no-op that reports how it ended.
        throw err;
      }
    }
    if (options.wait && !(await this.closedWithin(handle, this.terminateWaitMs()))) {
      // Still shutting down (or its worker was lost meanwhile): 202 with what is known, not an endless wait.
      try {
        return { done: false, session: toSessionBody(await this.queryState(handle, { retries: 0 })) };
      } catch (err) {
        if (err instanceof ApiError && err.status === 503) return pending;
        throw err;
      }
    }
    const session = await this.finalOrCurrentBody(id, handle, await handle.describe());
    return { done: isEnded(session.status), session };
  }

  /** How long `DELETE ?wait=true` waits: the pod's stop grace plus a margin for the other objects. */
  private terminateWaitMs(): number {
    return this.config.podStopGraceSeconds * 1000 + TERMINATE_WAIT_MARGIN_MS;
  }

  /** Whether the workflow closes within `ms` (a failed session counts as closed). */
  private async closedWithin(handle: SessionHandle, ms: number): Promise<boolean> {
    try {
      await this.client.connection.withDeadline(Date.now() + ms, () => handle.result());
      return true;
    } catch (err) {
      if (err instanceof WorkflowFailedError) return true;
      if (isUnansweredNow(err)) return false;
      throw err;
    }
  }

  /**
   * The session's lifecycle events after `afterSeq`, as they happen, until it has ended or `signal`
   * aborts. Pushed by the workflow through this process's shared feed (see ./event-hub.ts): no polling.
   */
  async *events(
    principal: Principal,
    id: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<{ state: SessionState; event?: SessionState['events'][number] }> {
    await this.ownedHandle(principal, id);
    try {
      yield* this.eventHub.follow(id, afterSeq, signal);
    } catch (err) {
      if (isUpdateTimeout(err)) throw this.workerUnavailable(id);
      throw err;
    }
  }

  /** Resolves the session's workflow, or 404 when it does not exist or is not the caller's to see. */
  async ownedHandle(principal: Principal, id: string): Promise<SessionHandle> {
    return (await this.ownedSession(principal, id)).handle;
  }

  private async ownedSession(
    principal: Principal,
    id: string,
  ): Promise<{ handle: SessionHandle; description: WorkflowExecutionDescription }> {
    const handle = this.client.workflow.getHandle<typeof sessionWorkflow>(sessionWorkflowId(id));
    let description: WorkflowExecutionDescription;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw ApiError.notFound(`session ${id} not found`);
      throw err;
    }
    const owner = description.typedSearchAttributes.get(SessionUserKey);
    // Someone else's session is reported exactly like a missing one, so ids cannot be probed.
    if (description.type !== sessionWorkflowType || (owner !== principal.user && !isAdmin(principal))) {
      throw ApiError.notFound(`session ${id} not found`);
    }
    return { handle, description };
  }

  /** Runs an update, bounded: with no worker polling, the server would hold it indefinitely. */
  private update<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, fn);
  }

  private workerUnavailable(id: string): ApiError {
    return new ApiError(
      503,
      'WORKER_UNAVAILABLE',
      `no worker answered for session ${id} in time; it resumes when a worker polls ${this.config.temporalTaskQueue}`,
    );
  }

  /** The session as it is, or as it ended: see {@link finalOrCurrentBody}. */
  private finalOrCurrentBody(
    id: string,
    handle: SessionHandle,
    description: WorkflowExecutionDescription,
  ): Promise<SessionBody> {
    return finalOrCurrentBody(id, handle, description, () => this.queryState(handle, { retries: 2 }));
  }

  /**
   * Retries the query while the workflow has not run its first task yet (it cannot answer before). Each
   * attempt is bounded: with no worker polling, the server would hold a query until its own timeout.
   * A query still unanswered then is a 503: the session exists, but nothing can read it right now.
   */
  private async queryState(handle: SessionHandle, { retries }: { retries: number }): Promise<SessionState> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.queryOnce(handle);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw err;
        if (attempt >= retries) {
          if (isUnansweredNow(err)) {
            throw new ApiError(
              503,
              'WORKER_UNAVAILABLE',
              `no worker answered for session ${handle.workflowId.replace(/^session-/, '')} within ${QUERY_TIMEOUT_MS} ms; it will resume when a worker polls ${this.config.temporalTaskQueue}`,
            );
          }
          throw err;
        }
        await sleep(POLL_MS);
      }
    }
  }

  private queryOnce(handle: SessionHandle): Promise<SessionState> {
    return this.client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(getSessionStateQuery));
  }

  /** Whether the session's workflow still runs; undefined when there is no such workflow (yet). */
  private async isRunning(sessionId: string): Promise<boolean | undefined> {
    try {
      const description = await this.client.workflow.getHandle(sessionWorkflowId(sessionId)).describe();
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * A start that Temporal did not answer (unreachable, shedding load, or no answer before the deadline, with
 * no workflow created): nothing was started and the quota entry is already released, so the caller may
 * simply retry — a 503, not a 500.
 */
function startNotAnswered(err: unknown): ApiError | undefined {
  if (!isUpdateTimeout(err)) return undefined;
  return new ApiError(
    503,
    'TEMPORAL_UNAVAILABLE',
    'the session was not started: Temporal did not answer in time; nothing was created, retry',
    {},
    { 'Retry-After': '5' },
  );
}
