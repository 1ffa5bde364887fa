/**
 * The proofs of the event-driven core (issue 7), on the real stack: a create never queries the workflow,
 * many event streams on one session share one upstream feed, and starting many sessions opens no watch
 * per session on the apiserver.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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
import { SESSION_POD_SELECTOR, USER_LABEL } from '../../src/k8s/labels.js';
import { createDataConverter } from '../../src/temporal/codec.js';
import { temporalConnectionOptions, withTransportDefaults } from '../../src/temporal/connection-options.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { settledObjects } from '../support/cluster.js';
import { stackEnv } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const run = promisify(execFile);
const MANY = 50;
const PER_USER = MANY / 2;

let h: ApiHarness;
const created: string[] = [];

beforeAll(async () => {
  // The 50 starts are split over two users, each allowed all of theirs; one key follows with 10 streams.
  h = await startApiHarness({ API_MAX_SESSIONS_PER_USER: String(PER_USER + 5), API_MAX_EVENT_STREAMS_PER_KEY: '20' });
}, 120_000);

afterAll(async () => {
  await deleteAll(created.splice(0));
  await h?.close();
}, 600_000);

const as = (key: string) => ({ Authorization: `Bearer ${key}` });

async function deleteAll(ids: string[]): Promise<void> {
  // A few at a time: the worker and the apiserver share two cores with the other tests.
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids.slice(i, i + 10).map(async (id) => {
        const res = await request(h.app).delete(`/api/v1/sessions/${id}?wait=true`).set(as(h.keys.admin));
        expect(res.status).toBe(200);
        expect(res.body.status).toBe('terminated');
      }),
    );
  }
}

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

describe('event streams share one upstream per session', () => {
  test('10 streams on one session open one feed, and every stream gets the next step', async () => {
    const STREAMS = 10;
    const res = await request(h.app).post('/api/v1/sessions').set(as(h.keys.bob)).send({ config: {} });
    if (typeof res.body?.session_id === 'string') created.push(res.body.session_id);
    expect(res.status).toBe(201);
    const id: string = res.body.session_id;
    const metrics = async (): Promise<string> =>
      (await request(h.app).get('/metrics').set(as(h.keys.readOnly)).expect(200)).text;
    expect(sample(await metrics(), 'session_event_feeds')).toBe(0);

    const server = h.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const stop = new AbortController();
    const seen: string[][] = Array.from({ length: STREAMS }, () => []);
    try {
      const readers = seen.map(async (events) => {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/sessions/${id}/events`, {
          headers: as(h.keys.bob),
          signal: stop.signal,
        });
        expect(response.status).toBe(200);
        const parser = createParser({ onEvent: (e) => events.push(e.event ?? 'message') });
        const decoder = new TextDecoder();
        try {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            parser.feed(decoder.decode(chunk, { stream: true }));
          }
        } catch (err) {
          if (!stop.signal.aborted) throw err;
        }
      });
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
    } finally {
      stop.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('no watch per session', () => {
  /** Open WATCH requests on the apiserver, all resources and clients summed (its own /metrics). */
  async function openWatches(): Promise<number> {
    const { stdout } = await run(
      stackEnv().STACK_KUBECTL,
      ['--kubeconfig', stackEnv().KUBECONFIG, 'get', '--raw', '/metrics'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    let total = 0;
    for (const line of stdout.split('\n')) {
      if (line.startsWith('apiserver_longrunning_requests{') && line.includes('verb="WATCH"')) {
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  test(`starting ${MANY} sessions opens no watch per session`, async () => {
    // Settle first: the worker's informers (one pod and one node watch) are open once it is ready, but a
    // sample taken while a controller re-opens an expired watch can read one low; take the highest of a few.
    let baseline = 0;
    for (let i = 0; i < 5; i += 1) {
      baseline = Math.max(baseline, await openWatches());
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(baseline).toBeGreaterThan(0);

    let highest = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) highest = Math.max(highest, await openWatches());
    })();

    const users = [
      { key: h.keys.alice, user: h.users.alice },
      { key: h.keys.bob, user: h.users.bob },
    ];
    const ids: string[] = [];
    try {
      const answers = await Promise.all(
        Array.from({ length: MANY }, (_, i) =>
          request(h.app)
            .post('/api/v1/sessions?wait=false')
            .set(as(users[i % 2]!.key))
            .send({ config: {} }),
        ),
      );
      for (const res of answers) {
        if (typeof res.body?.session_id === 'string') ids.push(res.body.session_id);
      }
      created.push(...ids);
      expect(answers.map((r) => r.status)).toEqual(Array.from({ length: MANY }, () => 202));
      // Sample through the whole start: until every session's pod is ready and its workflow running.
      const running = `WorkflowType = 'sessionWorkflow' AND ExecutionStatus = 'Running' AND SessionStatus = 'running' AND SessionUser IN ('${h.users.alice}', '${h.users.bob}')`;
      await eventually(
        `all ${MANY} sessions to be running`,
        async () => ((await h.client.workflow.count(running)).count >= MANY ? true : undefined),
        { timeoutMs: 300_000, intervalMs: 1000 },
      );
    } finally {
      sampling = false;
      await sampler;
    }
    // The slack of 2 is the stack's own churn, not ours: kube-controller-manager and the scheduler re-open
    // watches as they expire (a re-open can overlap the old one for a moment). One watch per session
    // would add up to 50.
    expect(highest).toBeLessThanOrEqual(baseline + 2);

    await deleteAll(ids);
    created.splice(0, created.length, ...created.filter((id) => !ids.includes(id)));
    const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
    for (const { user } of users) {
      const pods = await h.kube.core.listNamespacedPod({
        namespace,
        labelSelector: `${SESSION_POD_SELECTOR},${USER_LABEL}=${user}`,
      });
      expect(pods.items.filter((p) => ids.includes(p.metadata?.labels?.['session-id'] ?? ''))).toEqual([]);
    }
    expect(await settledObjects(ids[0]!, [])).toEqual([]);
  }, 900_000);
});
