/**
 * Abuse limits of the HTTP API, on by default: a token bucket of requests per API key, one of
 * unauthenticated requests per client address, caps on long-lived requests (./concurrency.ts), and a
 * token bucket of session creates per user. Refusals are `429 RATE_LIMITED` with `Retry-After`.
 *
 * The buckets live in this process: with N API replicas behind a balancer a key gets at most N times the
 * rate, which still bounds it (the per-user session quota, held in the cluster, is the hard limit).
 */
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import { LongRequestSlots } from './concurrency.js';
import { ApiError } from './errors.js';

/** Buckets idle long enough to be full again are forgotten once the map grows past this many. */
const SWEEP_ABOVE = 10_000;

/** A token bucket per key: `ratePerSecond` refill, at most `burst` tokens. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; when there is none, how many seconds until there is. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > SWEEP_ABOVE) this.sweep(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)) };
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(key);
    }
  }
}

function rateLimited(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'RATE_LIMITED', message, {}, { 'Retry-After': String(retryAfterSeconds) });
}

export interface ApiLimits {
  /** Runs after authentication: one token of the key's request bucket. */
  perKey: RequestHandler;
  /** On the create route: one token of the user's create bucket. */
  perUserCreate: RequestHandler;
  /** On routes without a key (health, readiness, codec sign-in) and on refused keys: the client address's bucket. */
  perIp: RequestHandler;
  /** On the events route: holds one of the key's (and the process's) stream slots until the response closes. */
  eventStream: RequestHandler;
  /** The caps of every kind of long-lived request. */
  slots: LongRequestSlots;
}

type LimitConfig = Pick<
  Config,
  'apiRateLimitRps' | 'apiRateLimitBurst' | 'apiCreatesPerUserPerMinute' | 'apiIpRateLimitRps' | 'apiIpRateLimitBurst'
> &
  ConstructorParameters<typeof LongRequestSlots>[0];

const pass: RequestHandler = (_req, _res, next) => next();

/** The limits `config` asks for; a limit set to 0 lets everything through. */
export function createApiLimits(config: LimitConfig): ApiLimits {
  const requests =
    config.apiRateLimitRps > 0 ? new TokenBuckets(config.apiRateLimitRps, config.apiRateLimitBurst) : undefined;
  const creates =
    config.apiCreatesPerUserPerMinute > 0
      ? new TokenBuckets(config.apiCreatesPerUserPerMinute / 60, config.apiCreatesPerUserPerMinute)
      : undefined;
  const addresses =
    config.apiIpRateLimitRps > 0 ? new TokenBuckets(config.apiIpRateLimitRps, config.apiIpRateLimitBurst) : undefined;
  const slots = new LongRequestSlots(config);

  const perKey: RequestHandler = requests
    ? (req, _res, next) => {
        const keyId = req.principal?.keyId;
        if (!keyId) return next();
        const taken = requests.take(keyId);
        if (taken.ok) return next();
        next(
          rateLimited(
            `too many requests for this API key; the limit is ${config.apiRateLimitRps}/s with a burst of ${config.apiRateLimitBurst} (API_RATE_LIMIT_RPS, API_RATE_LIMIT_BURST)`,
            taken.retryAfterSeconds,
          ),
        );
      }
    : pass;

  const perUserCreate: RequestHandler = creates
    ? (req, _res, next) => {
        const user = req.principal?.user;
        if (!user) return next();
        const taken = creates.take(user);
        if (taken.ok) return next();
        next(
          rateLimited(
            `too many session creates for user ${user}; the limit is ${config.apiCreatesPerUserPerMinute} per minute (API_CREATES_PER_USER_PER_MINUTE)`,
            taken.retryAfterSeconds,
          ),
        );
      }
    : pass;

  // req.ip follows API_TRUST_PROXY: behind a trusted proxy it is the client's address, not the proxy's.
  const perIp: RequestHandler = addresses
    ? (req, _res, next) => {
        const taken = addresses.take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
        if (taken.ok) return next();
        next(
          rateLimited(
            `too many unauthenticated requests from this address; the limit is ${config.apiIpRateLimitRps}/s with a burst of ${config.apiIpRateLimitBurst} (API_IP_RATE_LIMIT_RPS, API_IP_RATE_LIMIT_BURST)`,
            taken.retryAfterSeconds,
          ),
        );
      }
    : pass;

  const eventStream: RequestHandler = (req, res, next) => {
    const keyId = req.principal?.keyId;
    if (keyId) slots.holdFor('eventStream', keyId, res);
    next();
  };

  return { perKey, perUserCreate, perIp, eventStream, slots };
}

/**
 * `authenticate` followed by the per-key request limit, as one handler. A refused key also spends a
 * token of its address's bucket, so guessing keys is as slow as any unauthenticated request.
 */
export function authenticateAndLimit(authenticate: RequestHandler, limits: ApiLimits): RequestHandler {
  return (req, res, next) => {
    void authenticate(req, res, (err?: unknown) => {
      if (err) {
        return void limits.perIp(req, res, (limited?: unknown) => next(limited ?? err));
      }
      void limits.perKey(req, res, next);
    });
  };
}
