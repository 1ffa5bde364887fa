/**
 * How close each phase came to the worker's limits, read from the Temporal SDK's own metrics
 * (WORKER_SDK_METRICS_PORT): workflow task and activity slots in use against
 * WORKER_MAX_CONCURRENT_WORKFLOW_TASKS / _ACTIVITIES, and workflows in the sticky cache against
 * WORKER_MAX_CACHED_WORKFLOWS — the measurements those settings are sized from.
 */
import { table } from './report-sections.js';

export interface SlotSample {
  /** Workflow task slots in use, and the worker's total of them (in use + available). */
  workflowTasks: number;
  workflowTaskSlots: number;
  activities: number;
  activitySlots: number;
  cachedWorkflows: number;
}

export interface SlotPhase extends SlotSample {
  phase: string;
  samples: number;
}

export interface WorkerSlots {
  intervalMs: number;
  /** WORKER_MAX_CACHED_WORKFLOWS of the run's worker (the SDK exports the cache's size, not its bound). */
  cacheLimit: number;
  /** The highest value of each gauge seen in each phase, in the phases' order. */
  phases: SlotPhase[];
}

/** The gauges of one task queue in a Prometheus exposition of the SDK; undefined while it has none yet. */
export function parseSlotSample(text: string, taskQueue: string): SlotSample | undefined {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m =
      /^(temporal_worker_task_slots_used|temporal_worker_task_slots_available|temporal_sticky_cache_size)\{([^}]*)\} (\S+)$/.exec(
        line,
      );
    if (!m || !m[2]!.includes(`task_queue="${taskQueue}"`)) continue;
    const workerType = /worker_type="([^"]+)"/.exec(m[2]!)?.[1] ?? '';
    values.set(`${m[1]}:${workerType}`, Number(m[3]));
  }
  const used = (type: string) => values.get(`temporal_worker_task_slots_used:${type}`);
  const free = (type: string) => values.get(`temporal_worker_task_slots_available:${type}`);
  const [workflowTasks, workflowFree] = [used('WorkflowWorker'), free('WorkflowWorker')];
  const [activities, activityFree] = [used('ActivityWorker'), free('ActivityWorker')];
  if (workflowTasks === undefined || workflowFree === undefined) return undefined;
  if (activities === undefined || activityFree === undefined) return undefined;
  return {
    workflowTasks,
    workflowTaskSlots: workflowTasks + workflowFree,
    activities,
    activitySlots: activities + activityFree,
    cachedWorkflows: values.get('temporal_sticky_cache_size:') ?? 0,
  };
}

/** Scrapes the worker's SDK listener every `intervalMs` and keeps each phase's peaks. */
export class SlotSampler {
  private readonly peaks = new Map<string, SlotPhase>();
  /** How often each total (in use + available) was seen: the SDK sets its two gauges one after the other,
   * so a scrape between the two sees a total one off; the limit is the total seen most. */
  private readonly totals = { workflowTaskSlots: new Map<number, number>(), activitySlots: new Map<number, number>() };
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
      for (const kind of ['workflowTaskSlots', 'activitySlots'] as const) {
        this.totals[kind].set(sample[kind], (this.totals[kind].get(sample[kind]) ?? 0) + 1);
      }
      const phase = this.phase();
      const peak = this.peaks.get(phase);
      this.peaks.set(phase, {
        phase,
        samples: (peak?.samples ?? 0) + 1,
        ...(Object.fromEntries(
          Object.entries(sample).map(([k, v]) => [k, Math.max(v, peak?.[k as keyof SlotSample] ?? 0)]),
        ) as unknown as SlotSample),
      });
    } catch {
      // A missed scrape is a missed sample; the count of samples in the report shows it.
    } finally {
      this.inFlight = false;
    }
  }

  phases(): SlotPhase[] {
    const mostSeen = (votes: Map<number, number>) => [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? NaN;
    const workflowTaskSlots = mostSeen(this.totals.workflowTaskSlots);
    const activitySlots = mostSeen(this.totals.activitySlots);
    return [...this.peaks.values()].map((p) => ({ ...p, workflowTaskSlots, activitySlots }));
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
    'A slot limit is the total the worker reports (in use + available) most often in the run; the cache bound is its',
    '`WORKER_MAX_CACHED_WORKFLOWS`.',
    '',
    table(
      ['phase', 'samples', 'workflow task slots', 'activity slots', 'sticky cache'],
      slots.phases.map((p) => [
        p.phase,
        String(p.samples),
        of(p.workflowTasks, p.workflowTaskSlots),
        of(p.activities, p.activitySlots),
        of(p.cachedWorkflows, slots.cacheLimit),
      ]),
    ),
    '',
  ];
}
