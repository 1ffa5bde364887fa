/**
 * Liveness and readiness in the format load balancers and the operations runbooks read:
 * `GET /health` → `{"status":"healthy","time":…}` (the process answers) and
 * `GET /ready` → `{"status":"ready","kubernetes":"connected","temporal":"connected","time":…}`, or 503
 * naming what is broken. While the API drains (SIGTERM) `/ready` is 503 `draining`, so a load balancer
 * or the Service endpoints stop sending new requests before the listener closes.
 */
import type { Client } from '@temporalio/client';
import type express from 'express';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import { methodNotAllowed } from './errors.js';
import type { Readiness } from './schemas.js';

const READY_CHECK_TIMEOUT_MS = 3000;

export type ReadyBody = Readiness;

export interface HealthDeps {
  config: Pick<Config, 'sessionNamespace'>;
  client: Client;
  kube: KubeClients;
  /** Aborted when the process starts draining. */
  draining?: AbortSignal;
}

export function mountHealthRoutes(app: express.Express, deps: HealthDeps): void {
  app
    .route('/health')
    .get((_req, res) => {
      res.json({ status: 'healthy', time: new Date().toISOString() });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  app
    .route('/ready')
    .get(async (_req, res) => {
      const body = await readiness(deps);
      res.status(body.status === 'ready' ? 200 : 503).json(body);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
}

export async function readiness(deps: HealthDeps): Promise<ReadyBody> {
  const [temporal, kubernetes] = await Promise.all([
    probe(() => deps.client.workflowService.getSystemInfo({})),
    probe(() => deps.kube.core.listNamespacedPod({ namespace: deps.config.sessionNamespace, limit: 1 })),
  ]);
  const errors = {
    ...(kubernetes.error ? { kubernetes: kubernetes.error } : {}),
    ...(temporal.error ? { temporal: temporal.error } : {}),
  };
  const healthy = !kubernetes.error && !temporal.error;
  return {
    status: deps.draining?.aborted ? 'draining' : healthy ? 'ready' : 'unavailable',
    kubernetes: kubernetes.error ? 'disconnected' : 'connected',
    temporal: temporal.error ? 'disconnected' : 'connected',
    time: new Date().toISOString(),
    ...(healthy ? {} : { errors }),
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
