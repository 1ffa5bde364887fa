/**
 * Burst: many sessions by many users with a fixed number in flight. A slot sends `POST ?wait=false`
 * (its answer time is one figure), then follows the session's event stream until `running` — how a
 * program that does not hold a request open learns it runs — and only then takes the next session.
 * The floor does the same with its bare client (create all objects, wait on the shared watch).
 * Sessions are left running: the hold scenario builds on them.
 */
import { floorSpec } from '../env.js';
import { sleep } from '../processes.js';
import { pool } from '../stats.js';
import { userOf, waitMs, type BenchContext } from '../context.js';

export interface BurstResult {
  count: number;
  concurrency: number;
  users: number;
  /** `?wait=false` answer times, ms. */
  answers: number[];
  statuses: Record<string, number>;
  /** Create sent → `running` event read, ms. */
  createToRunning: number[];
  /** Seconds from the burst's start at which each session was seen running (sorted). */
  runningAt: number[];
  /** Burst start → last session running, ms (NaN when some never ran). */
  allRunningMs: number;
  failures: string[];
}

export interface FloorBurstResult {
  createToReady: number[];
  readyAt: number[];
  allReadyMs: number;
  /** Deleting every session afterwards, same concurrency: start → last pod gone, ms. */
  deleteAllMs: number;
  failures: string[];
}

/** Starts `count` sessions through the API (index from `from` picks users); resolves when all ran or failed. */
export async function apiBurst(ctx: BenchContext, count: number, from = 0): Promise<BurstResult> {
  const { concurrency } = ctx.options;
  const result: BurstResult = {
    count,
    concurrency,
    users: ctx.run.users.length,
    answers: [],
    statuses: {},
    createToRunning: [],
    runningAt: [],
    allRunningMs: NaN,
    failures: [],
  };
  const t0 = performance.now();
  await pool(
    count,
    concurrency,
    async (i) => {
      const user = userOf(ctx, from + i);
      const sent = performance.now();
      try {
        const created = await ctx.api.create(user, false, waitMs(ctx));
        result.answers.push(created.ms);
        result.statuses[created.status] = (result.statuses[created.status] ?? 0) + 1;
        const id = created.body.session_id as string | undefined;
        if (!id || (created.status !== 202 && created.status !== 201)) {
          result.failures.push(`create: HTTP ${created.status} ${JSON.stringify(created.body).slice(0, 200)}`);
          return;
        }
        const session = { id, user, running: false };
        ctx.live.set(id, session);
        const outcome = await untilRunning(ctx, user, id);
        if (outcome !== 'running') {
          result.failures.push(`session ${id}: ${outcome}`);
          return;
        }
        session.running = true;
        const now = performance.now();
        result.createToRunning.push(now - sent);
        result.runningAt.push((now - t0) / 1000);
      } catch (err) {
        if (!ctx.signal.aborted) result.failures.push(String(err));
      }
    },
    ctx.signal,
  );
  result.runningAt.sort((a, b) => a - b);
  if (result.createToRunning.length === count) result.allRunningMs = performance.now() - t0;
  return result;
}

/**
 * Follows the session's events until it runs or ends, reconnecting as a client would (the server ends a
 * stream with `error` when it cannot follow the session for a while), within the run's wait bound.
 */
async function untilRunning(ctx: BenchContext, user: string, id: string): Promise<string> {
  const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(waitMs(ctx))]);
  let outcome: string | undefined;
  let reconnects = 0;
  while (outcome === undefined && !deadline.aborted) {
    await ctx.api
      .follow(
        user,
        id,
        (e) => {
          if (e.type === 'running' || e.type === 'failed' || e.type === 'terminated') outcome = e.type;
          else if (e.type === 'end') outcome = 'ended before running';
          return outcome !== undefined;
        },
        deadline,
      )
      .catch(() => undefined);
    if (outcome === undefined) {
      reconnects++;
      await sleep(500, deadline).catch(() => undefined);
    }
  }
  return outcome ?? `not running within ${ctx.options.waitSeconds} s (${reconnects} reconnects)`;
}

export async function floorBurst(ctx: BenchContext, count: number): Promise<FloorBurstResult> {
  const { concurrency } = ctx.options;
  const result: FloorBurstResult = { createToReady: [], readyAt: [], allReadyMs: NaN, deleteAllMs: NaN, failures: [] };
  const base = 100_000;
  const t0 = performance.now();
  await pool(
    count,
    concurrency,
    async (i) => {
      try {
        result.createToReady.push(await ctx.floor.create(floorSpec(ctx.run, base + i), waitMs(ctx)));
        result.readyAt.push((performance.now() - t0) / 1000);
      } catch (err) {
        result.failures.push(String(err));
      }
    },
    ctx.signal,
  );
  if (result.createToReady.length === count) result.allReadyMs = performance.now() - t0;
  result.readyAt.sort((a, b) => a - b);
  const d0 = performance.now();
  await pool(
    count,
    concurrency,
    async (i) => {
      await ctx.floor.remove(floorSpec(ctx.run, base + i), waitMs(ctx)).catch((err: unknown) => {
        result.failures.push(`delete: ${String(err)}`);
      });
    },
    ctx.signal,
  );
  result.deleteAllMs = performance.now() - d0;
  return result;
}
