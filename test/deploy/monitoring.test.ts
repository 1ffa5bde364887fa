/**
 * deploy/monitoring: the alert rules pass `promtool check rules` and their own `promtool test rules`,
 * the Grafana dashboard is importable JSON, and every metric they read that the API is meant to export
 * is really on the API's /metrics or the worker's (names drift silently otherwise).
 */
import { execFileSync } from 'node:child_process';
import type * as k8s from '@kubernetes/client-node';
import request from 'supertest';
import { createWarmPoolMetrics } from '../../src/metrics/warm-pool.js';
import { createWorkerMetrics } from '../../src/temporal/worker-metrics.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { exposedMetrics, monitoredMetrics, monitoringDir, readDashboard } from '../support/monitoring-rules.js';
import { toolPath } from '../support/tools.js';

/** Prometheus's own series. */
const FROM_PROMETHEUS = new Set(['up']);
const FROM_SDK = /^temporal_/;

/** What the worker's /metrics serves: its own registry plus the pool metrics registered in it. */
async function workerExports(): Promise<Set<string>> {
  const metrics = createWorkerMetrics();
  const core = { listNamespacedPod: async () => ({ items: [] }) } as unknown as k8s.CoreV1Api;
  createWarmPoolMetrics({ registry: metrics.registry, core, namespace: 'sessions' });
  return exposedMetrics(await metrics.registry.metrics());
}

let promtool: string;
beforeAll(() => {
  promtool = toolPath('promtool');
}, 1_800_000);

function promtoolRun(...args: string[]): string {
  return execFileSync(promtool, args, { cwd: monitoringDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('promtool accepts the alert rules', () => {
  expect(promtoolRun('check', 'rules', 'alerts.yaml')).toMatch(/SUCCESS: \d+ rules found/);
});

test('the alert rules fire on the series they are meant for and only those (promtool test rules)', () => {
  expect(promtoolRun('test', 'rules', 'alerts.test.yaml')).toContain('SUCCESS');
});

describe('against the API', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  test('the dashboard and the alerts only read metrics the API exports (or other components own)', async () => {
    const dashboard = readDashboard();
    expect(dashboard.__inputs.map((i) => i.name)).toContain('DS_PROMETHEUS');
    const titles = dashboard.panels.map((p) => p.title).join(' | ');
    for (const wanted of [
      'starts',
      'latency',
      'failures',
      'Running sessions',
      'restarts',
      'pool',
      'Reconciler',
      'HTTP',
      'workflow tasks',
    ]) {
      expect(titles.toLowerCase()).toContain(wanted.toLowerCase());
    }
    const used = monitoredMetrics();

    const res = await request(h.app).get('/metrics').set('Authorization', `Bearer ${h.keys.admin}`);
    expect(res.status).toBe(200);
    const exported = exposedMetrics(res.text);

    const fromWorker = await workerExports();
    // The Temporal SDK's own (`temporal_*`) are checked against a real worker's SDK listener, in
    // test/e2e/worker-metrics.test.ts.
    const fromApi = [...used].filter((n) => !FROM_PROMETHEUS.has(n) && !fromWorker.has(n) && !FROM_SDK.test(n));
    expect(fromApi.length).toBeGreaterThan(5);
    expect(fromApi.filter((n) => !exported.has(n))).toEqual([]);
    // The panels for restarts, pools and the reconciler read series the worker really exports.
    for (const name of [
      'session_restarts_total',
      'session_suspensions_total',
      'session_resumes_total',
      'warm_pool_pods',
      'warm_pool_claims_total',
      'reconciler_deleted_total',
    ]) {
      expect(used.has(name) && fromWorker.has(name)).toBe(true);
    }
    expect(res.text).toMatch(/^sessions_running \d+$/m);
    expect(res.text).toMatch(/^sessions_suspended \d+$/m);
  });
});
