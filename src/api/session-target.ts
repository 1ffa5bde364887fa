/**
 * Resolves a session a caller wants to reach: owned by them (else 404, like every session route), running
 * (else 409), and where its agent listens. The proxy, logs and exec all go through here.
 */
import type { Config } from '../config.js';
import { AGENT_PORT } from '../k8s/manifests.js';
import { unreachableReason } from '../session/reachability.js';
import type { Principal } from './auth.js';
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

export class SessionTargets {
  private readonly cache = new Map<string, { until: number; session: SessionBody & { pod_name: string } }>();

  constructor(
    private readonly sessions: Pick<SessionService, 'get'>,
    private readonly config: Pick<Config, 'proxyUpstreamOverride' | 'sessionNamespace'>,
    private readonly now: () => number = Date.now,
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
    const session = await this.running(principal, id);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, { until: this.now() + RUNNING_CACHE_MS, session });
    return session;
  }

  /** The session, if the caller may see it and it runs; otherwise the 404/409 the caller gets. */
  async running(principal: Principal, id: string): Promise<SessionBody & { pod_name: string }> {
    const session = await this.sessions.get(principal, id);
    const why = unreachableReason(id, session.status);
    if (why) throw new ApiError(409, why.code, why.message, { session_id: id });
    if (!session.pod_name) {
      throw new ApiError(409, 'SESSION_NOT_RUNNING', `session ${id} has no pod yet`, { session_id: id });
    }
    return session as SessionBody & { pod_name: string };
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
