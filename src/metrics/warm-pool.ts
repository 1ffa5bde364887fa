/**
 * Warm pool metrics, registered in whichever registry the process exposes: the API's
 * /metrics and the worker's. Pool sizes are read from the cluster at scrape time, so every replica reports
 * the same truth instead of its own view; claims are counted where they happen.
 */
import type * as k8s from '@kubernetes/client-node';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { WARM_POOL_LABEL, WARM_STATE_LABEL } from '../k8s/warm-pod.js';
import { APP_LABEL, SESSION_APP } from '../k8s/labels.js';

export interface WarmPoolMetrics {
  /** result: `hit` (a warm pod was claimed) or `miss` (no match, empty pool or every candidate lost the race). */
  claims: Counter<'pool' | 'result'>;
  claimSeconds: Histogram<'result'>;
}

export interface WarmPoolMetricsOptions {
  registry: Registry;
  /** When given, `warm_pool_pods{pool,state}` lists the pool pods at scrape time. */
  core?: k8s.CoreV1Api;
  namespace?: string;
}

/** Registers the metrics in `registry`, or returns those already registered there. */
export function createWarmPoolMetrics(options: WarmPoolMetricsOptions): WarmPoolMetrics {
  const { registry, core, namespace } = options;
  const existing = registry.getSingleMetric('warm_pool_claims_total');
  if (existing) {
    return {
      claims: existing as Counter<'pool' | 'result'>,
      claimSeconds: registry.getSingleMetric('warm_pool_claim_seconds') as Histogram<'result'>,
    };
  }
  if (core && namespace) {
    new Gauge({
      name: 'warm_pool_pods',
      help: 'Warm pool pods by pool and state (available, claimed), as the cluster has them at scrape time',
      labelNames: ['pool', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        // A scrape must not fail because the cluster is unreachable: the gauge is then simply empty.
        const pods = await core
          .listNamespacedPod({ namespace, labelSelector: `${APP_LABEL}=${SESSION_APP},${WARM_POOL_LABEL}` })
          .catch(() => ({ items: [] as k8s.V1Pod[] }));
        for (const pod of pods.items) {
          if (pod.metadata?.deletionTimestamp) continue;
          const labels = pod.metadata?.labels ?? {};
          this.inc({ pool: labels[WARM_POOL_LABEL] ?? '', state: labels[WARM_STATE_LABEL] ?? 'unknown' });
        }
      },
    });
  }
  return {
    claims: new Counter({
      name: 'warm_pool_claims_total',
      help: 'Warm pod claims by pool and result (hit: claimed a warm pod; miss: started cold)',
      labelNames: ['pool', 'result'],
      registers: [registry],
    }),
    claimSeconds: new Histogram({
      name: 'warm_pool_claim_seconds',
      help: 'Time to claim a warm pod (or to find there is none), by result',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
