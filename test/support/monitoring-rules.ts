/**
 * The metric names deploy/monitoring reads — its Grafana panels and its alert rules — so tests can check
 * each one against the process that is meant to export it (names drift silently otherwise).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './stack.js';

export const monitoringDir = join(repoRoot, 'deploy', 'monitoring');

export interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  __inputs: { name: string }[];
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(join(monitoringDir, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
}

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

/** A histogram's series name without its `_bucket`/`_count`/`_sum` suffix, as `# TYPE` names it. */
function baseName(metric: string): string {
  return metric.replace(/_(bucket|count|sum)$/, '');
}

/** Every metric (by its `# TYPE` name) that a dashboard panel or an alert rule reads. */
export function monitoredMetrics(): Set<string> {
  const rules = readFileSync(join(monitoringDir, 'alerts.yaml'), 'utf8');
  const exprs = [
    ...readDashboard().panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ...[...rules.matchAll(/expr: (\|\n(?:\s{10,}.*\n)+|.*)/g)].map((m) => m[1]!),
  ];
  return new Set(exprs.flatMap(metricNames).map(baseName));
}

/** The metric names a Prometheus text exposition declares. */
export function exposedMetrics(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}
