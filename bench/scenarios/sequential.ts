/**
 * Sequential: one create → running at a time through the HTTP API (a create that waits, `201` once the
 * session runs), beside the floor creating the same objects one session at a time. Each session is
 * deleted (and its deletion awaited) outside the timed part, so every create starts from the same state.
 */
import { floorSpec } from '../env.js';
import { waitMs, type BenchContext } from '../context.js';
import type { FloorCreateTiming } from '../floor.js';

export interface SequentialResult {
  /** create request → `201 running` answer, ms, by how the session started (`start`: warm/cold). */
  api: { ms: number; start: string; id: string }[];
  floor: number[];
  apiDelete: number[];
  floorDelete: number[];
  failures: string[];
}

/** `count` creates with wait by `user`, each deleted (wait=true) before the next. */
export async function apiCreates(
  ctx: BenchContext,
  count: number,
  user: string,
  result: Pick<SequentialResult, 'api' | 'apiDelete' | 'failures'>,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    ctx.signal.throwIfAborted();
    const created = await ctx.api.create(user, true, waitMs(ctx));
    const id = created.body.session_id as string | undefined;
    if (id) ctx.live.set(id, { id, user });
    if (created.status !== 201 || !id) {
      result.failures.push(`create: HTTP ${created.status} ${JSON.stringify(created.body).slice(0, 200)}`);
      continue;
    }
    result.api.push({
      ms: created.ms,
      start: typeof created.body.start === 'string' ? created.body.start : 'cold',
      id,
    });
    const removed = await ctx.api.remove(user, id, true, waitMs(ctx));
    if (removed.status === 200) {
      ctx.live.delete(id);
      result.apiDelete.push(removed.ms);
    } else {
      result.failures.push(`delete: HTTP ${removed.status}`);
    }
  }
}

/** `count` floor creates, each deleted before the next; what each took, also pushed into `result`. */
export async function floorCreates(
  ctx: BenchContext,
  count: number,
  from: number,
  result: Pick<SequentialResult, 'floor' | 'floorDelete' | 'failures'>,
): Promise<FloorCreateTiming[]> {
  const timings: FloorCreateTiming[] = [];
  for (let i = 0; i < count; i++) {
    ctx.signal.throwIfAborted();
    const spec = floorSpec(ctx.run, from + i);
    try {
      const timing = await ctx.floor.createTimed(spec, waitMs(ctx));
      timings.push(timing);
      result.floor.push(timing.readyMs);
    } catch (err) {
      result.failures.push(`floor: ${String(err)}`);
    }
    result.floorDelete.push(await ctx.floor.remove(spec, waitMs(ctx)));
  }
  return timings;
}

/** The API's creates; the floor's are measured before the services start (bench/main.ts). */
export async function runSequential(ctx: BenchContext): Promise<SequentialResult> {
  const result: SequentialResult = { api: [], floor: [], apiDelete: [], floorDelete: [], failures: [] };
  const n = ctx.options.sequential;
  ctx.log(`sequential: ${n} creates through the API`);
  await apiCreates(ctx, n, ctx.run.users[0]!, result);
  return result;
}
