/** Prometheus metrics of the API process, in a registry of its own (tests build several apps). */
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  sessionsStarted: Counter;
  sessionsFailed: Counter<'code'>;
  sessionsRejected: Counter<'code'>;
  sessionStartSeconds: Histogram;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    sessionsStarted: new Counter({
      name: 'sessions_started_total',
      help: 'Session workflows started through the API',
      registers: [registry],
    }),
    sessionsFailed: new Counter({
      name: 'sessions_failed_total',
      help: 'Sessions the API saw fail while it waited for them to start, by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    sessionsRejected: new Counter({
      name: 'sessions_rejected_total',
      help: 'Create requests refused before a workflow started (validation, quota), by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    sessionStartSeconds: new Histogram({
      name: 'session_start_seconds',
      help: 'Time from workflow start to status running, for sessions the API waited for',
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 300],
      registers: [registry],
    }),
  };
}

/** Times every request under its route template (not its URL, which would explode cardinality). */
export function requestTimer(metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.requestDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
