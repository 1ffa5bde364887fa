/**
 * Prometheus metrics of the worker process. The reconciler's deletions happen in the worker's
 * activities, so the worker serves its own `/metrics` (WORKER_METRICS_PORT) rather than pushing.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditRecord } from '../../workflows/contract/activities.js';

export interface WorkerMetrics {
  registry: Registry;
  /** Objects the reconciler deleted, by kind (Pod, Service, ConfigMap, Secret, PersistentVolumeClaim, QuotaLedger). */
  reconcilerDeleted: Counter<'kind'>;
  /** Running sessions without a Ready pod the reconciler asked to check it (a loss the informer missed). */
  reconcilerPodChecks: Counter;
  /** Objects a dry run would have deleted, by kind. */
  reconcilerWouldDelete: Counter<'kind'>;
  /** Session pods replaced after a loss, by the loss's reason (preempted, deleted, node-lost, …). */
  sessionRestarts: Counter<'reason'>;
  /** Sessions suspended, by reason (`user`: the suspend route; `idle`: auto-suspend). */
  sessionSuspensions: Counter<'reason'>;
  /** Suspended sessions resumed (the resume route or a proxied request waking one). */
  sessionResumes: Counter;
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
    reconcilerPodChecks: new Counter({
      name: 'reconciler_pod_checks_total',
      help: 'Running sessions without a Ready pod that the reconciler asked to check their pod',
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
    sessionSuspensions: new Counter({
      name: 'session_suspensions_total',
      help: 'Sessions suspended (pod stopped, claim kept), by reason: user or idle',
      labelNames: ['reason'],
      registers: [registry],
    }),
    sessionResumes: new Counter({
      name: 'session_resumes_total',
      help: 'Suspended sessions resumed, by the resume route or a proxied request waking them',
      registers: [registry],
    }),
  };
}

export type TransitionMetrics = Pick<WorkerMetrics, 'sessionRestarts' | 'sessionSuspensions' | 'sessionResumes'>;

/**
 * Counts restarts, suspensions and resumes where the workflow reports them: every status change reaches
 * the worker as an audit record (the workflow's `audit` sink), so the counts need no
 * hook inside the deterministic workflow code.
 */
export function countTransition(metrics: TransitionMetrics, record: AuditRecord): void {
  if (record.to === 'restarting') metrics.sessionRestarts.inc({ reason: record.reason ?? 'unknown' });
  else if (record.to === 'suspended') metrics.sessionSuspensions.inc({ reason: record.reason ?? 'user' });
  else if (record.to === 'running' && record.from === 'resuming') metrics.sessionResumes.inc();
}

/**
 * Serves `GET /metrics`, and `GET /readyz` (200 once `ready()` says so, else 503) for the pod's readiness:
 * a rollout replaces an old worker only after the new one polls and its build is current (see
 * ./worker-versioning.ts). Anything else 404. Resolves once listening.
 */
export async function serveWorkerMetrics(
  registry: Registry,
  host: string,
  port: number,
  ready: () => boolean = () => true,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method === 'GET' && path === '/readyz') {
      res.writeHead(ready() ? 200 : 503).end();
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
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
