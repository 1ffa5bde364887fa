/**
 * Where the proxy reports that a session was used. Idle auto-suspend needs "when did anyone last talk to
 * this session"; the proxy only knows it happened. The recorder decides what to do with that (today:
 * remember it in process; later: tell the session workflow), so the proxy never changes for it.
 */

export interface SessionActivityRecorder {
  /** A request to the session was proxied now. Cheap and synchronous: it is called per request. */
  touch(sessionId: string): void;
  /** When the session was last touched in this process (ms since epoch), if ever. */
  lastActivity(sessionId: string): number | undefined;
}

export interface ThrottledActivityOptions {
  /** At most one flush per session in this window; touches inside it only move the in-memory time. */
  intervalMs: number;
  /** Called at most once per interval per session with the latest activity time. */
  flush?: (sessionId: string, at: Date) => void;
  now?: () => number;
  /** Sessions kept in memory; the least recently touched are forgotten first. */
  maxSessions?: number;
}

/**
 * Keeps the last activity per session in memory and forwards it, throttled, to `flush` — so a chatty
 * client (an SSE stream, a WebSocket) costs one downstream call per interval, not one per request.
 */
export class ThrottledActivityRecorder implements SessionActivityRecorder {
  private readonly last = new Map<string, { at: number; flushedAt: number }>();
  private readonly now: () => number;
  private readonly maxSessions: number;

  constructor(private readonly options: ThrottledActivityOptions) {
    this.now = options.now ?? Date.now;
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  touch(sessionId: string): void {
    const at = this.now();
    const entry = this.last.get(sessionId);
    // Re-inserting keeps the map in touch order, which is what the eviction below relies on.
    this.last.delete(sessionId);
    const flushedAt = entry?.flushedAt ?? Number.NEGATIVE_INFINITY;
    const due = at - flushedAt >= this.options.intervalMs;
    this.last.set(sessionId, { at, flushedAt: due ? at : flushedAt });
    if (due) this.options.flush?.(sessionId, new Date(at));
    if (this.last.size > this.maxSessions) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
  }

  lastActivity(sessionId: string): number | undefined {
    return this.last.get(sessionId)?.at;
  }
}
