/** Heartbeats and cancellation of the session activities, from Temporal's activity context. */
import { Context } from '@temporalio/activity';

/** What the activities need from Temporal's activity context. */
export interface ActivityScope {
  heartbeat(details: unknown): void;
  cancellationSignal: AbortSignal;
  heartbeatDetails: unknown;
}

/**
 * The current activity's context. Outside an activity (scripts, REPL) the activities still work, just
 * without heartbeats or cancellation.
 */
export function activityScope(): ActivityScope {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return {
      heartbeat: () => undefined,
      cancellationSignal: new AbortController().signal,
      heartbeatDetails: undefined,
    };
  }
  return {
    heartbeat: (details) => ctx.heartbeat(details),
    cancellationSignal: ctx.cancellationSignal,
    heartbeatDetails: ctx.info.heartbeatDetails,
  };
}

/** Runs `work` with periodic heartbeats and an abort signal tied to activity cancellation. */
export async function withHeartbeat<T>(
  intervalMs: number,
  details: () => unknown,
  work: (ctx: ActivityScope) => Promise<T>,
): Promise<T> {
  const scope = activityScope();
  scope.heartbeat(details());
  const timer = setInterval(() => scope.heartbeat(details()), intervalMs);
  try {
    return await work(scope);
  } finally {
    clearInterval(timer);
  }
}
