/**
 * The client library against the real stack: the API on a real port wired to Temporal and the cluster, an
 * in-process worker, KWOK's pod logs and exec, and a stand-in agent behind the proxy.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiUnreachableError,
  SessionApiError,
  SessionClient,
  START_STEPS,
  type SessionEvent,
  type SessionStepEvent,
  type StartProgress,
} from '../../packages/client/src/index.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { cuttingFetch } from '../support/cutting-fetch.js';
import { listenApi, type ListeningApi } from '../support/listening-api.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';

let h: ApiHarness;
let api: ListeningApi;
let client: SessionClient;
/** A running session the tests reach into (created by the first test). */
let id: string;
const created: string[] = [];

beforeAll(async () => {
  h = await startApiHarness();
  api = await listenApi(h);
  client = new SessionClient({ baseUrl: api.url, apiKey: h.keys.alice });
}, 120_000);

afterAll(async () => {
  const admin = new SessionClient({ baseUrl: api.url, apiKey: h.keys.admin });
  for (const session of created) await admin.deleteSession(session, { wait: 'true' }).catch(() => undefined);
  await api?.close();
  await h?.close();
});

const steps = (events: SessionEvent[]) =>
  events.filter((e): e is SessionStepEvent => e.kind === 'step').map((e) => `${e.seq} ${e.type}`);

describe('createAndWait', () => {
  test('reports each step of the start as it happens and returns the session running', async () => {
    const progress: StartProgress[] = [];
    const events: SessionEvent[] = [];
    const session = await client.createAndWait(
      { config: { timeout_minutes: 30 } },
      { onProgress: (p) => progress.push(p), onEvent: (e) => events.push(e) },
    );
    created.push(session.session_id);
    id = session.session_id;

    expect(session.status).toBe('running');
    expect(progress[0]).toEqual({ step: 'creating', done: 0, total: START_STEPS.length });
    expect(progress.at(-1)).toEqual({ step: 'running', done: START_STEPS.length, total: START_STEPS.length });
    const done = progress.map((p) => p.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // The start's steps arrive in their order, each once.
    const startSteps = events.flatMap((e) =>
      e.kind === 'step' && START_STEPS.includes(e.type as never) ? [e.type] : [],
    );
    expect(startSteps).toEqual(START_STEPS.filter((s) => startSteps.includes(s)));
    expect(startSteps).toEqual(expect.arrayContaining(['pod_created', 'pod_ready', 'running']));
    expect(events.at(-1)).toEqual({ kind: 'status', status: 'running' });
  });

  test('a stream cut mid-way resumes with Last-Event-ID and delivers every step once, in order', async () => {
    const cut = cuttingFetch();
    const cutClient = new SessionClient({ baseUrl: api.url, apiKey: h.keys.alice, fetch: cut.fetch });
    const events: SessionEvent[] = [];
    const reconnects: (string | undefined)[] = [];
    const session = await cutClient.createAndWait(
      { config: { timeout_minutes: 30 } },
      { onEvent: (e) => events.push(e), onReconnect: ({ lastEventId }) => reconnects.push(lastEventId) },
    );
    created.push(session.session_id);
    expect(session.status).toBe('running');

    // One cut, after one step; the second connection resumed right after it.
    expect(cut.cutAfterId()).toBeDefined();
    expect(reconnects).toEqual([cut.cutAfterId()]);
    expect(cut.lastEventIds.slice(0, 2)).toEqual([null, cut.cutAfterId()]);

    // Nothing lost or doubled: the same steps as one uninterrupted read of the stream from its start.
    const seen = steps(events);
    const last = events.filter((e): e is SessionStepEvent => e.kind === 'step').at(-1)!;
    // Steps after the cut arrived, on the resumed connection.
    expect(last.seq).toBeGreaterThan(Number(cut.cutAfterId()));
    const reference: SessionEvent[] = [];
    for await (const event of client.events(session.session_id)) {
      reference.push(event);
      if (event.kind === 'step' && event.seq >= last.seq) break;
    }
    expect(seen).toEqual(steps(reference));
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('errors', () => {
  test("a refusal is a SessionApiError with the API's code, status and request id", async () => {
    const missing = await client.getSession('no-such-session').catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(SessionApiError);
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND', requestId: expect.any(String) });

    const stranger = new SessionClient({ baseUrl: api.url, apiKey: 'not-a-key' });
    await expect(stranger.getSession(id)).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    // Someone else's session is as missing as one that does not exist.
    const bob = new SessionClient({ baseUrl: api.url, apiKey: h.keys.bob });
    await expect(bob.getSession(id)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  test('a validation error names each problem by its field', async () => {
    const err = await client.exec(id, { command: [] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    expect((err as SessionApiError).details.map((d) => d.path)).toContain('body.command');
  });

  test('a rate-limited call carries the Retry-After the API asked for', async () => {
    const limited = await listenApi(h, { API_RATE_LIMIT_RPS: '1', API_RATE_LIMIT_BURST: '1' });
    try {
      const limitedClient = new SessionClient({ baseUrl: limited.url, apiKey: h.keys.alice });
      const answers = await Promise.allSettled([1, 2, 3, 4].map(() => limitedClient.getSession(id)));
      const refusals = answers.flatMap((a) => (a.status === 'rejected' ? [a.reason as SessionApiError] : []));
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) {
        expect(refusal).toBeInstanceOf(SessionApiError);
        expect(refusal).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
        expect(refusal.retryAfterSeconds).toBeGreaterThan(0);
      }
    } finally {
      await limited.close();
    }
  });

  test('an API nothing listens on is ApiUnreachableError, not an answer', async () => {
    // A port that was just free: nothing listens on it any more.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = new SessionClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: h.keys.alice });
    const err = await nowhere.getSession(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnreachableError);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });
});

describe('reaching into the session', () => {
  test("exec returns the command's exit code and both outputs", async () => {
    const result = await client.exec(id, { command: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'] });
    expect(result).toEqual({
      exit_code: 3,
      stdout: 'to-out\n',
      stderr: 'to-err\n',
      stdout_truncated: false,
      stderr_truncated: false,
    });
  });

  test('logs follow yields each line as it is written', async () => {
    const prefix = `client-follow-${uniqueSuffix()}`;
    const logLine = (text: string) => `${new Date().toISOString()} stdout F ${text}\n`;
    // Lines keep being written until one arrives: the follow may start after the first was written.
    let written = 0;
    const writer = setInterval(
      () => appendFileSync(stackEnv().STACK_KWOK_LOGS_FILE, logLine(`${prefix}-${++written}`)),
      200,
    );
    const stop = new AbortController();
    const received: string[] = [];
    try {
      for await (const line of client.logs(id, { follow: true, tail: 0, signal: stop.signal })) {
        if (line.startsWith(prefix)) received.push(line);
        if (received.length === 2) break;
      }
    } finally {
      clearInterval(writer);
      stop.abort();
    }
    const [first, second] = received.map((line) => Number(line.slice(prefix.length + 1)));
    expect(received.map((line) => line.slice(0, prefix.length + 1))).toEqual([`${prefix}-`, `${prefix}-`]);
    expect(second).toBe(first! + 1);
  });

  test('logs without follow end with the last lines of the log', async () => {
    const marker = `client-tail-${uniqueSuffix()}`;
    appendFileSync(stackEnv().STACK_KWOK_LOGS_FILE, `${new Date().toISOString()} stdout F ${marker}\n`);
    const lines: string[] = [];
    for await (const line of client.logs(id, { tail: 3 })) lines.push(line);
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines).toContain(marker);
  });

  test("proxyFetch reaches the session's agent with the client's key, which the agent never sees", async () => {
    const res = await client.proxyFetch(id, '/status');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'stable' });
    const forwarded = api.agent.requests.findLast((r) => r.url === '/status');
    expect(forwarded?.headers.authorization).toBeUndefined();
    expect(client.proxyUrl(id, '/status')).toBe(`${api.url}/api/v1/sessions/${id}/proxy/status`);
  });
});

describe('a session that ends', () => {
  test('its events stream ends by itself once the session has ended', async () => {
    const ended = await client.deleteSession(id, { wait: 'true' });
    expect(ended.status).toBe('terminated');
    const events: SessionEvent[] = [];
    for await (const event of client.events(id)) events.push(event);
    // The loop above ended without a break: the stream closed itself after the end.
    expect(events).toContainEqual({ kind: 'status', status: 'terminated' });
    expect(steps(events).some((s) => s.endsWith(' terminated'))).toBe(true);
  });

  test('reaching into it afterwards is a SESSION_ENDED conflict', async () => {
    await expect(client.exec(id, { command: ['true'] })).rejects.toMatchObject({ status: 409, code: 'SESSION_ENDED' });
  });
});
