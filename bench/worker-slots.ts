/**
 * How close each phase came to the worker's limits, read from the Temporal SDK's own metrics
 * (WORKER_SDK_METRICS_PORT): workflow task and activity slots in use against
 * WORKER_MAX_CONCURRENT_WORKFLOW_TASKS / _ACTIVITIES, and workflows in the sticky cache against
 * WORKER_MAX_CACHED_WORKFLOWS — the measurements those settings are sized from.
 */
import { table } from './report-sections.js';

export interface SlotSample {
  workflowTasks: number;
  activities: number;
  cachedWorkflows: number;
}

export interface SlotPhase extends SlotSample {
  phase: string;
  samples: number;
}

export interface WorkerSlots {
  intervalMs: number;
  limits: SlotSample;
  /** The highest value of each gauge seen in each phase, in the phases' order. */
  phases: SlotPhase[];
}

/** The gauges of one task queue in a Prometheus exposition of the SDK; undefined while it has none yet. */
export function parseSlotSample(text: string, taskQueue: string): SlotSample | undefined {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(temporal_worker_task_slots_used|temporal_sticky_cache_size)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || !m[2]!.includes(`task_queue="${taskQueue}"`)) continue;
    const workerType = /worker_type="([^"]+)"/.exec(m[2]!)?.[1] ?? '';
    values.set(`${m[1]}:${workerType}`, Number(m[3]));
  }
  const cachedWorkflows = values.get('temporal_sticky_cache_size:');
  const workflowTasks = values.get('temporal_worker_task_slots_used:WorkflowWorker');
  const activities = values.get('temporal_worker_task_slots_used:ActivityWorker');
  if (workflowTasks === undefined || activities === undefined) return undefined;
  return { workflowTasks, activities, cachedWorkflows: cachedWorkflows ?? 0 };
}

/** Scrapes the worker's SDK listener every `intervalMs` and keeps each phase's peaks. */
export class SlotSampler {
  private readonly peaks = new Map<string, SlotPhase>();
  private readonly timer: NodeJS.Timeout;
  private inFlight = false;

  constructor(
    private readonly url: string,
    private readonly taskQueue: string,
    readonly intervalMs: number,
    private readonly phase: () => string,
  ) {
    this.timer = setInterval(() => void this.sample(), intervalMs);
    this.timer.unref();
  }

  async sample(): Promise<void> {
    // A scrape slower than the interval (a saturated machine) is not stacked behind another.
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const res = await fetch(this.url, { signal: AbortSignal.timeout(5_000) });
      const sample = parseSlotSample(await res.text(), this.taskQueue);
      if (!sample) return;
      const phase = this.phase();
      const peak = this.peaks.get(phase) ?? { phase, samples: 0, workflowTasks: 0, activities: 0, cachedWorkflows: 0 };
      this.peaks.set(phase, {
        phase,
        samples: peak.samples + 1,
        workflowTasks: Math.max(peak.workflowTasks, sample.workflowTasks),
        activities: Math.max(peak.activities, sample.activities),
        cachedWorkflows: Math.max(peak.cachedWorkflows, sample.cachedWorkflows),
      });
    } catch {
      // A missed scrape is a missed sample; the count of samples in the report shows it.
    } finally {
      this.inFlight = false;
    }
  }

  phases(): SlotPhase[] {
    return [...this.peaks.values()];
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export function slotsSection(slots: WorkerSlots | undefined): string[] {
  if (!slots?.phases.length) return [];
  const of = (used: number, limit: number) => `${used} of ${limit} (${Math.round((used / limit) * 100)} %)`;
  return [
    '## Worker slots and sticky cache',
    '',
    `The most of each limit in use during each phase, from the Temporal SDK's own gauges (the worker's`,
    `\`WORKER_SDK_METRICS_PORT\`), scraped every ${slots.intervalMs} ms: a peak shorter than that can be missed.`,
    '',
    table(
      ['phase', 'samples', 'workflow task slots', 'activity slots', 'sticky cache'],
      slots.phases.map((p) => [
        p.phase,
        String(p.samples),
        of(p.workflowTasks, slots.limits.workflowTasks),
        of(p.activities, slots.limits.activities),
        of(p.cachedWorkflows, slots.limits.cachedWorkflows),
      ]),
    ),
    '',
  ];
}
