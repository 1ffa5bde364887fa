/**
 * The HTTP API's answers that start no session: health, readiness and metrics, authentication, and bad
 * input — a clear 400 that changes nothing. supertest against the real app, wired to the real Temporal
 * dev server and the stack's real cluster.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { openSessionWorkflows, useApiHarness, type ApiHarness } from '../support/api-harness.js';
import { as } from '../support/api-sessions.js';

let h: ApiHarness;
useApiHarness((started) => (h = started));

const openWorkflowsOf = (user: string) => openSessionWorkflows(h, user);

describe('health, readiness, metrics', () => {
  test('/health answers without a key', async () => {
    const res = await request(h.app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'healthy', time: expect.any(String) });
    expect(Number.isNaN(Date.parse(res.body.time))).toBe(false);
  });

  test('/ready reports Temporal and Kubernetes reachable', async () => {
    const res = await request(h.app).get('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ready',
      kubernetes: 'connected',
      temporal: 'connected',
      time: expect.any(String),
    });
  });

  test('/ready is 503 and names Kubernetes, without internal error text, when the cluster is unreachable', async () => {
    const { createKubeClients } = await import('../../src/k8s/client.js');
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'gone', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'c', cluster: 'gone', user: 'u' }],
      currentContext: 'c',
    });
    const { createApp } = await import('../../src/api/app.js');
    const { ApiKeyStore } = await import('../../src/api/auth.js');
    const { pino } = await import('pino');
    const app = createApp({
      config: h.config,
      client: h.client,
      kube: createKubeClients(kc),
      keys: new ApiKeyStore({ keys: [] }),
      logger: pino({ level: 'silent' }),
    });
    const res = await request(app).get('/ready');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      status: 'unavailable',
      kubernetes: 'disconnected',
      temporal: 'connected',
      time: expect.any(String),
    });
    expect(res.text).not.toContain('127.0.0.1');
  });

  test('/metrics needs a key and exposes request durations and session metrics', async () => {
    expect((await request(h.app).get('/metrics')).status).toBe(401);
    const res = await request(h.app).get('/metrics').set(as(h.keys.readOnly));
    expect(res.status).toBe(200);
    expect(res.text).toContain('http_request_duration_seconds');
    expect(res.text).toContain('sessions_started_total');
    expect(res.text).toContain('sessions_failed_total');
    expect(res.text).toContain('session_start_seconds');
    const open = h.appWith({ API_METRICS_AUTH: 'false' });
    expect((await request(open).get('/metrics')).status).toBe(200);
  });
});

describe('authentication', () => {
  test('a request without a key, or with an unknown key, is 401 and starts nothing', async () => {
    const missing = await request(h.app).post('/api/v1/sessions').send({ config: {} });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('UNAUTHORIZED');
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const wrong = await request(h.app).get('/api/v1/sessions').set(as('so_not-a-real-key'));
    expect(wrong.status).toBe(401);
    expect((await request(h.app).get('/openapi.json')).status).toBe(401);
  });

  test('X-API-Key works like a bearer token', async () => {
    const res = await request(h.app).get('/api/v1/sessions').set('X-API-Key', h.keys.alice);
    expect(res.status).toBe(200);
  });

  test('a key without session:create gets 403', async () => {
    const res = await request(h.app).post('/api/v1/sessions').set(as(h.keys.readOnly)).send({ config: {} });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(await openWorkflowsOf(h.users.readOnly)).toBe(0);
  });
});

describe('bad input gets a clear 400 and changes nothing', () => {
  const bad: [string, string | object, string?][] = [
    ['malformed JSON', '{"config": {', 'body'],
    ['an unknown top-level field', { config: {}, colour: 'blue' }, 'body'],
    ['an unknown config field', { config: { cpu: '1' } }, 'body.config'],
    ['a wrong type', { config: { timeout_minutes: '60' } }, 'body.config.timeout_minutes'],
    ['an out-of-range value', { config: { timeout_minutes: 0 } }, 'body.config.timeout_minutes'],
    ['a lifetime past the maximum', { config: { timeout_minutes: 100_000 } }, 'body.config.timeout_minutes'],
    ['a CPU limit above the configured maximum', { config: { cpu_limit: '16' } }, 'body.config.cpu_limit'],
    ['a memory limit above the configured maximum', { config: { memory_limit: '64Gi' } }, 'body.config.memory_limit'],
    ['a request above its limit', { config: { cpu_request: '2', cpu_limit: '1' } }, 'body.config.cpu_request'],
    ['a malformed quantity', { config: { memory_limit: 'lots' } }, 'body.config.memory_limit'],
    ['a reserved env var', { config: { env: { GITHUB_TOKEN: 'x' } } }, 'body.config.env'],
    ['a bad node selector key', { config: { node_selector: { 'bad key!': 'x' } } }, 'body.config.node_selector'],
    ['a pvc_name with pvc disabled', { config: { pvc_name: 'x', pvc_enabled: false } }, 'body.config.pvc_name'],
    ['a wait flag that is not a boolean', { config: {} }, 'query.wait'],
  ];

  test.each(bad)('%s', async (_what, body, path) => {
    const query = path === 'query.wait' ? '?wait=maybe' : '';
    const req = request(h.app).post(`/api/v1/sessions${query}`).set(as(h.keys.bob));
    const res =
      typeof body === 'string' ? await req.set('Content-Type', 'application/json').send(body) : await req.send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: expect.stringContaining(path!), message: expect.any(String) }),
      ]),
    );
    expect(await openWorkflowsOf(h.users.bob)).toBe(0);
  });

  test('an oversized body is a 400, not a 413 or 500', async () => {
    const res = await request(h.app)
      .post('/api/v1/sessions')
      .set(as(h.keys.bob))
      .send({ config: { env: { BIG: 'x'.repeat(200_000) } } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(await openWorkflowsOf(h.users.bob)).toBe(0);
  });

  test('a malformed session id is 400, an unknown one 404, a wrong method 405', async () => {
    const badId = await request(h.app).get('/api/v1/sessions/NOT_AN_ID').set(as(h.keys.bob));
    expect(badId.status).toBe(400);
    expect(badId.body.error.code).toBe('VALIDATION_ERROR');
    const unknown = await request(h.app).get('/api/v1/sessions/doesnotexist1').set(as(h.keys.bob));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const uuid = await request(h.app).delete(`/api/v1/sessions/${randomUUID()}`).set(as(h.keys.bob));
    expect(uuid.status).toBe(404);
    const put = await request(h.app).put('/api/v1/sessions').set(as(h.keys.bob)).send({});
    expect(put.status).toBe(405);
    expect(put.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(put.headers.allow).toContain('POST');
    const patch = await request(h.app).patch('/api/v1/sessions/abc').set(as(h.keys.bob));
    expect(patch.status).toBe(405);
    const badPage = await request(h.app).get('/api/v1/sessions?page_token=not-a-token').set(as(h.keys.bob));
    expect(badPage.status).toBe(400);
    expect(badPage.body.error.code).toBe('VALIDATION_ERROR');
    const nowhere = await request(h.app).get('/api/v1/nothing-here').set(as(h.keys.bob));
    expect(nowhere.status).toBe(404);
  });

  test('every response carries a request id, echoed when the client sent one', async () => {
    const mine = await request(h.app)
      .get('/api/v1/sessions/NOT_AN_ID')
      .set(as(h.keys.bob))
      .set('X-Request-Id', 'req-123');
    expect(mine.headers['x-request-id']).toBe('req-123');
    expect(mine.body.error.request_id).toBe('req-123');
    const generated = await request(h.app).get('/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.logs()).toContain('"req":{"id":"req-123"');
  });
});
