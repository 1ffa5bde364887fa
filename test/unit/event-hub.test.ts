/**
 * The event hub's feed against a Temporal client stubbed at its boundary (the handle's query and update
 * calls): what a follower sees when the upstream update is not accepted in time, once or for good.
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { SessionEventHub, type FeedItem } from '../../src/api/event-hub.js';
import type { SessionEvent, SessionState } from '../../workflows/contract/spec.js';

const at = '2026-12-04T07:00:00.000Z';

function state(status: SessionState['status'], events: SessionEvent[]): SessionState {
  return {
    sessionId: 'abc123',
    user: 'alice@example.com',
    namespace: 'sessions',
    status,
    url: 'http://session',
    podName: 'pod',
    serviceName: 'svc',
    createdAt: at,
    maxExpiresAt: at,
    restartCount: 0,
    phases: {},
    events,
  };
}

const event = (seq: number, type: string): SessionEvent => ({ seq, type, at });

/**
 * Answers each upstream call (the feed's first state query, then its waitForEvents updates) with the next
 * scripted outcome, recording `query` or the update id; once the script is spent a call waits until aborted.
 */
function scriptedClient(outcomes: Array<SessionState | Error>): { client: Client; calls: string[] } {
  const calls: string[] = [];
  const answer = (call: string) => {
    calls.push(call);
    const next = outcomes.shift();
    if (next === undefined) return new Promise(() => undefined);
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  const handle = {
    executeUpdate: (_def: unknown, options: { updateId: string }) => answer(options.updateId),
    query: () => answer('query'),
    result: () => Promise.reject(new Error('not ended')),
  };
  const client = {
    workflow: { getHandle: () => handle },
    connection: {
      withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
      withAbortSignal: <T>(_signal: AbortSignal, fn: () => Promise<T>) => fn(),
    },
  } as unknown as Client;
  return { client, calls };
}

const notAccepted = () => new WorkflowUpdateRPCTimeoutOrCancelledError('Timed out waiting for update to be accepted');

/** Reads items until `last` matches one, then stops following; returns them and whether the follow threw. */
async function take(
  hub: SessionEventHub,
  last: (item: FeedItem) => boolean,
): Promise<{ items: FeedItem[]; error?: unknown }> {
  const stop = new AbortController();
  const items: FeedItem[] = [];
  try {
    for await (const item of hub.follow('abc123', 0, stop.signal)) {
      items.push(item);
      if (last(item)) stop.abort();
    }
  } catch (error) {
    return { items, error };
  }
  return { items };
}

const describeItem = (i: FeedItem) => (i.event ? `event ${i.event.type}` : `status ${i.state.status}`);

describe('a session event feed whose upstream update is not accepted in time', () => {
  test('asks again with the same update id and delivers the next step, without ending the stream', async () => {
    const { client, calls } = scriptedClient([
      state('creating', [event(1, 'creating')]),
      notAccepted(),
      state('running', [event(1, 'creating'), event(2, 'running')]),
    ]);
    const runningStatus = (i: FeedItem) => !i.event && i.state.status === 'running';
    const { items, error } = await take(new SessionEventHub(client), runningStatus);
    expect(error).toBeUndefined();
    // Statuses are coalesced (a follower sees the latest), every step is delivered once, in order.
    expect(items.filter((i) => i.event).map(describeItem)).toEqual(['event creating', 'event running']);
    expect(items.map(describeItem).at(-1)).toBe('status running');
    // The backlog by a query (no history event), then the timed-out call and its retry: the same update id,
    // so a call still in flight is joined, not doubled.
    expect(calls.slice(0, 3)).toEqual(['query', 'events-after-1', 'events-after-1']);
  });

  test('fails the stream (so its client reconnects) instead of ending it, when the session still runs', async () => {
    const { client } = scriptedClient([
      state('running', [event(1, 'running')]),
      notAccepted(),
      notAccepted(),
      notAccepted(),
    ]);
    const hub = new SessionEventHub(client);
    const { items, error } = await take(hub, () => false);
    expect(items.map(describeItem)).toEqual(['event running', 'status running']);
    expect(error).toBeInstanceOf(WorkflowUpdateRPCTimeoutOrCancelledError);
  });

  test('a follower arriving after a feed failed gets a fresh upstream, not the failed feed', async () => {
    const { client, calls } = scriptedClient([
      state('running', [event(1, 'running')]),
      new Error('upstream broke'),
      state('running', [event(1, 'running'), event(2, 'extended')]),
    ]);
    const hub = new SessionEventHub(client);
    const stop = new AbortController();
    const first = hub.follow('abc123', 0, stop.signal);
    await first.next();
    await first.next();
    await expect(first.next()).rejects.toThrow('upstream broke');
    const second = await take(hub, (i) => i.event?.type === 'extended');
    expect(second.items.map(describeItem)).toEqual(['event running', 'event extended', 'status running']);
    // The fresh feed starts from the state again, not from the failed feed's position.
    expect(calls).toEqual(['query', 'events-after-1', 'query', 'events-after-2']);
  });
});
