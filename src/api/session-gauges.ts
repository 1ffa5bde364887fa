/**
 * `sessions_running` / `sessions_suspended`: session workflows in that status, read from Temporal visibility when
 * Prometheus scrapes (the API holds no session state of its own). Every replica reports the same
 * cluster-wide number, so dashboards take `max`, not `sum`.
 */
import type { Client } from '@temporalio/client';
import { Gauge } from 'prom-client';
import { sessionWorkflowType } from '../../workflows/contract/session-messages.js';
import { SessionStatusKey } from '../../workflows/contract/search-attributes.js';
import type { ApiMetrics } from './metrics.js';

export function registerSessionGauges(metrics: ApiMetrics, client: Client): void {
  if (metrics.registry.getSingleMetric('sessions_running')) return;
  statusGauge(
    metrics,
    client,
    'running',
    'Session workflows whose status is running (cluster-wide, from Temporal visibility)',
  );
  statusGauge(
    metrics,
    client,
    'suspended',
    'Session workflows whose status is suspended: pod stopped, claim kept (cluster-wide, from Temporal visibility)',
  );
}

function statusGauge(metrics: ApiMetrics, client: Client, status: 'running' | 'suspended', help: string): void {
  new Gauge({
    name: `sessions_${status}`,
    help,
    registers: [metrics.registry],
    async collect() {
      try {
        const { count } = await client.workflow.count(
          `WorkflowType = '${sessionWorkflowType}' AND ExecutionStatus = 'Running' AND ${SessionStatusKey.name} = '${status}'`,
        );
        this.set(count);
      } catch {
        // A scrape must not fail because visibility is slow; the series just keeps its last value.
      }
    },
  });
}
