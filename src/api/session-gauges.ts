/**
 * `sessions_running`: session workflows whose status is running, read from Temporal visibility when
 * Prometheus scrapes (the API holds no session state of its own). Every replica reports the same
 * cluster-wide number, so dashboards take `max`, not `sum`.
 */
import type { Client } from '@temporalio/client';
import { Gauge } from 'prom-client';
import { sessionWorkflowType } from '../../workflows/definitions.js';
import { SessionStatusKey } from '../../workflows/search-attributes.js';
import type { ApiMetrics } from './metrics.js';

export function registerSessionGauges(metrics: ApiMetrics, client: Client): void {
  if (metrics.registry.getSingleMetric('sessions_running')) return;
  new Gauge({
    name: 'sessions_running',
    help: 'Session workflows whose status is running (cluster-wide, from Temporal visibility)',
    registers: [metrics.registry],
    async collect() {
      try {
        const { count } = await client.workflow.count(
          `WorkflowType = '${sessionWorkflowType}' AND ExecutionStatus = 'Running' AND ${SessionStatusKey.name} = 'running'`,
        );
        this.set(count);
      } catch {
        // A scrape must not fail because visibility is slow; the series just keeps its last value.
      }
    },
  });
}
