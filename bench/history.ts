/**
 * History cost of sessions (issue 9 item 4): the encoded size and event count of a session workflow's
 * history as the server stores it (payloads as they left the codec, i.e. encrypted), read through the
 * client's `fetchHistory`. Measured on sessions that ended (a whole create → running → delete) and on
 * sessions still running, twice, so the report can tell the fixed cost of a session from what an idle
 * running session adds per hour.
 */
import proto from '@temporalio/proto';
import { createTemporalClient } from '../src/temporal/client.js';
import { sessionWorkflowId } from '../src/session/spec.js';
import type { BenchRun } from './env.js';
import { pool } from './stats.js';

export interface HistorySample {
  sessionId: string;
  bytes: number;
  events: number;
  /** First event → last event (ended) or → now (running), ms. */
  lifeMs: number;
  closed: boolean;
}

export interface HistoryResult {
  /** Sessions that ended (the sequential scenario's): whole life. */
  ended: HistorySample[];
  /** Running sessions after the hold settled, and the same sessions again later. */
  runningFirst: HistorySample[];
  runningLater: HistorySample[];
}

const { temporal } = proto;

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;
const tsMs = (t: Timestamp) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);

const CLOSE_EVENTS = new Set([
  temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

/** Reads the histories of `sessionIds` (their latest runs); sessions whose history cannot be read are skipped. */
export async function sampleHistories(run: BenchRun, sessionIds: readonly string[]): Promise<HistorySample[]> {
  const client = await createTemporalClient(run.config);
  const out: HistorySample[] = [];
  try {
    await pool(
      sessionIds.length,
      5,
      async (i) => {
        const sessionId = sessionIds[i]!;
        const history = await client.workflow
          .getHandle(sessionWorkflowId(sessionId))
          .fetchHistory()
          .catch(() => undefined);
        const events = history?.events ?? [];
        if (!history || events.length === 0) return;
        const last = events.at(-1)!;
        const closed = CLOSE_EVENTS.has(last.eventType ?? 0);
        const end = closed ? tsMs(last.eventTime as Timestamp) : Date.now();
        out.push({
          sessionId,
          bytes: temporal.api.history.v1.History.encode(history).finish().byteLength,
          events: events.length,
          lifeMs: end - tsMs(events[0]!.eventTime as Timestamp),
          closed,
        });
      },
      new AbortController().signal,
    );
  } finally {
    await client.connection.close();
  }
  return out;
}

export interface HistoryFigures {
  endedPerSession?: { n: number; bytes: number; events: number; lifeS: number };
  running?: { n: number; bytes: number; events: number; lifeS: number };
  /** What an idle running session adds per hour (growth between the two samples), and the interval. */
  idleGrowthPerHour?: { bytes: number; events: number; intervalS: number };
  /** All sampled sessions: total bytes and events over total session-hours of life. */
  perSessionHour?: { bytes: number; events: number; hours: number };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function historyFigures(h: HistoryResult): HistoryFigures {
  const f: HistoryFigures = {};
  const summary = (xs: HistorySample[]) => ({
    n: xs.length,
    bytes: mean(xs.map((x) => x.bytes)),
    events: mean(xs.map((x) => x.events)),
    lifeS: mean(xs.map((x) => x.lifeMs / 1000)),
  });
  if (h.ended.length) f.endedPerSession = summary(h.ended);
  const latest = h.runningLater.length ? h.runningLater : h.runningFirst;
  if (latest.length) f.running = summary(latest);
  const first = new Map(h.runningFirst.map((x) => [x.sessionId, x]));
  const pairs = h.runningLater.filter((x) => first.has(x.sessionId) && !x.closed);
  if (pairs.length) {
    const hours = mean(pairs.map((x) => x.lifeMs - first.get(x.sessionId)!.lifeMs)) / 3_600_000;
    if (hours > 0)
      f.idleGrowthPerHour = {
        bytes: mean(pairs.map((x) => x.bytes - first.get(x.sessionId)!.bytes)) / hours,
        events: mean(pairs.map((x) => x.events - first.get(x.sessionId)!.events)) / hours,
        intervalS: hours * 3600,
      };
  }
  const all = [...h.ended, ...latest];
  const hours = all.reduce((a, x) => a + x.lifeMs, 0) / 3_600_000;
  if (all.length && hours > 0)
    f.perSessionHour = {
      bytes: all.reduce((a, x) => a + x.bytes, 0) / hours,
      events: all.reduce((a, x) => a + x.events, 0) / hours,
      hours,
    };
  return f;
}
