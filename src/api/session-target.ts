/**
 * Resolves a session a caller wants to reach: owned by them (else 404, like every session route), running
 * (else 409), and where its agent listens. The proxy, logs and exec all go through here.
 */
import type { Config } from '../config.js';
import { AGENT_PORT } from '../k8s/manifests.js';
import { unreachableReason } from '../session/reachability.js';
import { isAsleep } from '../../workflows/contract/suspension.js';
import { Permission, hasPermission, type Principal } from './auth.js';
import { ApiError } from './errors.js';
import type { SessionBody } from './schemas.js';
import type { SessionService } from './sessions.js';

/**
 * How long a "running, and yours" answer is reused. A proxied UI makes many small requests; each would
 * otherwise cost a describe and a query of the workflow. The price: for up to this long after a session
 * stops, requests may still be forwarded (and fail at the agent, which is gone).
 */
export const RUNNING_CACHE_MS = 2000;
const MAX_CACHED = 5000;

/** Resumes a suspended session for a request that wants it; `done` false when it is not running in time. */
export type SessionWaker = (principal: Principal, id: string) => Promise<{ done: boolean; session: SessionBody }>;

export class SessionTargets {
  private readonly cache = new Map<string, { until: number; session: SessionBody & { pod_name: string } }>();
  /** Wake-ups under way in this process: concurrent requests to one sleeping session share one resume. */
  private readonly waking = new Map<string, Promise<{ done: boolean; session: SessionBody }>>();

  constructor(
    private readonly sessions: Pick<SessionService, 'get'>,
    private readonly config: Pick<Config, 'proxyUpstreamOverride' | 'sessionNamespace'>,
    private readonly now: () => number = Date.now,
    private readonly waker?: SessionWaker,
  ) {}

  /**
   * {@link running}, reusing an answer for {@link RUNNING_CACHE_MS}: for the proxy, whose callers make
   * many small requests. Logs and exec ask afresh.
   */
  async runningCached(principal: Principal, id: string): Promise<SessionBody & { pod_name: string }> {
    // Keyed by the API key too: a cached answer never crosses from one caller to another.
    const key = `${principal.keyId}\u0000${principal.user}\u0000${id}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.session;
    this.cache.delete(key);
    const session = await this.running(principal, id, true);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, { until: this.now() + RUNNING_CACHE_MS, session });
    return session;
  }

  /** The session, if the caller may see it and it runs; otherwise the 404/409 the caller gets. */
  async running(principal: Principal, id: string, wake = false): Promise<SessionBody & { pod_name: string }> {
    let session = await this.sessions.get(principal, id);
    // Waking changes the session (a pod starts, quota is taken), like POST …/resume: it needs
    // session:update. A read-only key gets the 409 below, as for any session that is not running.
    if (wake && this.waker && isAsleep(session.status) && hasPermission(principal, Permission.Update)) {
      session = await this.wake(principal, id);
    }
    const why = unreachableReason(id, session.status);
    if (why) throw new ApiError(409, why.code, why.message, { session_id: id });
    if (!session.pod_name) {
      throw new ApiError(409, 'SESSION_NOT_RUNNING', `session ${id} has no pod yet`, { session_id: id });
    }
    return session as SessionBody & { pod_name: string };
  }

  /**
   * Resumes the session and holds the caller until it runs (bounded by the resume's own wait). The
   * ownership check has already passed for this caller; other callers join the same resume.
   */
  private async wake(principal: Principal, id: string): Promise<SessionBody> {
    let pending = this.waking.get(id);
    if (!pending) {
      pending = this.waker!(principal, id)
        .catch(async (err: unknown) => {
          // Someone else's resume finished between our read and ours: it runs, which is all we wanted.
          if (!(err instanceof ApiError) || err.code !== 'SESSION_NOT_SUSPENDED') throw err;
          return { done: true, session: await this.sessions.get(principal, id) };
        })
        .finally(() => this.waking.delete(id));
      this.waking.set(id, pending);
    }
    const { done, session } = await pending;
    if (!done) {
      throw new ApiError(504, 'RESUME_TIMEOUT', `session ${id} was woken but is not running yet; retry`, {
        session_id: id,
      });
    }
    return session;
  }

  /** Base URL of the session's agent: the configured override, else its Service on the agent port. */
  async upstream(principal: Principal, id: string): Promise<URL> {
    const session = await this.runningCached(principal, id);
    if (this.config.proxyUpstreamOverride) return new URL(this.config.proxyUpstreamOverride);
    if (session.url) return new URL(session.url);
    if (session.service_name) {
      return new URL(`http://${session.service_name}.${this.config.sessionNamespace}.svc:${AGENT_PORT}`);
    }
    throw new ApiError(502, 'UPSTREAM_UNAVAILABLE', `session ${id} has no address yet`, { session_id: id });
  }
}
