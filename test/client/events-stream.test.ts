/**
 * How the client follows a session's events stream when the server misbehaves in ways the real API does
 * not on demand: a server that replays what was already delivered, one that answers 503 with Retry-After,
 * one whose stream never progresses, and one that sends what is not an event. A stand-in server on a real
 * port answers each connection from a script.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EventStreamInterruptedError,
  SessionApiError,
  SessionClient,
  UnexpectedAnswerError,
  type SessionEvent,
} from '../../packages/client/src/index.js';

type Answer = { status: number; headers?: Record<string, string>; body: string };
let script: ((req: IncomingMessage) => Answer)[];
let lastEventIds: (string | undefined)[];
let server: Server;
let client: SessionClient;

const step = (seq: number, type: string) =>
  `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ session_id: 's1', seq, type, at: '2026-12-05T09:00:00.000Z' })}\n\n`;
const status = (value: string) => `event: status\ndata: ${JSON.stringify({ session_id: 's1', status: value })}\n\n`;
const interrupted = `event: error\ndata: ${JSON.stringify({ message: 'event stream interrupted; reconnect with Last-Event-ID' })}\n\n`;
const end = `event: end\ndata: {"session_id":"s1"}\n\n`;
const sse = (body: string): Answer => ({
  status: 200,
  headers: { 'Content-Type': 'text/event-stream' },
  body: `retry: 10\n\n${body}`,
});

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    lastEventIds.push(req.headers['last-event-id'] as string | undefined);
    const answer = script[lastEventIds.length - 1]?.(req) ?? sse(interrupted);
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new SessionClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'k' });
});

beforeEach(() => {
  lastEventIds = [];
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function follow(options: Parameters<SessionClient['events']>[1] = {}): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  for await (const event of client.events('s1', options)) events.push(event);
  return events;
}

test('steps a server replays after a reconnect are delivered once, and a status only when it changes', async () => {
  script = [
    () => sse(step(1, 'secrets_created') + status('creating') + step(2, 'pod_created') + interrupted),
    // Everything again from the start, as a server that ignored Last-Event-ID would send it.
    () =>
      sse(
        step(1, 'secrets_created') +
          step(2, 'pod_created') +
          status('creating') +
          step(3, 'running') +
          status('running') +
          end,
      ),
  ];
  const events = await follow();
  expect(events).toEqual([
    { kind: 'step', id: '1', seq: 1, type: 'secrets_created', at: '2026-12-05T09:00:00.000Z' },
    { kind: 'status', status: 'creating' },
    { kind: 'step', id: '2', seq: 2, type: 'pod_created', at: '2026-12-05T09:00:00.000Z' },
    { kind: 'step', id: '3', seq: 3, type: 'running', at: '2026-12-05T09:00:00.000Z' },
    { kind: 'status', status: 'running' },
  ]);
  expect(lastEventIds).toEqual([undefined, '2']);
});

test('a 503 is retried after its Retry-After, and the reconnect is told why', async () => {
  const unavailable = { error: { code: 'TEMPORAL_UNAVAILABLE', message: 'Temporal did not answer in time; retry' } };
  script = [
    () => ({ status: 503, headers: { 'Retry-After': '1' }, body: JSON.stringify(unavailable) }),
    () => sse(step(1, 'running') + status('running') + end),
  ];
  const causes: unknown[] = [];
  const events = await follow({ onReconnect: ({ cause }) => causes.push(cause) });
  expect(events.map((e) => (e.kind === 'step' ? e.type : e.status))).toEqual(['running', 'running']);
  expect(causes).toHaveLength(1);
  expect(causes[0]).toBeInstanceOf(SessionApiError);
  expect(causes[0]).toMatchObject({ status: 503, code: 'TEMPORAL_UNAVAILABLE', retryAfterSeconds: 1 });
});

test('a stream that keeps failing without a new step is given up, with where to resume', async () => {
  script = [() => sse(step(4, 'pod_ready') + interrupted)];
  const err = await follow({ maxReconnectsWithoutProgress: 2 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(EventStreamInterruptedError);
  expect(err).toMatchObject({ sessionId: 's1', lastEventId: '4', attempts: 3 });
  expect(lastEventIds).toEqual([undefined, '4', '4', '4']);
});

test('a refusal is thrown at once, without reconnecting', async () => {
  script = [
    () => ({ status: 404, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such session' } }) }),
  ];
  await expect(follow()).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  expect(lastEventIds).toHaveLength(1);
});

test('an event whose data is not what the API sends is an UnexpectedAnswerError, not a skipped step', async () => {
  script = [() => sse(`id: 1\nevent: pod_created\ndata: {"seq":"one"}\n\n`)];
  await expect(follow()).rejects.toBeInstanceOf(UnexpectedAnswerError);
});
