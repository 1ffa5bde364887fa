/**
 * deploy/monitoring: the alert rules pass `promtool check rules` and their own `promtool test rules`,
 * the Grafana dashboard is importable JSON, and every metric they read that the API is meant to export
 * is really on the API's /metrics (names drift silently otherwise).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import request from 'supertest';
import { createWarmPoolMetrics } from '../../src/metrics/warm-pool.js';
import { createWorkerMetrics } from '../../src/temporal/worker-metrics.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { repoRoot } from '../support/stack.js';
import { toolPath } from '../support/tools.js';

const dir = join(repoRoot, 'deploy', 'monitoring');
/** Prometheus's own series. */
const FROM_PROMETHEUS = new Set(['up']);

/** What the worker's /metrics serves: its own registry plus the pool metrics registered in it. */
async function workerExports(): Promise<Set<string>> {
  const metrics = createWorkerMetrics();
  const core = { listNamespacedPod: async () => ({ items: [] }) } as unknown as k8s.CoreV1Api;
  createWarmPoolMetrics({ registry: metrics.registry, core, namespace: 'sessions' });
  const text = await metrics.registry.metrics();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

let promtool: string;
beforeAll(() => {
  promtool = toolPath('promtool');
}, 1_800_000);

function promtoolRun(...args: string[]): string {
  return execFileSync(promtool, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('promtool accepts the alert rules', () => {
  expect(promtoolRun('check', 'rules', 'alerts.yaml')).toMatch(/SUCCESS: \d+ rules found/);
});

test('the alert rules fire on the series they are meant for and only those (promtool test rules)', () => {
  expect(promtoolRun('test', 'rules', 'alerts.test.yaml')).toContain('SUCCESS');
});

/** Metric names an expression reads: identifiers that are not functions, keywords, labels or numbers. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, '')
    .replace(/\[[^\]]*\]/g, '');
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)].filter((m) => !m[2]).map((m) => m[1]!);
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset']);
  return names.filter((n) => !keywords.has(n) && !n.includes(':'));
}

function baseName(metric: string): string {
  return metric.replace(/_(bucket|count|sum)$/, '');
}

describe('against the API', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  test('the dashboard and the alerts only read metrics the API exports (or other components own)', async () => {
    const dashboard = JSON.parse(readFileSync(join(dir, 'grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
      __inputs: { name: string }[];
    };
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
    ]) {
      expect(titles.toLowerCase()).toContain(wanted.toLowerCase());
    }
    const rules = readFileSync(join(dir, 'alerts.yaml'), 'utf8');
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...[...rules.matchAll(/expr: (\|\n(?:\s{10,}.*\n)+|.*)/g)].map((m) => m[1]!),
    ];
    const used = new Set(exprs.flatMap(metricNames).map(baseName));

    const res = await request(h.app).get('/metrics').set('Authorization', `Bearer ${h.keys.admin}`);
    expect(res.status).toBe(200);
    const exported = new Set([...res.text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

    const fromWorker = await workerExports();
    const fromApi = [...used].filter((n) => !FROM_PROMETHEUS.has(n) && !fromWorker.has(n));
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
