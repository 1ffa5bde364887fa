/** BENCHMARKS.md: each figure beside its floor and the issue's target, hit or missed by how much. */
import { deployedNodeOptions } from './deployed-node-options.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../test/support/stack.js';
import type { WatchCount } from './apiserver-metrics.js';
import type { BenchOptions } from './options.js';
import type { BurstResult, FloorBurstResult } from './scenarios/burst.js';
import type { FloorProbe, HoldResult } from './scenarios/hold.js';
import type { SequentialResult } from './scenarios/sequential.js';
import type { SseResult } from './scenarios/sse.js';
import type { WarmResult } from './scenarios/warm.js';
import { warmSection } from './scenarios/warm-report.js';
import { timelineSection, type TimelineSample } from './create-timeline.js';
import type { HistoryResult } from './history.js';
import type { ProfileSummary } from './profile-summary.js';
import { historySection, loadSection, notesSection, profileSection, table, type PhaseLoad } from './report-sections.js';
import { summarize, type Summary } from './stats.js';
import { slotsSection, type WorkerSlots } from './worker-slots.js';

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  command: string;
  commit: string;
  machine: string;
  stack: Record<string, string>;
  options: BenchOptions;
  sequential?: SequentialResult;
  probeAt0?: Summary;
  /** The floor's one create at 0 sessions, beside the API's (absent without the floor). */
  floorProbeAt0?: FloorProbe;
  /** Where each create's time went, from its history: sequential creates and the probes at 0 and at load. */
  timelines?: TimelineSample[];
  watchesAt0?: WatchCount;
  burst?: BurstResult;
  floorBurst?: FloorBurstResult;
  hold?: HoldResult;
  sse?: SseResult;
  warm?: WarmResult;
  charts: { file: string; caption: string }[];
  errors: string[];
  history: HistoryResult;
  load?: PhaseLoad[];
  workerSlots?: WorkerSlots;
  profiles?: ProfileSummary[];
}

const ms = (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v)} ms` : '—');
const s = (v: number) => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)} s` : '—');
const mib = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} MiB` : '—');
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '—');

/** "hit" or "missed by N %" for an upper-bound target. */
function verdict(measured: number, limit: number): string {
  if (!Number.isFinite(measured) || !Number.isFinite(limit)) return 'not measured';
  return measured <= limit ? '**hit**' : `**missed** by ${Math.round((measured / limit - 1) * 100)} %`;
}

type Row = [scenario: string, figure: string, measured: string, floor: string, target: string, verdict: string];

function targetRows(r: BenchResults): Row[] {
  const rows: Row[] = [];
  const seq = r.sequential;
  if (seq) {
    const api = summarize(seq.api.map((a) => a.ms));
    const floor = summarize(seq.floor);
    rows.push([
      `sequential (n=${api.n})`,
      'create → running p50',
      ms(api.p50),
      ms(floor.p50),
      `≤ 1.5× floor = ${ms(1.5 * floor.p50)}`,
      verdict(api.p50, 1.5 * floor.p50),
    ]);
    rows.push(['', 'create → running p95', ms(api.p95), ms(floor.p95), '—', '']);
  }
  const b = r.burst;
  if (b) {
    const fb = r.floorBurst;
    const answers = summarize(b.answers);
    rows.push([
      `burst (${b.count}, ${b.concurrency} in flight, ${b.users} users)`,
      'all running',
      s(b.allRunningMs),
      fb ? `${s(fb.allReadyMs)} (+ ${s(fb.deleteAllMs)} to delete all)` : '—',
      fb ? `≤ 1.5× floor = ${s(1.5 * fb.allReadyMs)}` : '≤ 1.5× floor',
      fb ? verdict(b.allRunningMs, 1.5 * fb.allReadyMs) : 'no floor measured',
    ]);
    rows.push(['', '`?wait=false` answer p50', ms(answers.p50), '—', '—', '']);
    rows.push(['', '`?wait=false` answer p95', ms(answers.p95), '—', '≤ 100 ms', verdict(answers.p95, 100)]);
  }
  const h = r.hold;
  if (h) {
    rows.push([
      `hold (${h.running} running)`,
      'worker RSS',
      mib(h.workerRssMiB),
      '—',
      '< 1024 MiB',
      verdict(h.workerRssMiB, 1024),
    ]);
    rows.push(['', 'API RSS', mib(h.apiRssMiB), '—', '< 300 MiB', verdict(h.apiRssMiB, 300)]);
    for (const [name, m] of [
      ['worker', h.memory?.worker],
      ['API', h.memory?.api],
    ] as const) {
      if (!m) continue;
      rows.push([
        '',
        `${name} memory split (its /metrics)`,
        `RSS ${mib(m.rssMiB)} = main-thread heap ${mib(m.heapTotalMiB)} (${mib(m.heapUsedMiB)} used) + external ${mib(m.externalMiB)} + rest ${mib(m.restMiB)}`,
        '—',
        name === 'worker'
          ? 'rest: workflow threads (cached workflows) and the Rust core'
          : 'rest: code, native buffers',
        '',
      ]);
    }
    const w0 = r.watchesAt0;
    rows.push([
      '',
      'apiserver watch connections (pods)',
      `${h.watches.total} (${h.watches.pods})`,
      w0 ? `at 0 sessions: ${w0.total} (${w0.pods})` : '—',
      'same as at 0',
      w0
        ? h.watches.total <= w0.total
          ? '**hit**'
          : `**missed** by ${h.watches.total - w0.total} watches`
        : 'not measured',
    ]);
    const at0 = r.probeAt0?.p50 ?? NaN;
    rows.push([
      '',
      `one create → running at load, p50 of ${h.probe.n}`,
      ms(h.probe.p50),
      `at 0 sessions: ${ms(at0)}`,
      `≤ 1.2× at 0 = ${ms(1.2 * at0)}`,
      verdict(h.probe.p50, 1.2 * at0),
    ]);
    const floor = h.floorProbe;
    if (floor) {
      // Not targets: how much of the load's cost is Kubernetes' own, measured beside the API's probe.
      const floorAt0 = r.floorProbeAt0;
      rows.push([
        '',
        `floor: one create → Ready at load, p50 of ${floor.ready.n}`,
        ms(floor.ready.p50),
        `at 0 sessions: ${ms(floorAt0?.ready.p50 ?? NaN)}`,
        `— (at load / at 0: floor ${ratio(floor.ready.p50, floorAt0?.ready.p50 ?? NaN)}, API ${ratio(h.probe.p50, at0)})`,
        '',
      ]);
      rows.push([
        '',
        'floor: of which until the pod is bound to a node (scheduler)',
        ms(floor.bound.p50),
        `at 0 sessions: ${ms(floorAt0?.bound.p50 ?? NaN)}`,
        '—',
        '',
      ]);
    }
  }
  const e = r.sse;
  if (e) {
    const idle = e.idleWith.api + e.idleWith.worker;
    const base = e.idleWithout.api + e.idleWithout.worker;
    const lat = summarize(e.stepToClient);
    rows.push([
      `SSE (${e.streamsOpen} streams over ${e.sessions} sessions)`,
      'API + worker CPU while idle',
      `${pct(idle)} (API ${pct(e.idleWith.api)}, worker ${pct(e.idleWith.worker)})`,
      `0 when nothing changes; without streams: ${pct(base)}`,
      '≤ 5 % of a core',
      verdict(idle, 0.05),
    ]);
    rows.push([
      '',
      'CPU added by the open streams (with − without)',
      pct(idle - base),
      '0 when nothing changes',
      '≤ 5 % of a core',
      verdict(Math.max(0, idle - base), 0.05),
    ]);
    rows.push([
      '',
      `step → client p95 (${e.delivered}/${e.streamsOpen} delivered)`,
      ms(lat.p95),
      '—',
      '≤ 250 ms',
      verdict(lat.p95, 250),
    ]);
    rows.push(['', 'step → client p50', ms(lat.p50), '—', '—', '']);
  }
  return rows;
}

function startTable(r: BenchResults): string {
  const seq = r.sequential;
  if (!seq) return '';
  const by = new Map<string, number[]>();
  for (const a of seq.api) by.set(a.start, [...(by.get(a.start) ?? []), a.ms]);
  const rows = [...by].map(([start, values]) => {
    const x = summarize(values);
    return [start, String(x.n), ms(x.p50), ms(x.p95), start === 'warm' ? '< 250 ms / < 500 ms' : '—'];
  });
  return [
    '## Warm and cold starts (sequential creates, by the `start` the API reported; `cold` when it reports none)',
    '',
    `Pod start profile of the stack: \`STACK_POD_START=${r.stack.STACK_POD_START ?? 'fast'}\`` +
      (r.stack.STACK_POD_START === 'realistic' ? ` (${r.stack.STACK_POD_START_SECONDS} s to Ready)` : '') +
      '. Warm start targets (realistic profile): p50 < 250 ms, p95 < 500 ms.',
    '',
    table(['start', 'n', 'p50', 'p95', 'target p50 / p95'], rows),
  ].join('\n');
}

export function writeReport(dir: string, r: BenchResults): string {
  const smoke = r.options.label ? `**${r.options.label.toUpperCase()} SCALE — not a verdict on the targets.** ` : '';
  const lines = [
    '# Benchmarks',
    '',
    `${smoke}Generated by \`npm run bench\`; do not edit by hand.`,
    '',
    `- command: \`${r.command}\``,
    `- run: ${r.startedAt} → ${r.finishedAt}, commit \`${r.commit}\``,
    `- machine: ${r.machine}`,
    `- stack: ${['STACK_NODES', 'STACK_NODE_PODS', 'STACK_POD_START', 'STACK_POD_START_SECONDS'].map((k) => `${k}=${r.stack[k] ?? '(unset)'}`).join(', ')}`,
    r.options.compiled
      ? '- the API and the worker run as their own processes, compiled as the image runs them (`node dist/src/server.js`, `… dist/src/worker.js`, the worker with the workflow bundle built beforehand);'
      : '- the API and the worker run as their own processes (`node --import tsx src/server.ts`, `… src/worker.ts`);',
    '  RSS and CPU are read from their /proc; the floor (`bench/floor.ts`) creates the same objects with a bare',
    '  client-node client and one shared watch, in the same run.',
    '- each service with the `NODE_OPTIONS` of its Deployment in `deploy/base` (its heap sized to the container limit):',
    `  worker \`${deployedNodeOptions('worker.yaml')}\`, API \`${deployedNodeOptions('api.yaml')}\`.`,
    ...(r.options.profile
      ? ['- CPU profiles of this run: `profiles/api.cpuprofile`, `profiles/worker.cpuprofile` (Chrome DevTools)']
      : []),
    '',
    '## Figures, floors and targets',
    '',
    table(['scenario', 'figure', 'measured', 'floor', 'target', 'verdict'], targetRows(r)),
    '',
    startTable(r),
    '',
    ...(r.warm ? warmSection(r.warm, r.stack) : separateWarmRun(dir)),
    ...notesSection(r.options.notes ? resolve(repoRoot, r.options.notes) : undefined),
    ...loadSection(r.load ?? []),
    ...slotsSection(r.workerSlots),
    ...timelineSection(r.timelines ?? []),
    ...historySection(r.history),
    '## Distributions',
    '',
    table(
      ['series', 'n', 'p50', 'p95', 'max'],
      latencySeries(r).map((d) => {
        const x = summarize(d.values);
        return [d.series, String(x.n), ms(x.p50), ms(x.p95), ms(x.max)];
      }),
    ),
    '',
    ...r.charts.flatMap((c) => [`![${c.caption}](${c.file})`, '']),
    ...profileSection(r.profiles ?? []),
  ];
  const failures = [
    ...r.errors,
    ...(r.sequential?.failures ?? []),
    ...(r.burst?.failures ?? []),
    ...(r.floorBurst?.failures ?? []),
    ...(r.hold?.failures ?? []),
    ...(r.sse?.failures ?? []),
    ...(r.warm?.failures ?? []),
  ];
  if (failures.length) {
    lines.push('## Failures during the run', '');
    const counts = new Map<string, number>();
    for (const f of failures) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const [f, n] of [...counts].slice(0, 30)) lines.push(`- ${n > 1 ? `${n}× ` : ''}${f.replace(/\n/g, ' ')}`);
    lines.push('');
  }
  const file = join(dir, 'BENCHMARKS.md');
  writeFileSync(file, lines.join('\n'));
  return file;
}

/**
 * The warm/cold table of a separate `--scenarios warm` run (it needs the realistic start profile, under
 * which the other scenarios' floors would mostly measure the simulated image pull), from its WARM.md.
 */
function separateWarmRun(dir: string): string[] {
  const file = join(dir, 'WARM.md');
  if (!existsSync(file)) return [];
  const [, ...body] = readFileSync(file, 'utf8').trimEnd().split('\n');
  return [
    '## Warm pool: warm vs cold — from its own run, `bench/results/WARM.md`',
    '',
    ...body.map((line) => line.replace(/^## /, '### ')),
    '',
  ];
}

export function latencySeries(r: BenchResults): { series: string; values: number[] }[] {
  const out: { series: string; values: number[] }[] = [];
  if (r.sequential) {
    out.push({ series: 'sequential create → running (API)', values: r.sequential.api.map((a) => a.ms) });
    out.push({ series: 'sequential create → Ready (floor)', values: r.sequential.floor });
    out.push({ series: 'sequential delete, wait (API)', values: r.sequential.apiDelete });
    out.push({ series: 'sequential delete → gone (floor)', values: r.sequential.floorDelete });
  }
  if (r.burst) {
    out.push({ series: 'burst ?wait=false answer (API)', values: r.burst.answers });
    out.push({ series: 'burst create → running (API)', values: r.burst.createToRunning });
  }
  if (r.floorBurst) out.push({ series: 'burst create → Ready (floor)', values: r.floorBurst.createToReady });
  if (r.sse) out.push({ series: 'SSE step → client', values: r.sse.stepToClient });
  return out.filter((d) => d.values.length > 0);
}
