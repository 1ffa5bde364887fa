/**
 * Suspend and resume through the session workflow's updates, and the activity feed idle auto-suspend
 * listens to. The rules (who may be suspended, the 409/429 answers) live in workflows/contract/suspension.ts;
 * this maps the workflow's refusals to them and bounds every wait.
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { POD_GONE_MARGIN_MS } from '../../workflows/contract/pod-waits.js';
import { SUSPEND_REFUSAL_ANSWER, type SuspendRejection } from '../../workflows/contract/suspension.js';
import { sessionWorkflowId, type SessionState } from '../../workflows/contract/spec.js';
import {
  getSessionStateQuery,
  resumeSessionUpdate,
  sessionActivitySignal,
  suspendSessionUpdate,
} from '../../workflows/contract/session-messages.js';
import type { Principal } from './auth.js';
import { ApiError } from './errors.js';
import type { SessionBody } from './schemas.js';
import { isUpdateTimeout, isWorkflowClosed, startFailure, toSessionBody, type SessionService } from './sessions.js';

/**
 * Beyond the pod's stop grace or start timeout (and, for a suspend, the workflow's own look at a pod
 * whose deletion it never heard of), how long a suspend or resume may take to answer: the look, the
 * Service, the ledger and the transition are activities of a few hundred milliseconds each.
 */
const MARGIN_MS = 15_000;
/** How often the proxy's activity reaches the workflow, at most: a fraction of the idle time. */
const MAX_FLUSH_MS = 30_000;

export interface LifecycleAnswer {
  /** False when the wait ran out before the session got there (the API answers 202). */
  done: boolean;
  session: SessionBody;
}

export class SessionSuspender {
  constructor(
    private readonly client: Client,
    private readonly sessions: Pick<SessionService, 'ownedHandle'>,
    private readonly config: Pick<Config, 'podStartTimeoutSeconds' | 'podStopGraceSeconds' | 'idleMinutes'>,
    private readonly log: Logger,
  ) {}

  /** Suspends the caller's session; answers once it is suspended (or the bounded wait ran out). */
  suspend(principal: Principal, id: string): Promise<LifecycleAnswer> {
    const waitMs = this.config.podStopGraceSeconds * 1000 + POD_GONE_MARGIN_MS + MARGIN_MS;
    return this.run(principal, id, 'suspended', waitMs, (h) => h.executeUpdate(suspendSessionUpdate, { args: [{}] }));
  }

  /** Resumes the caller's session; answers once it runs again (or the start timeout ran out: not done). */
  resume(principal: Principal, id: string): Promise<LifecycleAnswer> {
    const waitMs = this.config.podStartTimeoutSeconds * 1000 + MARGIN_MS;
    return this.run(principal, id, 'running', waitMs, (h) => h.executeUpdate(resumeSessionUpdate, { args: [{}] }));
  }

  /** How often {@link recordActivity} needs to be called per session; undefined: idle suspend is off. */
  activityInterval(): number | undefined {
    if (this.config.idleMinutes <= 0) return undefined;
    return Math.min(MAX_FLUSH_MS, (this.config.idleMinutes * 60_000) / 4);
  }

  /** Tells the session's workflow it was used at `at`. Best effort: a lost signal only risks an early idle check. */
  recordActivity(sessionId: string, at: Date): void {
    this.client.workflow
      .getHandle(sessionWorkflowId(sessionId))
      .signal(sessionActivitySignal, { at: at.toISOString() })
      .catch((err: unknown) => this.log.debug({ err, session_id: sessionId }, 'activity signal not delivered'));
  }

  private async run(
    principal: Principal,
    id: string,
    target: 'suspended' | 'running',
    waitMs: number,
    send: (h: Awaited<ReturnType<SessionService['ownedHandle']>>) => Promise<SessionState>,
  ): Promise<LifecycleAnswer> {
    const handle = await this.sessions.ownedHandle(principal, id);
    let state: SessionState;
    try {
      state = await this.client.connection.withDeadline(Date.now() + waitMs, () => send(handle));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const answer = SUSPEND_REFUSAL_ANSWER[err.cause.type as SuspendRejection] as
          (typeof SUSPEND_REFUSAL_ANSWER)[SuspendRejection] | undefined;
        if (answer) throw new ApiError(answer.status, answer.code, err.cause.message, { session_id: id });
      }
      if (isWorkflowClosed(err))
        throw new ApiError(409, 'SESSION_ENDED', `session ${id} has ended`, { session_id: id });
      if (!isUpdateTimeout(err)) throw err;
      // The update stays with the workflow and completes there; the caller follows it with GET.
      const current = await this.client.connection
        .withDeadline(Date.now() + 3000, () => handle.query(getSessionStateQuery))
        .catch(() => undefined);
      if (!current) {
        throw new ApiError(503, 'WORKER_UNAVAILABLE', `no worker answered for session ${id} in time`, {
          session_id: id,
        });
      }
      return { done: current.status === target, session: toSessionBody(current) };
    }
    if (state.status === target) return { done: true, session: toSessionBody(state) };
    if (state.status === 'failed') throw startFailure(state);
    throw new ApiError(409, 'SESSION_ENDED', `session ${id} is ${state.status}`, { session_id: id });
  }
}
