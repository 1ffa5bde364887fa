/**
 * Caps on the API's long-lived requests, per API key and for the whole process: exec (holds up to two
 * outputs of EXEC_MAX_OUTPUT_BYTES for up to EXEC_TIMEOUT), log follows, SSE event streams, proxied
 * HTTP requests (an agent's SSE can stay open for hours) and WebSocket tunnels. Without them one key
 * could hold every socket and megabyte the process has. A request over a cap is `429 RATE_LIMITED`
 * with `Retry-After`; its slot comes back when its response closes.
 */
import type { Response } from 'express';
import type { Config } from '../config.js';
import { ApiError } from './errors.js';

export type LongRequestKind = 'exec' | 'logFollow' | 'eventStream' | 'proxy' | 'tunnel';

interface Cap {
  perKey: number;
  total: number;
  /** The variables that set it, for the refusal's message. */
  perKeyVar: string;
  totalVar: string;
  what: string;
}

type CapConfig = Pick<
  Config,
  | 'apiMaxExecsPerKey'
  | 'apiMaxExecs'
  | 'apiMaxLogFollowsPerKey'
  | 'apiMaxLogFollows'
  | 'apiMaxEventStreamsPerKey'
  | 'apiMaxEventStreams'
  | 'apiMaxProxyRequestsPerKey'
  | 'apiMaxProxyRequests'
  | 'apiMaxTunnelsPerKey'
  | 'apiMaxTunnels'
>;

function caps(c: CapConfig): Record<LongRequestKind, Cap> {
  return {
    exec: {
      perKey: c.apiMaxExecsPerKey,
      total: c.apiMaxExecs,
      perKeyVar: 'API_MAX_EXECS_PER_KEY',
      totalVar: 'API_MAX_EXECS',
      what: 'running execs',
    },
    logFollow: {
      perKey: c.apiMaxLogFollowsPerKey,
      total: c.apiMaxLogFollows,
      perKeyVar: 'API_MAX_LOG_FOLLOWS_PER_KEY',
      totalVar: 'API_MAX_LOG_FOLLOWS',
      what: 'open log streams',
    },
    eventStream: {
      perKey: c.apiMaxEventStreamsPerKey,
      total: c.apiMaxEventStreams,
      perKeyVar: 'API_MAX_EVENT_STREAMS_PER_KEY',
      totalVar: 'API_MAX_EVENT_STREAMS',
      what: 'open event streams',
    },
    proxy: {
      perKey: c.apiMaxProxyRequestsPerKey,
      total: c.apiMaxProxyRequests,
      perKeyVar: 'API_MAX_PROXY_REQUESTS_PER_KEY',
      totalVar: 'API_MAX_PROXY_REQUESTS',
      what: 'open proxied requests',
    },
    tunnel: {
      perKey: c.apiMaxTunnelsPerKey,
      total: c.apiMaxTunnels,
      perKeyVar: 'API_MAX_TUNNELS_PER_KEY',
      totalVar: 'API_MAX_TUNNELS',
      what: 'open WebSocket tunnels',
    },
  };
}

/** Seconds a refused caller is told to wait: long requests free their slots in seconds to minutes. */
const RETRY_AFTER_SECONDS = 5;

export class LongRequestSlots {
  private readonly caps: Record<LongRequestKind, Cap>;
  private readonly byKey = new Map<string, number>();
  private readonly totals = new Map<LongRequestKind, number>();

  constructor(config: CapConfig) {
    this.caps = caps(config);
  }

  /** Takes a slot of `kind` for `keyId` (or throws the 429); `release` gives it back, once. */
  acquire(kind: LongRequestKind, keyId: string): () => void {
    const cap = this.caps[kind];
    const slot = `${kind}\u0000${keyId}`;
    const mine = this.byKey.get(slot) ?? 0;
    const all = this.totals.get(kind) ?? 0;
    if (cap.perKey > 0 && mine >= cap.perKey) {
      throw rateLimited(`this API key already has ${mine} ${cap.what}; the limit is ${cap.perKey} (${cap.perKeyVar})`);
    }
    if (cap.total > 0 && all >= cap.total) {
      throw rateLimited(`the API already has ${all} ${cap.what}; the limit is ${cap.total} (${cap.totalVar})`);
    }
    this.byKey.set(slot, mine + 1);
    this.totals.set(kind, all + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.byKey.get(slot) ?? 1) - 1;
      if (left > 0) this.byKey.set(slot, left);
      else this.byKey.delete(slot);
      this.totals.set(kind, Math.max(0, (this.totals.get(kind) ?? 1) - 1));
    };
  }

  /** {@link acquire}, released when `res` closes (however the request ends). */
  holdFor(kind: LongRequestKind, keyId: string, res: Pick<Response, 'once'>): void {
    const release = this.acquire(kind, keyId);
    res.once('close', release);
  }
}

function rateLimited(message: string): ApiError {
  return new ApiError(429, 'RATE_LIMITED', message, {}, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
}
