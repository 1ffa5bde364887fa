/**
 * The proofs of the event-driven core, on the real stack: a create never queries the workflow,
 * and many event streams on one session share one upstream feed. (No watch per session: ./no-watch-per-
 * session.test.ts.)
 */
import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
} from '@temporalio/client';
import { createParser } from 'eventsource-parser';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/api/app.js';
import { ApiKeyStore, loadApiKeys } from '../../src/api/auth.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { createDataConverter } from '../../src/temporal/codec.js';
import { temporalConnectionOptions, withTransportDefaults } from '../../src/temporal/connection-options.js';
import { deleteSessionsWaiting, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { eventually } from '../support/wait.js';

let h: ApiHarness;
const created: string[] = [];

beforeAll(async () => {
  // One key follows a session with 10 streams; an idle stream's keep-alive comes every second.
  h = await startApiHarness({ API_MAX_EVENT_STREAMS_PER_KEY: '20', API_SSE_KEEPALIVE_SECONDS: '1' });
}, 120_000);

afterAll(async () => {
  await deleteSessionsWaiting(h, created.splice(0));
  await h?.close();
}, 600_000);

const as = (key: string) => ({ Authorization: `Bearer ${key}` });

/** The value of an unlabelled series in Prometheus text, or undefined when absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('a create makes no query calls', () => {
  type Interceptor = NonNullable<ConnectionOptions['interceptors']>[number];
  const calls = new Map<string, number>();
  /** Counts every gRPC call the API's client makes, by method (the last segment of its path). */
  const counting: Interceptor = (options, nextCall) => {
    const method = String(options.method_definition.path).split('/').pop() ?? '';
    calls.set(method, (calls.get(method) ?? 0) + 1);
    // grpc-js chains whatever the next interceptor returns; its type names the concrete class only.
    return nextCall(options) as ReturnType<Interceptor>;
  };
  let client: Client;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    const connection = await Connection.connect({
      ...temporalConnectionOptions(withTransportDefaults(h.config)),
      interceptors: [counting, makeGrpcRetryInterceptor(defaultGrpcRetryOptions())],
    });
    client = new Client({
      connection,
      namespace: h.config.temporalNamespace,
      dataConverter: createDataConverter(h.config),
    });
    app = createApp({
      config: h.config,
      client,
      kube: h.kube,
      keys: new ApiKeyStore(loadApiKeys(h.keysFile)),
      logger: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await client?.connection.close();
  });

  test('a create with wait reaches running without a single QueryWorkflow', async () => {
    calls.clear();
    const res = await request(app).post('/api/v1/sessions').set(as(h.keys.alice)).send({ config: {} });
    if (typeof res.body?.session_id === 'string') created.push(res.body.session_id);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('running');
    // The interceptor sees the calls, so a zero below is not a blind counter.
    expect(calls.get('ExecuteMultiOperation')).toBeGreaterThanOrEqual(1);
    expect(calls.get('QueryWorkflow') ?? 0).toBe(0);
  });

  test('a create with ?wait=false answers 202 without a single QueryWorkflow', async () => {
    calls.clear();
    const res = await request(app).post('/api/v1/sessions?wait=false').set(as(h.keys.alice)).send({ config: {} });
    if (typeof res.body?.session_id === 'string') created.push(res.body.session_id);
    expect(res.status).toBe(202);
    expect(calls.size).toBeGreaterThan(0);
    expect(calls.get('QueryWorkflow') ?? 0).toBe(0);
  });
});

/** Creates a session as bob and waits until it runs; returns its id (deleted after the suite). */
async function createRunningSession(): Promise<string> {
  const res = await request(h.app).post('/api/v1/sessions').set(as(h.keys.bob)).send({ config: {} });
  if (typeof res.body?.session_id === 'string') created.push(res.body.session_id);
  expect(res.status).toBe(201);
  return res.body.session_id;
}

/**
 * Runs `use` with the API listening on a free local port (streams need a real socket), then stops the
 * streams (`stop`, first, so their readers end quietly) and closes the server.
 */
async function onPort(stop: AbortController, use: (port: number) => Promise<void>): Promise<void> {
  const server = h.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await use((server.address() as { port: number }).port);
  } finally {
    stop.abort();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Reads the session's event stream as bob, pushing each event's name (and each comment, to `comments`),
 * until `signal` aborts.
 */
async function readStream(
  port: number,
  id: string,
  events: string[],
  signal: AbortSignal,
  comments: string[] = [],
): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/sessions/${id}/events`, {
    headers: as(h.keys.bob),
    signal,
  });
  expect(response.status).toBe(200);
  const parser = createParser({
    onEvent: (e) => events.push(e.event ?? 'message'),
    onComment: (c) => comments.push(c.trim()),
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

/** The ids of the updates the session's workflow has accepted, in history order. */
async function acceptedUpdateIds(id: string): Promise<string[]> {
  const history = await h.client.workflow.getHandle(sessionWorkflowId(id)).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
    return accepted ? [accepted.acceptedRequest?.meta?.updateId ?? ''] : [];
  });
}

describe('an idle event stream', () => {
  test('gets a keep-alive comment every API_SSE_KEEPALIVE_SECONDS and nothing else', async () => {
    const id = await createRunningSession();
    const stop = new AbortController();
    const events: string[] = [];
    const comments: string[] = [];
    await onPort(stop, async (port) => {
      const reader = readStream(port, id, events, stop.signal, comments);
      await eventually('the stream to replay `running`', async () => (events.includes('running') ? true : undefined));
      const replayed = events.length;
      // The default (30 s) would send none within this wait's 10 s.
      await eventually('two keep-alive comments', async () => (comments.length >= 2 ? true : undefined), {
        timeoutMs: 10_000,
      });
      expect(new Set(comments)).toEqual(new Set(['keep-alive']));
      expect(events.slice(replayed)).toEqual([]);
      stop.abort();
      await reader;
    });
  });
});

describe('event streams share one upstream per session', () => {
  test('a stream reads what happened so far without a workflow task: only its parked long poll reaches the history', async () => {
    const id = await createRunningSession();
    const before = await acceptedUpdateIds(id);
    const stop = new AbortController();
    const events: string[] = [];
    await onPort(stop, async (port) => {
      const reader = readStream(port, id, events, stop.signal);
      await eventually('the stream to replay `running`', async () => (events.includes('running') ? true : undefined));
      await eventually('the feed to park its long poll', async () =>
        (await acceptedUpdateIds(id)).length > before.length ? true : undefined,
      );
      // The backlog came from a query (no event); an update asking for it would be in the history too.
      expect((await acceptedUpdateIds(id)).slice(before.length)).toEqual([expect.stringMatching(/^events-after-\d+$/)]);
      stop.abort();
      await reader;
    });
  });

  test('10 streams on one session open one feed, and every stream gets the next step', async () => {
    const STREAMS = 10;
    const id = await createRunningSession();
    const metrics = async (): Promise<string> =>
      (await request(h.app).get('/metrics').set(as(h.keys.readOnly)).expect(200)).text;
    expect(sample(await metrics(), 'session_event_feeds')).toBe(0);

    const stop = new AbortController();
    const seen: string[][] = Array.from({ length: STREAMS }, () => []);
    await onPort(stop, async (port) => {
      const readers = seen.map((events) => readStream(port, id, events, stop.signal));
      // Every stream has replayed the start, so every stream is subscribed.
      await eventually('every stream to replay `running`', async () =>
        seen.every((events) => events.includes('running')) ? true : undefined,
      );
      const before = await metrics();
      expect(sample(before, 'session_event_feeds')).toBe(1);
      const callsBefore = sample(before, 'session_event_upstream_calls_total')!;

      const extended = await request(h.app).post(`/api/v1/sessions/${id}/extend`).set(as(h.keys.bob)).send({
        minutes: 5,
      });
      expect(extended.status).toBe(200);
      await eventually('every stream to get `extended`', async () =>
        seen.every((events) => events.includes('extended')) ? true : undefined,
      );
      const after = await metrics();
      expect(sample(after, 'session_event_feeds')).toBe(1);
      // The step reached 10 streams through one answered update (and the next one parked): a feed per
      // stream would have sent at least one per stream.
      expect(sample(after, 'session_event_upstream_calls_total')! - callsBefore).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'session_event_upstream_calls_total')! - callsBefore).toBeLessThanOrEqual(2);

      stop.abort();
      await Promise.all(readers);
      // The last stream gone, the feed and its parked long poll go too.
      await eventually('the feed to be released', async () =>
        sample(await metrics(), 'session_event_feeds') === 0 ? true : undefined,
      );
    });
  });
});
