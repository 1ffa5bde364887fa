/**
 * Liveness and readiness in the format load balancers and the operations runbooks read:
 * `GET /health` → `{"status":"healthy","time":…}` (the process answers) and
 * `GET /ready` → `{"status":"ready","kubernetes":"connected","temporal":"connected","time":…}`, or 503
 * naming what is broken (not how: the error text is logged). While the API drains (SIGTERM) `/ready` is 503 `draining`, so a load balancer
 * or the Service endpoints stop sending new requests before the listener closes.
 */
import type { Client } from '@temporalio/client';
import type express from 'express';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import { methodNotAllowed } from './errors.js';
import type { Readiness } from './schemas.js';

const READY_CHECK_TIMEOUT_MS = 3000;
/**
 * How long one readiness answer is reused: probes and balancers (and anyone else, the route needs no key)
 * then cost at most one Temporal and one Kubernetes call per second, however often they ask.
 */
export const READY_CACHE_MS = 1000;

export type ReadyBody = Readiness;

export interface HealthDeps {
  config: Pick<Config, 'sessionNamespace'>;
  client: Client;
  kube: KubeClients;
  logger?: Pick<Logger, 'warn'>;
  /** The client address's request limit (these routes take no key). */
  perIp?: RequestHandler;
  /** Aborted when the process starts draining. */
  draining?: AbortSignal;
}

const pass: RequestHandler = (_req, _res, next) => next();

export function mountHealthRoutes(app: express.Express, deps: HealthDeps): void {
  const perIp = deps.perIp ?? pass;
  app
    .route('/health')
    .get(perIp, (_req, res) => {
      res.json({ status: 'healthy', time: new Date().toISOString() });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  let cached: { until: number; body: Promise<ReadyBody> } | undefined;
  app
    .route('/ready')
    .get(perIp, async (_req, res) => {
      const now = Date.now();
      if (!cached || cached.until <= now) cached = { until: now + READY_CACHE_MS, body: readiness(deps) };
      const body = { ...(await cached.body) };
      // Draining is this process's own state: it shows at once, never from the cache.
      if (deps.draining?.aborted) body.status = 'draining';
      res.status(body.status === 'ready' ? 200 : 503).json(body);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
}

/**
 * Which dependency answers. The body names each as connected or not, never why: error text (addresses,
 * certificate names, server messages) goes to the log, since the route takes no key.
 */
export async function readiness(deps: HealthDeps): Promise<ReadyBody> {
  const [temporal, kubernetes] = await Promise.all([
    probe(() => deps.client.workflowService.getSystemInfo({})),
    probe(() => deps.kube.core.listNamespacedPod({ namespace: deps.config.sessionNamespace, limit: 1 })),
  ]);
  const healthy = !kubernetes.error && !temporal.error;
  if (!healthy) {
    deps.logger?.warn({ kubernetes: kubernetes.error, temporal: temporal.error }, 'not ready');
  }
  return {
    status: deps.draining?.aborted ? 'draining' : healthy ? 'ready' : 'unavailable',
    kubernetes: kubernetes.error ? 'disconnected' : 'connected',
    temporal: temporal.error ? 'disconnected' : 'connected',
    time: new Date().toISOString(),
  };
}

async function probe(call: () => Promise<unknown>): Promise<{ error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      call(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${READY_CHECK_TIMEOUT_MS} ms`)),
          READY_CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return {};
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
