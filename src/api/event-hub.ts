/**
 * Lifecycle events pushed to followers (SSE streams), shared per process: every stream on one session
 * reads from one feed, and a feed has at most one upstream call in flight — the state query that starts
 * it, then a `waitForEvents` update that the workflow completes when it records a new event. An idle
 * session therefore costs one parked long poll, and no workflow task, however many streams follow it.
 *
 * The update id is derived from the sequence number waited after (`events-after-<seq>`), so feeds of
 * other API replicas on the same session join the same in-flight update instead of adding their own:
 * the workflow's in-flight update limit is not spent per follower.
 */
import { WorkflowFailedError, WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import type { SessionEvent, SessionState } from '../../workflows/contract/spec.js';
import { isEnded, sessionWorkflowId } from '../../workflows/contract/spec.js';
import { isUnansweredNow, isUpdateTimeout } from './workflow-errors.js';
import {
  eventsUpdateId,
  getSessionStateQuery,
  waitForEventsUpdate,
} from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';

/** The first call of a feed may wait this long for a worker; a stream then fails like any unanswered read. */
const FIRST_CALL_TIMEOUT_MS = 10_000;
const EVENTS_KEPT = 200;
/**
 * A waiting call whose update the workflow did not accept in time (its worker busy or restarting) is
 * asked again, with the same update id so it joins what may already be in flight; after this many in a
 * row the stream fails with `error` and its client reconnects (Last-Event-ID).
 */
const UPDATE_TIMEOUTS_IN_A_ROW = 3;

export interface FeedItem {
  state: SessionState;
  event?: SessionEvent;
}

/** Counters a test or a metric reads: how many feeds exist and how many upstream calls were made. */
export interface HubStats {
  feeds: number;
  upstreamCalls: number;
}

class Feed {
  state: SessionState | undefined;
  events: SessionEvent[] = [];
  ended = false;
  error: unknown;
  subscribers = 0;
  private wakers = new Set<() => void>();
  private readonly abort = new AbortController();
  readonly firstAnswer: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly sessionId: string,
    private readonly countCall: () => void,
    private readonly onIdle: () => void,
  ) {
    this.firstAnswer = this.run();
    this.firstAnswer.catch(() => undefined);
  }

  /** Resolves at the next change (new events, end, error). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.wakers.add(resolve));
  }

  release(): void {
    this.subscribers -= 1;
    if (this.subscribers === 0) {
      this.abort.abort();
      this.onIdle();
    }
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = new Set();
    for (const wake of wakers) wake();
  }

  private merge(state: SessionState): void {
    const last = this.events.at(-1)?.seq ?? 0;
    this.events.push(...state.events.filter((e) => e.seq > last));
    if (this.events.length > EVENTS_KEPT) this.events.splice(0, this.events.length - EVENTS_KEPT);
    this.state = { ...state, events: [] };
    this.wake();
  }

  private async run(): Promise<void> {
    const handle = this.client.workflow.getHandle<typeof sessionWorkflow>(sessionWorkflowId(this.sessionId));
    const connection = this.client.connection;
    try {
      // First call: everything so far, by a query. It is as consistent as an update (the server holds a
      // query behind a workflow task in progress, and behind the first one of a workflow just started) but
      // writes nothing: an update would add a workflow task and its events to the history of every session
      // a stream starts following.
      this.countCall();
      const first = await connection.withDeadline(Date.now() + FIRST_CALL_TIMEOUT_MS, () =>
        handle.query(getSessionStateQuery),
      );
      this.merge(first);
      let timeoutsInARow = 0;
      while (!this.abort.signal.aborted && this.state && !isEnded(this.state.status)) {
        const afterSeq = this.events.at(-1)?.seq ?? 0;
        this.countCall();
        let next: SessionState;
        try {
          next = await connection.withAbortSignal(this.abort.signal, () =>
            handle.executeUpdate(waitForEventsUpdate, { args: [{ afterSeq }], updateId: eventsUpdateId(afterSeq) }),
          );
        } catch (err) {
          if (this.abort.signal.aborted || !isUpdateTimeout(err) || ++timeoutsInARow >= UPDATE_TIMEOUTS_IN_A_ROW) {
            throw err;
          }
          continue;
        }
        timeoutsInARow = 0;
        this.merge(next);
      }
      if (this.state && isEnded(this.state.status) && !this.abort.signal.aborted) {
        // The last steps (e.g. `terminated` after cleanup) come with the workflow's result.
        // Bounded: a worker lost between the last event and the workflow's close would hold the stream open.
        const final = await connection
          .withDeadline(Date.now() + FIRST_CALL_TIMEOUT_MS, () => handle.result())
          .catch((err: unknown) => {
            if (err instanceof WorkflowFailedError || isUnansweredNow(err)) return undefined;
            throw err;
          });
        if (final) this.merge(final);
      }
    } catch (err) {
      if (!this.abort.signal.aborted) {
        if (isClosed(err)) {
          // The session ended before (or while) we asked: its final state is its result or its query.
          const final = await connection
            .withDeadline(Date.now() + FIRST_CALL_TIMEOUT_MS, () => handle.result())
            .catch(() =>
              connection.withDeadline(Date.now() + FIRST_CALL_TIMEOUT_MS, () => handle.query(getSessionStateQuery)),
            )
            .catch(() => undefined);
          if (final) this.merge(final);
          if (!this.state) this.error = err;
        } else {
          this.error = err;
        }
      }
    } finally {
      this.ended = true;
      this.wake();
    }
  }
}

export class SessionEventHub {
  private readonly feeds = new Map<string, Feed>();
  private upstreamCalls = 0;

  constructor(private readonly client: Client) {}

  stats(): HubStats {
    return { feeds: this.feeds.size, upstreamCalls: this.upstreamCalls };
  }

  /**
   * The session's events after `afterSeq` and each status change, until the session has ended or `signal`
   * aborts. Throws (before yielding anything) what the first upstream call threw.
   */
  async *follow(sessionId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<FeedItem> {
    let feed = this.feeds.get(sessionId);
    // A feed that failed is not joined: a new follower gets a fresh upstream (the failed one's followers
    // are being told to reconnect).
    if (!feed || (feed.ended && feed.error !== undefined)) {
      const created: Feed = new Feed(
        this.client,
        sessionId,
        () => (this.upstreamCalls += 1),
        () => {
          if (this.feeds.get(sessionId) === created) this.feeds.delete(sessionId);
        },
      );
      feed = created;
      this.feeds.set(sessionId, feed);
    }
    feed.subscribers += 1;
    const onAbort = (): void => undefined;
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let last = afterSeq;
      let lastStatus: string | undefined;
      for (;;) {
        const changed = feed.changed();
        if (feed.error !== undefined && !feed.state) throw feed.error;
        for (const event of feed.events) {
          if (event.seq > last) {
            last = event.seq;
            yield { state: feed.state!, event };
          }
        }
        if (feed.state && feed.state.status !== lastStatus) {
          lastStatus = feed.state.status;
          yield { state: feed.state };
        }
        if (signal.aborted) return;
        if (feed.ended) {
          // `end` tells a client the session is over; a feed that failed while it still runs must not say
          // that, so the stream fails instead (`error`: reconnect with Last-Event-ID).
          if (feed.error !== undefined && !(feed.state && isEnded(feed.state.status))) throw feed.error;
          return;
        }
        await Promise.race([changed, aborted(signal)]);
        if (signal.aborted) return;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      feed.release();
    }
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function isClosed(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  // An update to a closed workflow: NOT_FOUND "workflow execution already completed".
  return isGrpcServiceError(err) && err.code === 5;
}
