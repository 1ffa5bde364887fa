/**
 * SSE: many event streams over running sessions. First the API's and worker's CPU while nothing happens,
 * without streams and then with every stream open (the floor for an idle session is 0); then one step
 * per session (an extend, which the workflow records as an `extended` event) and, for every stream, the
 * time from the step (the event's own `at`, the workflow's clock) to the event being read here.
 */
import { settlesWithin, sleep } from '../processes.js';
import { pool } from '../stats.js';
import { type BenchContext, type BenchSession } from '../context.js';

export interface SseResult {
  sessions: number;
  streamsWanted: number;
  streamsOpen: number;
  /** Share of one core, over `idleSeconds`. */
  idleWithout: { api: number; worker: number };
  idleWith: { api: number; worker: number };
  /** Step (event `at`) → read by the client, ms, one per stream that got it. */
  stepToClient: number[];
  /** Extend request sent → event read by the client, ms. */
  requestToClient: number[];
  delivered: number;
  failures: string[];
}

export async function runSse(ctx: BenchContext, sessions: BenchSession[]): Promise<SseResult> {
  const { sseStreams, idleSeconds } = ctx.options;
  const result: SseResult = {
    sessions: sessions.length,
    streamsWanted: sseStreams,
    streamsOpen: 0,
    idleWithout: { api: NaN, worker: NaN },
    idleWith: { api: NaN, worker: NaN },
    stepToClient: [],
    requestToClient: [],
    delivered: 0,
    failures: [],
  };
  if (sessions.length === 0) {
    result.failures.push('no running sessions to stream');
    return result;
  }
  // Each step of the scenario is a phase of its own in the report's CPU table: the Temporal server's share
  // while the steps are delivered is what bounds the step-to-client latency.
  ctx.sampler.phase = 'sse: idle, no streams';
  ctx.log(`sse: idle CPU without streams (${idleSeconds} s)`);
  result.idleWithout = await ctx.sampler.cpuOver(idleSeconds, ctx.signal);

  const streams = new AbortController();
  const stop = AbortSignal.any([ctx.signal, streams.signal]);
  const sentAt = new Map<string, number>();
  const caughtUp: Promise<void>[] = [];
  const extendedSeen: Promise<void>[] = [];
  ctx.sampler.phase = 'sse: opening streams';
  ctx.log(`sse: opening ${sseStreams} streams over ${sessions.length} sessions`);
  const following: Promise<void>[] = [];
  let caughtUpCount = 0;
  await pool(
    sseStreams,
    100,
    async (i) => {
      const session = sessions[i % sessions.length]!;
      let markCaughtUp!: () => void;
      let markExtended!: () => void;
      caughtUp.push(new Promise((r) => (markCaughtUp = r)));
      extendedSeen.push(new Promise((r) => (markExtended = r)));
      let sawRunning = false;
      let sawExtended = false;
      let opened!: () => void;
      const open = new Promise<void>((r) => (opened = r));
      following.push(
        ctx.api
          .follow(
            session.user,
            session.id,
            (e) => {
              // The backlog replayed on connect ends with `running` (nothing else happens to an idle session).
              if (e.type === 'running' && !sawRunning) {
                sawRunning = true;
                caughtUpCount++;
                markCaughtUp();
              }
              // One figure per stream: the first `extended` after this run's step.
              if (e.type === 'extended' && sentAt.has(session.id) && !sawExtended) {
                sawExtended = true;
                result.stepToClient.push(e.receivedAt - Date.parse(String(e.data.at)));
                result.requestToClient.push(e.receivedAt - sentAt.get(session.id)!);
                result.delivered++;
                markExtended();
              }
            },
            stop,
            () => {
              result.streamsOpen++;
              opened();
            },
          )
          .catch((err: unknown) => {
            result.failures.push(`stream: ${String(err)}`);
            opened();
          }),
      );
      await open;
    },
    ctx.signal,
  );
  const bounded = async <T>(what: string, p: Promise<T>, seconds: number) => {
    if (!(await settlesWithin(p, seconds * 1000, ctx.signal))) {
      result.failures.push(`${what}: not complete after ${seconds} s`);
    }
  };
  await bounded('streams catching up', Promise.all(caughtUp), 120);
  if (caughtUpCount < result.streamsOpen) {
    result.failures.push(
      `${result.streamsOpen - caughtUpCount} of ${result.streamsOpen} streams never replayed \`running\``,
    );
  }
  await sleep(3000, ctx.signal);
  ctx.sampler.phase = 'sse: idle, streams open';
  ctx.log(`sse: idle CPU with ${result.streamsOpen} streams (${idleSeconds} s)`);
  result.idleWith = await ctx.sampler.cpuOver(idleSeconds, ctx.signal);

  ctx.sampler.phase = 'sse: one step per session';
  ctx.log('sse: one step per session, measuring delivery to every stream');
  await pool(
    sessions.length,
    20,
    async (i) => {
      const s = sessions[i]!;
      sentAt.set(s.id, Date.now());
      const answer = await ctx.api.extend(s.user, s.id, 1, 30_000).catch((err: unknown) => ({ status: String(err) }));
      if (answer.status !== 200) result.failures.push(`extend ${s.id}: ${answer.status}`);
    },
    ctx.signal,
  );
  await bounded('step delivery', Promise.all(extendedSeen), 60);
  streams.abort();
  await Promise.all(following);
  return result;
}
