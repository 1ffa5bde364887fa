/**
 * The session proxy as a boundary between the caller and the agent: the agent never learns who the
 * caller is to the front proxy or to the API (cookies, identity headers, keys), and the caller's browser
 * never takes cookies or proxy directives from the agent, which is served sandboxed from the API origin.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { bearer, startLiveApi, type LiveApi } from './live-api.js';

let h: ApiHarness;
let agent: Server;
let agentUrl: string;
let api: LiveApi;
let id: string;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  h = await startApiHarness();
  // An agent that records what reaches it and answers with headers a hostile agent would send.
  agent = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, {
      'Content-Type': 'text/html',
      'Set-Cookie': 'so_codec_key=planted; Path=/',
      'X-Accel-Redirect': '/internal/secrets',
      'X-Accel-Buffering': 'no',
      'X-Sendfile': '/etc/passwd',
    });
    res.end('<script>document.cookie</script>');
  });
  await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
  agentUrl = `http://127.0.0.1:${(agent.address() as AddressInfo).port}`;
  api = await startLiveApi(h, { AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agentUrl });
  id = await api.createSession(h.keys.alice);
}, 180_000);

afterAll(async () => {
  await api?.deleteSessions(h.keys.admin, [id]);
  await api?.close();
  agent?.closeAllConnections();
  await new Promise<void>((resolve) => (agent ? agent.close(() => resolve()) : resolve()));
  await h?.close();
});

test("the agent sees neither the caller's cookies nor the front proxy's identity headers", async () => {
  const res = await request(api.base)
    .get(`/api/v1/sessions/${id}/proxy/page`)
    .set(bearer(h.keys.alice))
    .set('Cookie', 'so_codec_key=v1.x.y.z; _oauth2_proxy=session-cookie')
    .set('X-Forwarded-User', 'alice@example.com')
    .set('X-Forwarded-Email', 'alice@example.com')
    .set('X-Auth-Request-User', 'alice')
    .set('X-Auth-Request-Access-Token', 'eyJhbGciOi-front-proxy-token')
    .set('X-Custom-Header', 'kept');
  expect(res.status).toBe(200);
  const headers = seen.at(-1)!;
  for (const name of [
    'cookie',
    'authorization',
    'x-forwarded-user',
    'x-forwarded-email',
    'x-auth-request-user',
    'x-auth-request-access-token',
  ]) {
    expect({ name, value: headers[name] }).toEqual({ name, value: undefined });
  }
  expect(headers['x-custom-header']).toBe('kept');
});

test('the caller gets no cookie or proxy directive from the agent, and a sandboxed, unsniffed page', async () => {
  const res = await request(api.base).get(`/api/v1/sessions/${id}/proxy/page`).set(bearer(h.keys.alice));
  expect(res.status).toBe(200);
  expect(res.headers['set-cookie']).toBeUndefined();
  expect(res.headers['x-accel-redirect']).toBeUndefined();
  expect(res.headers['x-accel-buffering']).toBeUndefined();
  expect(res.headers['x-sendfile']).toBeUndefined();
  expect(res.headers['content-security-policy']).toBe('sandbox');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
});

test('the stripped request headers are configurable', async () => {
  const custom = await startLiveApi(h, {
    AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agentUrl,
    AGENTAPI_K8S_SESSION_PROXY_STRIP_HEADERS: 'x-tenant-*',
  });
  try {
    const res = await request(custom.base)
      .get(`/api/v1/sessions/${id}/proxy/page`)
      .set(bearer(h.keys.alice))
      .set('X-Tenant-Id', 'acme')
      .set('Cookie', 'a=b');
    expect(res.status).toBe(200);
    const headers = seen.at(-1)!;
    expect(headers['x-tenant-id']).toBeUndefined();
    // Cookies and the API key never pass, whatever the list says.
    expect(headers.cookie).toBeUndefined();
    expect(headers.authorization).toBeUndefined();
  } finally {
    await custom.close();
  }
});
