/**
 * `npm run chaos`: a report, not a test. Runs {@link runChaos} on the stack in $SO_STACK_DIR (which it
 * disturbs: use a stack of your own) and prints and writes bench/results/CHAOS.md.
 * CHAOS_SESSIONS (default 200), CHAOS_WORKERS (2), CHAOS_NODES (6), CHAOS_FAULT_EVERY (8 s),
 * CHAOS_FAULT_TAIL (30 s), CHAOS_NOTICE (20 s between an interruption notice and the node's deletion); CHAOS_OUTPUT (the report's path, default bench/results/CHAOS.md),
 * CHAOS_RESULT_JSON (also write the raw result there), CHAOS_WORKER_LOG_LEVEL (the workers' LOG_LEVEL, default warn;
 * their logs stay in the run's temporary directory, printed at start).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../test/support/stack.js';
import { runChaos, type ChaosResult } from './chaos/run.js';
import { percentile } from './stats.js';

export function chaosReport(r: ChaosResult): string {
  const total = r.options.sessions;
  const p = (q: number, values = r.recoverySeconds) => {
    const v = percentile(values, q);
    return Number.isNaN(v) ? 'n/a (no session was on a deleted node)' : `${v.toFixed(1)} s`;
  };
  const amid = r.recoverySecondsAmidFaults;
  const row = (what: string, value: string, target: string) => `| ${what} | ${value} | ${target} |`;
  return [
    '# Chaos run',
    '',
    `${new Date().toISOString()} — ${total} sessions through the API, ${r.options.workers} worker processes, ` +
      `${r.options.nodes} KWOK nodes, a fault every ${r.options.faultEverySeconds} s, run took ${r.durationSeconds} s.`,
    '',
    '| measure | result | target |',
    '| --- | --- | --- |',
    row(
      'sessions in the correct final state (running, Ready pod on a live node)',
      `${r.correct}/${total} (${((100 * r.correct) / total).toFixed(1)} %)`,
      '100 %',
    ),
    row('lost sessions', `${r.lost.length}${r.lost.length ? ` (${r.lost.slice(0, 5).join(', ')}…)` : ''}`, '0'),
    row('sessions with duplicate pods', String(r.duplicatePods.length), '0'),
    row(
      'orphaned objects after delete',
      `${r.orphaned.length}${r.orphaned.length ? ` (${r.orphaned.slice(0, 5).join(', ')}…)` : ''}`,
      '0',
    ),
    row('sessions whose delete had not finished within 10 min', String(r.shutdownUnfinished.length), '0'),
    row('recovery after a hard node loss on a quiet system, p50', p(50), ''),
    row('recovery after a hard node loss on a quiet system, p95', p(95), '< 5 s'),
    row('recoveries measured on a quiet system', String(r.recoverySeconds.length), ''),
    row(
      'recovery after a hard node loss amid other faults (≤ 20 s after a worker kill, restart or burst), p50 / p95',
      amid.length ? `${p(50, amid)} / ${p(95, amid)} (${amid.length} measured)` : 'n/a (none)',
      'bounded by the leader lease when the informer leader was killed',
    ),
    row(
      `lost grace on an interruption notice on a quiet system, max (of ${r.graceSeconds} s promised)`,
      r.lostGraceSeconds.length
        ? `${Math.max(...r.lostGraceSeconds)} s`
        : 'n/a (no session was on an interrupted node)',
      '0 s',
    ),
    row(
      'pods on quietly interrupted nodes / pods that lost grace',
      `${r.lostGraceSeconds.length} / ${r.lostGraceSeconds.filter((s) => s > 0).length}`,
      '',
    ),
    row(
      `pods on nodes interrupted amid other faults (a worker kill or Temporal restart inside the ${r.options.noticeSeconds} s notice) / pods that lost grace`,
      `${r.lostGraceSecondsAmidFaults.length} / ${r.lostGraceSecondsAmidFaults.filter((s) => s > 0).length}`,
      r.options.noticeSeconds < 120 ? `the real notice is 2 min; this run's is ${r.options.noticeSeconds} s` : '0 s',
    ),
    '',
    'Faults injected:',
    '',
    ...Object.entries(r.faults).map(([kind, n]) => `- ${kind}: ${n}`),
    `- fault proxy: ${r.proxy.status429} × 429, ${r.proxy.status5xx} × 5xx, ${r.proxy.resets} connection resets, ${r.proxy.forwarded} requests forwarded`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const result = await runChaos({
    sessions: Number(process.env.CHAOS_SESSIONS ?? 200),
    workers: Number(process.env.CHAOS_WORKERS ?? 2),
    nodes: Number(process.env.CHAOS_NODES ?? 6),
    faultEverySeconds: Number(process.env.CHAOS_FAULT_EVERY ?? 8),
    faultTailSeconds: Number(process.env.CHAOS_FAULT_TAIL ?? 30),
    noticeSeconds: Number(process.env.CHAOS_NOTICE ?? 20),
  });
  const report = chaosReport(result);
  console.log(report);
  // The CI test (test/e2e/chaos-small.test.ts) reads the result as JSON and keeps the committed report.
  if (process.env.CHAOS_RESULT_JSON) writeFileSync(process.env.CHAOS_RESULT_JSON, JSON.stringify(result));
  const output = process.env.CHAOS_OUTPUT ?? join(repoRoot, 'bench', 'results', 'CHAOS.md');
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, report);
}

if (process.argv[1]?.endsWith('chaos.ts')) {
  // Exit once the report is written: the run leaves handles behind (watches it cut with resets, sockets to
  // the Temporal server it restarted) that would otherwise keep the process — and a test awaiting it — alive.
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
