/**
 * `sessionctl create` follows the start over the event stream. The API ends a stream with an `error`
 * event ("reconnect with Last-Event-ID") when its upstream call fails; the CLI must resume where it was,
 * not report a session that is still starting as one that did not start. The real binary runs against a
 * stand-in API server whose stream is interrupted on purpose.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionBody } from '../../src/api/schemas.js';
import { runSessionctl } from '../support/sessionctl.js';

const session = (status: SessionBody['status']): SessionBody => ({
  session_id: 's1',
  user: 'alice',
  status,
  url: null,
  pod_name: status === 'running' ? 'agentapi-session-alice-s1' : null,
  service_name: null,
  node_name: null,
  created_at: '2026-12-05T09:00:00.000Z',
  expires_at: '2026-12-05T11:00:00.000Z',
  max_expires_at: null,
  ended_at: null,
  end_reason: null,
  restarts: 0,
  phases: status === 'running' ? { running: '2026-12-05T09:00:02.000Z' } : {},
  last_error: null,
  pvc_name: null,
  pvc_retained: null,
  start: 'cold',
});

/** A step as the API sends it: the session's event (seq, type, at) with the session's id. */
const step = (seq: number, type: string) =>
  `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ session_id: 's1', seq, type, at: '2026-12-05T09:00:01.000Z' })}\n\n`;
const interrupted = `event: error\ndata: ${JSON.stringify({ message: 'event stream interrupted; reconnect with Last-Event-ID' })}\n\n`;

/** What one connection to the event stream gets, by its number; the stream ends after it. */
let streams: ((req: IncomingMessage) => { status: number; body: string })[];
let connections: { lastEventId: string | undefined }[];
let current: SessionBody['status'];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.method === 'POST' && req.url === '/api/v1/sessions?wait=false') {
      res.writeHead(202, { 'Content-Type': 'application/json' }).end(JSON.stringify(session('creating')));
    } else if (req.url === '/api/v1/sessions/s1/events') {
      connections.push({ lastEventId: req.headers['last-event-id'] as string | undefined });
      const answer = streams[connections.length - 1]?.(req) ?? { status: 200, body: 'retry: 20\n\n' + interrupted };
      const type = answer.status === 200 ? 'text/event-stream' : 'application/json';
      res.writeHead(answer.status, { 'Content-Type': type }).end(answer.body);
    } else if (req.url === '/api/v1/sessions/s1') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(session(current)));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  connections = [];
  current = 'creating';
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const create = () =>
  runSessionctl(['create', '--progress', 'always'], { SESSIONCTL_URL: url, SESSIONCTL_API_KEY: 'k' }, 60_000);

test('an interrupted stream is resumed after the last step it delivered, and the create ends running', async () => {
  streams = [
    () => ({ status: 200, body: 'retry: 20\n\n' + step(1, 'secrets_created') + step(2, 'pod_created') + interrupted }),
    () => {
      current = 'running';
      return {
        status: 200,
        body:
          step(3, 'pod_ready') + step(4, 'running') + `event: status\ndata: {"session_id":"s1","status":"running"}\n\n`,
      };
    },
  ];
  const run = await create();
  expect([run.code, run.code === 0 ? '' : run.stderr]).toEqual([0, '']);
  expect(run.stdout).toMatch(/^status\s+running$/m);
  expect(run.stderr).toMatch(/100% \| running/);
  expect(connections).toEqual([{ lastEventId: undefined }, { lastEventId: '2' }]);
});

test('a stream that keeps failing without a new step is given up, and the create fails naming the status', async () => {
  streams = [];
  const run = await create();
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('did not start: creating');
  // The first connection and five reconnects without progress.
  expect(connections).toHaveLength(6);
});

test('a refusal of the stream is the answer, not a reason to reconnect', async () => {
  streams = [
    () => ({ status: 404, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such session' } }) }),
  ];
  const run = await create();
  expect(run.code).toBe(3);
  expect(run.stderr).toContain('NOT_FOUND');
  expect(connections).toHaveLength(1);
});
