/**
 * The request log never holds a credential: every route of /openapi.json (codec sign-in included) is
 * called with a known API key, sign-in cookie, front-proxy identity header, proxied query secret and
 * secret env value, and none of those strings appears in any captured log line.
 */
import request from 'supertest';
import WebSocket from 'ws';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { uniqueSuffix } from '../support/stack.js';
import { bearer, startLiveApi, type LiveApi } from './live-api.js';

let h: ApiHarness;
let agent: AgentServer;
let api: LiveApi;
let id: string;

const secret = (what: string) => `${what}-${uniqueSuffix()}-s3cr3t`;
const proxySecret = secret('proxy-query');
const identity = secret('forwarded-user');
const envSecret = secret('secret-env');
const githubToken = `ghp_${uniqueSuffix()}log`;

beforeAll(async () => {
  h = await startApiHarness();
  agent = await startAgentServer();
  api = await startLiveApi(h, { AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agent.url });
  id = await api.createSession(h.keys.alice, {
    config: {},
    secret_env: { API_TOKEN: envSecret },
    github_token: githubToken,
  });
}, 180_000);

afterAll(async () => {
  await api?.deleteSessions(h.keys.admin, [id]);
  await api?.close();
  await agent?.close();
  await h?.close();
});

test('no key, sign-in token, cookie, identity header, proxied query value or secret env reaches the log', async () => {
  // The codec sign-in: its answer's Set-Cookie is a credential too.
  const login = await request(api.base).post('/codec/login').type('form').send({ key: h.keys.admin });
  expect(login.status).toBe(200);
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const token = cookie.slice(cookie.indexOf('=') + 1);
  const decoded = await request(api.base).post('/codec/decode').set('Cookie', cookie).send({ payloads: [] });
  expect(decoded.status).toBe(200);

  const doc = (await request(api.base).get('/openapi.json').set(bearer(h.keys.alice))).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  const calls: { method: string; path: string }[] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      // Deleting the session would end the other calls' target; its route is called on another id.
      const target = method === 'delete' ? 'f00dfeed' : id;
      const path = template.replace('{id}', target).replace('{path}', `status`);
      calls.push({ method, path });
    }
  }
  expect(calls.length).toBeGreaterThan(15);
  for (const { method, path } of calls) {
    // Long-lived answers (event and log streams, agent SSE) are cut after their first bytes.
    const url = `${api.base}${path}${path.includes('/proxy') ? `?token=${proxySecret}` : ''}`;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), 1500);
    await fetch(url, {
      method: method.toUpperCase(),
      headers: {
        ...bearer(h.keys.alice),
        Cookie: `so_codec_key=${token}; other=${proxySecret}`,
        'X-Forwarded-User': identity,
        'X-Auth-Request-Access-Token': identity,
        'Content-Type': 'application/json',
      },
      ...(['post', 'put', 'patch'].includes(method)
        ? { body: JSON.stringify({ command: ['echo', envSecret], minutes: 1 }) }
        : {}),
      signal: stop.signal,
    })
      .then((res) => res.body?.cancel())
      .catch(() => undefined);
    clearTimeout(timer);
  }
  // A WebSocket through the proxy, with the secret in its query.
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(`${api.base.replace('http', 'ws')}/api/v1/sessions/${id}/proxy/ws?token=${proxySecret}`, {
      headers: { ...bearer(h.keys.alice), 'X-Forwarded-User': identity },
    });
    ws.once('open', () => ws.close());
    ws.once('close', () => resolve());
    ws.once('error', () => resolve());
  });

  const logs = api.logs();
  expect(logs).toContain(`/api/v1/sessions/${id}/proxy/status`);
  for (const [what, value] of Object.entries({
    'alice key': h.keys.alice,
    'admin key': h.keys.admin,
    'sign-in token': token,
    'proxied query value': proxySecret,
    'identity header': identity,
    'secret env': envSecret,
    'github token': githubToken,
  })) {
    expect({ what, logged: logs.includes(value) }).toEqual({ what, logged: false });
  }
});
