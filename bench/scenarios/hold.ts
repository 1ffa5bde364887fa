/**
 * Hold: the burst's sessions topped up to the hold size and kept running, then what that load costs —
 * API and worker RSS, the apiserver's watch connections (against the count at 0 sessions), and a single
 * create → running measured now against the same probe taken at 0 sessions. The floor's one create is
 * probed at both moments too: what the load costs Kubernetes itself, without the orchestrator.
 */
import { apiserverWatches, type WatchCount } from '../apiserver-metrics.js';
import { memorySplit, type MemorySplit } from '../memory-split.js';
import { sleep } from '../processes.js';
import { summarize, type Summary } from '../stats.js';
import { type BenchContext } from '../context.js';
import { apiBurst, type BurstResult } from './burst.js';
import { apiCreates, floorCreates, type SequentialResult } from './sequential.js';

export interface HoldResult {
  running: number;
  topUp?: BurstResult;
  apiRssMiB: number;
  workerRssMiB: number;
  watches: WatchCount;
  /** Where the API's and the worker's memory is, from their /metrics at the same moment. */
  memory?: { api?: MemorySplit; worker?: MemorySplit };
  probe: Summary;
  /** The probe creates' sessions, for their histories. */
  probeIds: string[];
  /** The floor's one create at load (absent when the floor is not measured). */
  floorProbe?: FloorProbe;
  failures: string[];
}

/** `count` creates that wait, alone, each deleted before the next. */
export async function probeCreates(
  ctx: BenchContext,
  count: number,
): Promise<{ summary: Summary; ids: string[]; failures: string[] }> {
  const r: Pick<SequentialResult, 'api' | 'apiDelete' | 'failures'> = { api: [], apiDelete: [], failures: [] };
  // The last user: at load, a user who already holds their share of the sessions.
  await apiCreates(ctx, count, ctx.run.users.at(-1)!, r);
  return { summary: summarize(r.api.map((a) => a.ms)), ids: r.api.map((a) => a.id), failures: r.failures };
}

/** The floor's session numbers for its probes: apart from the sequential (0…) and burst (100,000…) ones. */
export const FLOOR_PROBE_AT_0 = 200_000;
export const FLOOR_PROBE_AT_LOAD = 300_000;

/** The floor's one create: to Ready, and to the scheduler's binding as its watch saw it. */
export interface FloorProbe {
  ready: Summary;
  bound: Summary;
}

/** `count` floor creates, alone, each deleted before the next; no figures when the run has no floor. */
export async function probeFloor(
  ctx: BenchContext,
  count: number,
  from: number,
): Promise<{ summary?: FloorProbe; failures: string[] }> {
  if (!ctx.options.floor) return { failures: [] };
  const r: Pick<SequentialResult, 'floor' | 'floorDelete' | 'failures'> = { floor: [], floorDelete: [], failures: [] };
  const timings = await floorCreates(ctx, count, from, r);
  const summary = {
    ready: summarize(timings.map((t) => t.readyMs)),
    bound: summarize(timings.map((t) => t.boundMs)),
  };
  return { summary, failures: r.failures };
}

export async function runHold(ctx: BenchContext, alreadyRunning: number): Promise<HoldResult> {
  const missing = Math.max(0, ctx.options.hold - alreadyRunning);
  let topUp: BurstResult | undefined;
  if (missing > 0) {
    ctx.log(`hold: starting ${missing} more sessions (${alreadyRunning} running)`);
    topUp = await apiBurst(ctx, missing, alreadyRunning);
  }
  const running = alreadyRunning + (topUp?.createToRunning.length ?? 0);
  ctx.log(`hold: ${running} sessions running; letting it settle`);
  // Let post-start work (GC, caches) settle, so RSS is the steady cost of holding, not of starting.
  await sleep(Math.min(30, ctx.options.idleSeconds) * 1000, ctx.signal);
  const recent = Array.from({ length: 5 }, () => ctx.sampler.sample()).filter((p) => p !== undefined);
  const watches = await apiserverWatches(ctx.kc);
  const { env } = ctx.run;
  const [apiMemory, workerMemory] = await Promise.all([
    memorySplit(`http://${env.API_HOST}:${env.API_PORT}/metrics`),
    memorySplit(`http://${env.WORKER_METRICS_HOST}:${env.WORKER_METRICS_PORT}/metrics`),
  ]);
  ctx.log(`hold: probing one create at load (${ctx.options.probes}×)`);
  const probe = await probeCreates(ctx, ctx.options.probes);
  const floorProbe = await probeFloor(ctx, ctx.options.probes, FLOOR_PROBE_AT_LOAD);
  return {
    running,
    topUp,
    apiRssMiB: Math.max(...recent.map((p) => p.apiRssMiB)),
    workerRssMiB: Math.max(...recent.map((p) => p.workerRssMiB)),
    watches,
    memory: { api: apiMemory, worker: workerMemory },
    probe: probe.summary,
    probeIds: probe.ids,
    floorProbe: floorProbe.summary,
    failures: [...(topUp?.failures ?? []), ...probe.failures, ...floorProbe.failures],
  };
}
