/**
 * One key cannot hold the API's long-lived requests: execs, log follows, proxied requests and WebSocket
 * tunnels are capped per key (429 RATE_LIMITED with Retry-After) while another key still gets in, and
 * a slot comes back when its request ends. Unauthenticated routes are limited per client address, and
 * /ready answers from a short cache without internal error text.
 */
import request from 'supertest';
import WebSocket from 'ws';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { eventually } from '../support/wait.js';
import { bearer, startLiveApi, type LiveApi } from './live-api.js';

let h: ApiHarness;
let agent: AgentServer;
let api: LiveApi;
let id: string;
let bobSession: string;

beforeAll(async () => {
  h = await startApiHarness();
  agent = await startAgentServer();
  api = await startLiveApi(h, {
    AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agent.url,
    API_MAX_EXECS_PER_KEY: '1',
    API_MAX_LOG_FOLLOWS_PER_KEY: '1',
    API_MAX_PROXY_REQUESTS_PER_KEY: '1',
    API_MAX_TUNNELS_PER_KEY: '1',
  });
  id = await api.createSession(h.keys.alice);
  bobSession = await api.createSession(h.keys.bob);
}, 180_000);

afterAll(async () => {
  await api?.deleteSessions(h.keys.admin, [id, bobSession]);
  await api?.close();
  await agent?.close();
  await h?.close();
});

function expectLimited(res: { status: number; headers: Headers | Record<string, string> }, body: unknown): void {
  const retryAfter = res.headers instanceof Headers ? res.headers.get('retry-after') : res.headers['retry-after'];
  expect({ status: res.status, code: (body as { error?: { code?: string } }).error?.code }).toEqual({
    status: 429,
    code: 'RATE_LIMITED',
  });
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
}

/** Opens a streaming GET and returns once its headers arrived; `stop` ends it. */
async function openStream(path: string, key: string): Promise<{ status: number; stop: () => void }> {
  const stop = new AbortController();
  const res = await fetch(`${api.base}${path}`, { headers: bearer(key), signal: stop.signal });
  return { status: res.status, stop: () => stop.abort() };
}

test('a second concurrent exec of one key is 429 while another key runs its own', async () => {
  const first = request(api.base)
    .post(`/api/v1/sessions/${id}/exec`)
    .set(bearer(h.keys.alice))
    .send({ command: ['sleep', '4'] })
    .then((r) => r);
  // The first exec holds its slot once the API has taken it; the second asks until it sees the cap.
  const second = await eventually('the second exec to be refused', async () => {
    const res = await request(api.base)
      .post(`/api/v1/sessions/${id}/exec`)
      .set(bearer(h.keys.alice))
      .send({ command: ['true'] });
    return res.status === 429 ? res : undefined;
  });
  expectLimited(second, second.body);
  const other = await request(api.base)
    .post(`/api/v1/sessions/${bobSession}/exec`)
    .set(bearer(h.keys.bob))
    .send({ command: ['true'] });
  expect(other.status).toBe(200);
  expect((await first).status).toBe(200);
  const after = await request(api.base)
    .post(`/api/v1/sessions/${id}/exec`)
    .set(bearer(h.keys.alice))
    .send({ command: ['true'] });
  expect(after.status).toBe(200);
});

test('a second log follow of one key is 429 until the first closes', async () => {
  const path = `/api/v1/sessions/${id}/logs?follow=true&tail=0`;
  const first = await openStream(path, h.keys.alice);
  expect(first.status).toBe(200);
  const res = await fetch(`${api.base}${path}`, { headers: bearer(h.keys.alice) });
  expectLimited(res, await res.json());
  first.stop();
  await eventually('the log follow slot to come back', async () => {
    const again = await openStream(path, h.keys.alice);
    again.stop();
    return again.status === 200 ? true : undefined;
  });
});

test('a second proxied request of one key is 429 while its agent event stream is open', async () => {
  const first = await openStream(`/api/v1/sessions/${id}/proxy/events`, h.keys.alice);
  expect(first.status).toBe(200);
  const res = await fetch(`${api.base}/api/v1/sessions/${id}/proxy/status`, { headers: bearer(h.keys.alice) });
  expectLimited(res, await res.json());
  first.stop();
  await eventually('the proxy slot to come back', async () => {
    const again = await fetch(`${api.base}/api/v1/sessions/${id}/proxy/status`, { headers: bearer(h.keys.alice) });
    await again.arrayBuffer();
    return again.status === 200 ? true : undefined;
  });
});

test('a second WebSocket tunnel of one key is refused with 429', async () => {
  const url = `${api.base.replace('http', 'ws')}/api/v1/sessions/${id}/proxy/ws`;
  const first = new WebSocket(url, { headers: bearer(h.keys.alice) });
  await new Promise<void>((resolve, reject) => {
    first.once('open', () => resolve());
    first.once('error', reject);
  });
  const refused = await new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
    const second = new WebSocket(url, { headers: bearer(h.keys.alice) });
    // Without this listener ws turns the refusal into an error; with it the test reads the answer.
    second.once('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined });
      res.resume();
      req.destroy();
    });
    second.once('open', () => reject(new Error('a second tunnel opened')));
  });
  expect(refused.status).toBe(429);
  expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
  first.close();
});

test('unauthenticated requests are limited per client address; a keyed request is not', async () => {
  const limited = await startLiveApi(h, { API_IP_RATE_LIMIT_RPS: '1', API_IP_RATE_LIMIT_BURST: '3' });
  try {
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (const path of ['/health', '/health', '/codec/login', '/health', '/health', '/api/v1/sessions']) {
      last = await request(limited.base).get(path);
      statuses.push(last.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(statuses.at(-1)).toBe(429); // a refused key spends the address's budget too
    expect(last!.body.error.code).toBe('RATE_LIMITED');
    expect((await request(limited.base).get('/api/v1/sessions').set(bearer(h.keys.bob))).status).toBe(200);
  } finally {
    await limited.close();
  }
});

test('/ready answers a burst from one check and names no internal error', async () => {
  let checks = 0;
  const list = h.kube.core.listNamespacedPod.bind(h.kube.core);
  const counting = { ...h.kube, core: Object.create(h.kube.core) as typeof h.kube.core };
  counting.core.listNamespacedPod = ((...args: Parameters<typeof list>) => {
    checks++;
    return list(...args);
  }) as typeof list;
  const { createApp } = await import('../../src/api/app.js');
  const { ApiKeyStore } = await import('../../src/api/auth.js');
  const { pino } = await import('pino');
  const app = createApp({
    config: h.config,
    client: h.client,
    kube: counting,
    keys: new ApiKeyStore({ keys: [] }),
    logger: pino({ level: 'silent' }),
  });
  const answers = await Promise.all(Array.from({ length: 10 }, () => request(app).get('/ready')));
  for (const res of answers) expect(res.status).toBe(200);
  expect(checks).toBeLessThan(10);
});
