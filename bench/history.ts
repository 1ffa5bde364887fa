/**
 * History cost of sessions (what they cost Temporal's storage): the encoded size and event count of a session workflow's
 * history as the server stores it (payloads as they left the codec, i.e. encrypted), read through the
 * client's `fetchHistory`. Measured on sessions that ended (a whole create → running → delete) and on
 * sessions still running, twice, so the report can tell the fixed cost of a session from what an idle
 * running session adds per hour.
 */
import proto from '@temporalio/proto';
import { createTemporalClient } from '../src/temporal/client.js';
import { sessionWorkflowId } from '../workflows/contract/spec.js';
import type { BenchRun } from './env.js';
import { pool } from './stats.js';

export interface HistorySample {
  sessionId: string;
  bytes: number;
  events: number;
  /** First event → last event (ended) or → now (running), ms. */
  lifeMs: number;
  closed: boolean;
  /** Bytes and events recorded after the first {@link SETTLED_MS} of life, and how long that span is, ms. */
  later: { bytes: number; events: number; spanMs: number };
}

/** Start-up (create → running, under a burst's load) is over by then; what follows is the steady cost. */
const SETTLED_MS = 120_000;

export interface HistoryResult {
  /** Sessions that ended (the sequential scenario's): whole life. */
  ended: HistorySample[];
  /** Running sessions nobody acts on (not streamed, not extended), read at the end of the run. */
  running: HistorySample[];
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

/** Visits the histories of `sessionIds` (their latest runs), five read at a time; one that cannot be read is skipped. */
export async function readSessionHistories(
  run: BenchRun,
  sessionIds: readonly string[],
  visit: (sessionId: string, history: proto.temporal.api.history.v1.IHistory) => void,
): Promise<void> {
  const client = await createTemporalClient(run.config);
  try {
    await pool(
      sessionIds.length,
      5,
      async (i) => {
        const history = await client.workflow
          .getHandle(sessionWorkflowId(sessionIds[i]!))
          .fetchHistory()
          .catch(() => undefined);
        if (history) visit(sessionIds[i]!, history);
      },
      new AbortController().signal,
    );
  } finally {
    await client.connection.close();
  }
}

/** Reads the histories of `sessionIds` (their latest runs); sessions whose history cannot be read are skipped. */
export async function sampleHistories(run: BenchRun, sessionIds: readonly string[]): Promise<HistorySample[]> {
  const out: HistorySample[] = [];
  await readSessionHistories(run, sessionIds, (sessionId, history) => {
    const events = history.events ?? [];
    if (events.length === 0) return;
    const last = events.at(-1)!;
    const closed = CLOSE_EVENTS.has(last.eventType ?? 0);
    const end = closed ? tsMs(last.eventTime as Timestamp) : Date.now();
    const settledAt = tsMs(events[0]!.eventTime as Timestamp) + SETTLED_MS;
    const later = events.filter((e) => tsMs(e.eventTime as Timestamp) >= settledAt);
    out.push({
      later: {
        // A History is its events, each a length-delimited field (tag byte plus length varint).
        bytes: later.reduce((a, e) => {
          const n = temporal.api.history.v1.HistoryEvent.encode(e).finish().byteLength;
          return a + n + 1 + Math.ceil(Math.log2(n + 1) / 7);
        }, 0),
        events: later.length,
        spanMs: Math.max(0, end - settledAt),
      },
      sessionId,
      bytes: temporal.api.history.v1.History.encode(history).finish().byteLength,
      events: events.length,
      lifeMs: end - tsMs(events[0]!.eventTime as Timestamp),
      closed,
    });
  });
  return out;
}

export interface HistoryFigures {
  endedPerSession?: { n: number; bytes: number; events: number; lifeS: number };
  running?: { n: number; bytes: number; events: number; lifeS: number };
  /** What an idle running session adds per hour once started, from the events after its start-up. */
  idleGrowthPerHour?: { bytes: number; events: number; observedS: number };
  /** A session that lives one hour: its whole-life cost (ended sessions) plus an hour of idle growth. */
  perSessionHour?: { bytes: number; events: number };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function historyFigures(h: HistoryResult): HistoryFigures {
  const f: HistoryFigures = {};
  const summary = (xs: HistorySample[]) => ({
    n: xs.length,
    bytes: mean(xs.map((x) => x.bytes)),
    events: mean(xs.map((x) => x.events)),
    lifeS: mean(xs.map((x) => x.lifeMs / 1000)),
  });
  if (h.ended.length) f.endedPerSession = summary(h.ended);
  if (h.running.length) f.running = summary(h.running);
  const settled = h.running.filter((x) => x.later.spanMs > 0);
  const spanH = sum(settled.map((x) => x.later.spanMs)) / 3_600_000;
  if (spanH > 0) {
    f.idleGrowthPerHour = {
      bytes: sum(settled.map((x) => x.later.bytes)) / spanH,
      events: sum(settled.map((x) => x.later.events)) / spanH,
      observedS: (spanH * 3600) / settled.length,
    };
  }
  if (f.endedPerSession && f.idleGrowthPerHour) {
    f.perSessionHour = {
      bytes: f.endedPerSession.bytes + f.idleGrowthPerHour.bytes,
      events: f.endedPerSession.events + f.idleGrowthPerHour.events,
    };
  }
  return f;
}
