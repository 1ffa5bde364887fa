/**
 * Prometheus metrics of the worker process. The reconciler's deletions happen in the worker's
 * activities, so the worker serves its own `/metrics` (WORKER_METRICS_PORT) rather than pushing.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditRecord } from '../../activities/types.js';

export interface WorkerMetrics {
  registry: Registry;
  /** Objects the reconciler deleted, by kind (Pod, Service, ConfigMap, Secret, PersistentVolumeClaim, QuotaLedger). */
  reconcilerDeleted: Counter<'kind'>;
  /** Objects a dry run would have deleted, by kind. */
  reconcilerWouldDelete: Counter<'kind'>;
  /** Session pods replaced after a loss, by the loss's reason (preempted, deleted, node-lost, …). */
  sessionRestarts: Counter<'reason'>;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconcilerDeleted: new Counter({
      name: 'reconciler_deleted_total',
      help: 'Orphaned session objects the reconciler deleted, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    reconcilerWouldDelete: new Counter({
      name: 'reconciler_would_delete_total',
      help: 'Orphaned session objects a dry-run reconciler reported without deleting, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    sessionRestarts: new Counter({
      name: 'session_restarts_total',
      help: 'Session pods replaced after a loss (Spot preemption, node failure, eviction), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

/**
 * Counts restarts where the workflow reports them: every entry into `restarting` goes through the audit
 * activity, so the count needs no hook inside the deterministic workflow code.
 */
export function countingRestarts<A extends { recordAudit(record: AuditRecord): Promise<void> }>(
  activities: A,
  restarts: Counter<'reason'>,
): A {
  const recordAudit = activities.recordAudit.bind(activities);
  return {
    ...activities,
    async recordAudit(record: AuditRecord) {
      await recordAudit(record);
      if (record.to === 'restarting') restarts.inc({ reason: record.reason ?? 'unknown' });
    },
  };
}

/** Serves `GET /metrics` (anything else 404); resolves once listening. */
export async function serveWorkerMetrics(registry: Registry, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
