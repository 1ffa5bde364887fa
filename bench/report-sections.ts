/**
 * The report's sections beyond the target table: the machine's load during each phase, the history cost
 * of a session, where the services spent their CPU (profiles), and the run's notes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { historyFigures, type HistoryResult } from './history.js';
import type { ResourcePoint } from './processes.js';
import type { ProfileSummary } from './profile-summary.js';

export interface PhaseLoad {
  phase: string;
  seconds: number;
  min: number;
  mean: number;
  max: number;
  /** Share of one core each process used over the phase, by name. */
  cpu: Record<string, number>;
}

export function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The 1-minute load average over each phase of the run, from the sampler's points. */
export function loadByPhase(points: readonly ResourcePoint[]): PhaseLoad[] {
  const phases = new Map<string, ResourcePoint[]>();
  for (const p of points) phases.set(p.phase, [...(phases.get(p.phase) ?? []), p]);
  return [...phases].map(([phase, ps]) => {
    const l = ps.map((p) => p.load1);
    const first = ps[0]!;
    const last = ps.at(-1)!;
    const wall = last.t - first.t;
    const cpu = Object.fromEntries(
      Object.keys(last.cpu).map((k) => [k, wall > 0 ? (last.cpu[k]! - first.cpu[k]!) / wall : NaN]),
    );
    return {
      cpu,
      phase,
      seconds: Math.round(ps.at(-1)!.t - ps[0]!.t),
      min: Math.min(...l),
      mean: l.reduce((a, b) => a + b, 0) / l.length,
      max: Math.max(...l),
    };
  });
}

export function loadSection(load: readonly PhaseLoad[]): string[] {
  if (!load.length) return [];
  const names = Object.keys(load[0]!.cpu);
  return [
    '## Machine load during the run',
    '',
    'The machine (2 cores) is shared; the 1-minute load average, sampled with the RSS, per phase. The floor ran',
    'in the same run, so each figure stands beside a floor measured under comparable load.',
    '',
    table(
      ['phase', 'duration', 'load min', 'load mean', 'load max'],
      load.map((l) => [l.phase, `${l.seconds} s`, l.min.toFixed(1), l.mean.toFixed(1), l.max.toFixed(1)]),
    ),
    '',
    'CPU of each process over each phase, in % of one core (read from /proc; the machine has 2 cores and other',
    "engineers' processes use them too):",
    '',
    table(
      ['phase', ...names],
      load.map((l) => [
        l.phase,
        ...names.map((n) => (Number.isFinite(l.cpu[n]) ? `${(100 * l.cpu[n]!).toFixed(0)} %` : '—')),
      ]),
    ),
    '',
  ];
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

export function historySection(h: HistoryResult | undefined): string[] {
  if (!h) return [];
  const f = historyFigures(h);
  const rows: string[][] = [];
  if (f.endedPerSession) {
    const e = f.endedPerSession;
    rows.push([
      `ended sessions (create → running → delete), n=${e.n}`,
      kib(e.bytes),
      e.events.toFixed(0),
      `${e.lifeS.toFixed(1)} s`,
    ]);
  }
  if (f.running) {
    const r = f.running;
    rows.push([`running sessions, n=${r.n}`, kib(r.bytes), r.events.toFixed(0), `${r.lifeS.toFixed(0)} s so far`]);
  }
  if (!rows.length) return [];
  const lines = [
    '## History per session',
    '',
    'Encoded size (`History` protobuf as the server returns it; payloads encrypted by the codec) and events of',
    'session workflow histories, read with `fetchHistory` from sessions of this run.',
    '',
    table(['sample', 'bytes per session', 'events per session', 'life'], rows),
    '',
  ];
  if (f.idleGrowthPerHour) {
    const g = f.idleGrowthPerHour;
    lines.push(
      `- once started, an idle running session adds **${kib(g.bytes)} and ${g.events.toFixed(0)} events per hour** ` +
        `(events after its first 2 minutes, over ${g.observedS.toFixed(0)} s of life per sampled session on average; ` +
        'it has no timer but its deadline (the reconciler asks it to check a lost pod), so what it records is what happened to it).',
    );
  }
  if (f.perSessionHour) {
    const p = f.perSessionHour;
    lines.push(
      `- a session that lives one hour (whole create → running → delete, plus an hour of the above): ` +
        `**${kib(p.bytes)} and ${p.events.toFixed(0)} events per session-hour**.`,
    );
  }
  lines.push('');
  return lines;
}

const msStr = (v: number) => `${(v / 1000).toFixed(1)} s`;

export function profileSection(profiles: readonly ProfileSummary[]): string[] {
  if (!profiles.length) return [];
  const lines = ['## Where the services spent their CPU (V8 profiles of this run, self time)', ''];
  for (const p of profiles) {
    lines.push(
      `### ${p.service}: ${msStr(p.busyMs)} of CPU in ${msStr(p.wallMs)} of wall time (${((100 * p.busyMs) / p.wallMs).toFixed(0)} % of a core on average)`,
      '',
      table(
        ['package', 'self time', 'share'],
        p.packages.map((x) => [`\`${x.name}\``, msStr(x.ms), `${(100 * x.share).toFixed(1)} %`]),
      ),
      '',
      table(
        ['function', 'self time', 'share'],
        p.functions.map((x) => [`\`${x.name.replace(/\|/g, '\\|')}\``, msStr(x.ms), `${(100 * x.share).toFixed(1)} %`]),
      ),
      '',
    );
  }
  return lines;
}

/** A hand-written analysis of the run (`--notes file.md`), included verbatim. */
export function notesSection(file: string | undefined): string[] {
  if (!file || !existsSync(file)) return [];
  return ['## Analysis', '', readFileSync(file, 'utf8').trim(), ''];
}
