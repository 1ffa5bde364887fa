/**
 * The event hub's fan-in, as Prometheus sees it: `session_event_feeds` is the number of sessions this API
 * process follows for SSE streams — one upstream long poll each, however many streams read a session — and
 * `session_event_upstream_calls_total` the calls it has made (a state query per feed, then `waitForEvents`
 * updates). Streams growing while feeds stay flat is the fan-in working; feeds growing with streams would be
 * one upstream per follower.
 */
import { Counter, Gauge } from 'prom-client';
import type { SessionEventHub } from './event-hub.js';
import type { ApiMetrics } from './metrics.js';

export function registerEventHubMetrics(metrics: ApiMetrics, hub: SessionEventHub): void {
  if (metrics.registry.getSingleMetric('session_event_feeds')) return;
  new Gauge({
    name: 'session_event_feeds',
    help: 'Sessions this API process follows for event streams (one upstream long poll each)',
    registers: [metrics.registry],
    collect() {
      this.set(hub.stats().feeds);
    },
  });
  new Counter({
    name: 'session_event_upstream_calls_total',
    help: 'Calls this API process made to follow sessions for event streams (a state query per feed, then waitForEvents updates)',
    registers: [metrics.registry],
    collect() {
      // The hub owns the count; the counter mirrors it at scrape time.
      this.reset();
      this.inc(hub.stats().upstreamCalls);
    },
  });
}
