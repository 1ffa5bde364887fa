/**
 * Reaching a running session through the API, end to end against the real stack: the reverse proxy
 * (HTTP, SSE, WebSocket) to a stand-in agent, and logs/exec served by KWOK's kubelet-like server through
 * the real kube-apiserver. The API listens on a real port: upgrades and streams need a real socket.
 */
import { appendFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { pino } from 'pino';
import request from 'supertest';
import WebSocket from 'ws';
import { createApp } from '../../src/api/app.js';
import { ApiKeyStore, loadApiKeys } from '../../src/api/auth.js';
import { attachUpgrades } from '../../src/api/proxy.js';
import { ThrottledActivityRecorder } from '../../src/api/activity.js';
import { loadConfig } from '../../src/config.js';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

let h: ApiHarness;
let agent: AgentServer;
let server: Server;
let base: string;
let id: string;
const activity = new ThrottledActivityRecorder({ intervalMs: 60_000 });
const as = (key: string) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  h = await startApiHarness();
  agent = await startAgentServer();
  const config = loadConfig({
    ...h.env,
    AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agent.url,
    AGENTAPI_K8S_SESSION_PROXY_MAX_BODY_BYTES: '1024',
    AGENTAPI_K8S_SESSION_EXEC_TIMEOUT: '20',
  });
  const app = createApp({
    config,
    client: h.client,
    kube: h.kube,
    keys: new ApiKeyStore(loadApiKeys(h.keysFile)),
    logger: pino({ level: 'silent' }),
    activity,
  });
  server = createServer(app);
  attachUpgrades(server, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const res = await request(base).post('/api/v1/sessions').set(as(h.keys.alice)).send({ config: {} });
  expect(res.status).toBe(201);
  id = res.body.session_id;
}, 180_000);

afterAll(async () => {
  if (id) await request(base).delete(`/api/v1/sessions/${id}?wait=true`).set(as(h.keys.admin));
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await agent?.close();
  await h?.close();
});

const proxied = (path: string) => `/api/v1/sessions/${id}/proxy${path}`;
const lastRequest = (path: string) => agent.requests.findLast((r) => r.url === path);

describe('the reverse proxy', () => {
  test('forwards a request to the agent and returns its answer', async () => {
    const res = await request(base).get(proxied('/status')).set(as(h.keys.alice));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'stable' });
  });

  test("never forwards the caller's API key, in either header", async () => {
    const marker = uniqueSuffix();
    await request(base)
      .get(proxied(`/messages?bearer=${marker}`))
      .set(as(h.keys.alice))
      .expect(200);
    await request(base)
      .post(proxied('/message'))
      .set('X-API-Key', h.keys.alice)
      .send({ content: `hello ${marker}`, type: 'user' })
      .expect(200);
    const seen = [lastRequest(`/messages?bearer=${marker}`), agent.requests.find((r) => r.body.includes(marker))];
    for (const r of seen) {
      expect(r).toBeDefined();
      expect(r!.headers.authorization).toBeUndefined();
      expect(r!.headers['x-api-key']).toBeUndefined();
      expect(JSON.stringify(r!.headers)).not.toContain(h.keys.alice);
      expect(r!.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(r!.headers.host).toBe(new URL(agent.url).host);
      expect(r!.headers['x-forwarded-host']).toBe(new URL(base).host);
    }
  });

  test('passes the path after /proxy and the query string through unchanged', async () => {
    await request(base).get(proxied('/messages?after=3&q=a%20b')).set(as(h.keys.alice)).expect(200);
    expect(lastRequest('/messages?after=3&q=a%20b')).toBeDefined();
    const root = await request(base).get(`/api/v1/sessions/${id}/proxy`).set(as(h.keys.alice));
    expect(root.status).toBe(404);
    expect(lastRequest('/')).toBeDefined();
  });

  test('a POST body reaches the agent and its effect is visible through the proxy', async () => {
    const text = `ping ${uniqueSuffix()}`;
    await request(base)
      .post(proxied('/message'))
      .set(as(h.keys.alice))
      .send({ content: text, type: 'user' })
      .expect(200);
    const res = await request(base).get(proxied('/messages')).set(as(h.keys.alice)).expect(200);
    expect(res.body.messages.map((m: { content: string }) => m.content)).toEqual(
      expect.arrayContaining([text, `echo: ${text}`]),
    );
  });

  test('drops hop-by-hop headers, including those named in Connection, and keeps end-to-end ones', async () => {
    const marker = uniqueSuffix();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}${proxied(`/status?hop=${marker}`)}`, {
        headers: {
          ...as(h.keys.alice),
          Connection: 'keep-alive, X-Hop-Secret',
          'X-Hop-Secret': 'only-for-this-hop',
          'Keep-Alive': 'timeout=5',
          'Proxy-Authorization': 'Basic c2VjcmV0',
          'X-Trace': marker,
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    const seen = lastRequest(`/status?hop=${marker}`)!;
    expect(seen.headers['x-hop-secret']).toBeUndefined();
    expect(seen.headers['keep-alive']).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers['x-trace']).toBe(marker);
  });

  test('records activity for the session it proxied to', async () => {
    await request(base).get(proxied('/status')).set(as(h.keys.alice)).expect(200);
    expect(activity.lastActivity(id)).toBeDefined();
  });

  test("another user's session is a 404, exactly like a missing one", async () => {
    const other = await request(base).get(proxied('/status')).set(as(h.keys.bob));
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('NOT_FOUND');
    const missing = await request(base).get('/api/v1/sessions/no-such-session/proxy/status').set(as(h.keys.bob));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  test('a read-only key may GET through the proxy but not POST', async () => {
    const admin = await request(base).get(proxied('/status')).set(as(h.keys.admin));
    expect(admin.status).toBe(200);
    const key = h.keys.readOnly;
    // The read-only user owns no session: its GET is the ownership 404, its POST the permission 403.
    expect((await request(base).get(proxied('/status')).set(as(key))).status).toBe(404);
    const post = await request(base).post(proxied('/message')).set(as(key)).send({ content: 'x' });
    expect(post.status).toBe(403);
  });

  test('a request without a key is 401 and reaches nothing', async () => {
    const before = agent.requests.length;
    const res = await request(base).get(proxied('/status'));
    expect(res.status).toBe(401);
    expect(agent.requests.length).toBe(before);
  });

  test('a body above the limit is refused with 413, with or without Content-Length', async () => {
    const big = { content: 'x'.repeat(2048) };
    const sized = await request(base).post(proxied('/message')).set(as(h.keys.alice)).send(big);
    expect(sized.status).toBe(413);
    expect(sized.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base}${proxied('/message')}`, {
        method: 'POST',
        headers: { ...as(h.keys.alice), 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write('x'.repeat(512));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('streams Server-Sent Events as the agent sends them', async () => {
    const stop = new AbortController();
    const res = await fetch(`${base}${proxied('/events')}`, { headers: as(h.keys.alice), signal: stop.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const readUntil = async (found: () => boolean) => {
      while (!found()) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended early');
        parser.feed(value);
      }
    };
    await readUntil(() => events.some((e) => e.event === 'status_change'));
    const text = `live ${uniqueSuffix()}`;
    // The stream is open when this is sent, so the event can only have come through it.
    await request(base).post(proxied('/message')).set(as(h.keys.alice)).send({ content: text }).expect(200);
    await readUntil(() => events.some((e) => e.event === 'message_update' && e.data.includes(`echo: ${text}`)));
    // Data flowing on an open stream is activity too, with no new request to the proxy.
    const quietSince = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    agent.setStatus('running');
    await readUntil(() => events.some((e) => e.event === 'status_change' && e.data.includes('running')));
    expect(activity.lastActivity(id)).toBeGreaterThan(quietSince);
    agent.setStatus('stable');
    stop.abort();
    await reader.cancel().catch(() => undefined);
  });

  test('upgrades to a WebSocket and relays messages both ways, without the API key', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}${proxied('/ws')}`, { headers: as(h.keys.alice) });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send('hi there');
    expect(await reply).toBe('echo: hi there');
    ws.close();
    const upgrade = lastRequest('/ws')!;
    expect(upgrade.headers.upgrade).toBe('websocket');
    expect(upgrade.headers.authorization).toBeUndefined();
  });

  test("a WebSocket to another user's session is refused with 404 before reaching the agent", async () => {
    const before = agent.requests.length;
    const ws = new WebSocket(`${base.replace('http', 'ws')}${proxied('/ws')}`, { headers: as(h.keys.bob) });
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('the upgrade was accepted')));
      ws.once('error', () => undefined);
    });
    expect(status).toBe(404);
    expect(agent.requests.length).toBe(before);
  });

  test('an agent that cannot be reached is a 502', async () => {
    const gone = await startAgentServer();
    await gone.close();
    const app = h.appWith({ AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: gone.url });
    const res = await request(app).get(proxied('/status')).set(as(h.keys.alice));
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

describe('logs', () => {
  const logsFile = () => stackEnv().STACK_KWOK_LOGS_FILE;
  const logLine = (text: string) => `${new Date().toISOString()} stdout F ${text}\n`;

  test("returns the agent container's log", async () => {
    const marker = `log-${uniqueSuffix()}`;
    appendFileSync(logsFile(), logLine(marker));
    const res = await request(base).get(`/api/v1/sessions/${id}/logs?tail=20`).set(as(h.keys.alice));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain(marker);
  });

  test('tail bounds the lines returned', async () => {
    const markers = [1, 2, 3].map((n) => `tail-${n}-${uniqueSuffix()}`);
    for (const m of markers) appendFileSync(logsFile(), logLine(m));
    const res = await request(base).get(`/api/v1/sessions/${id}/logs?tail=1`).set(as(h.keys.alice));
    expect(res.status).toBe(200);
    expect(res.text.trim().split('\n')).toEqual([markers[2]]);
  });

  test('follow streams lines written after the request', async () => {
    const stop = new AbortController();
    const res = await fetch(`${base}/api/v1/sessions/${id}/logs?follow=true&tail=0`, {
      headers: as(h.keys.alice),
      signal: stop.signal,
    });
    expect(res.status).toBe(200);
    const marker = `follow-${uniqueSuffix()}`;
    appendFileSync(logsFile(), logLine(marker));
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${marker}: ${text}`);
      text += value;
    }
    stop.abort();
    await reader.cancel().catch(() => undefined);
  });

  test('a container the pod does not have is a 400 naming the ones it has', async () => {
    const res = await request(base).get(`/api/v1/sessions/${id}/logs?container=nope`).set(as(h.keys.alice));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].message).toContain('claude-code');
  });

  test("another user's session is a 404", async () => {
    const res = await request(base).get(`/api/v1/sessions/${id}/logs`).set(as(h.keys.bob));
    expect(res.status).toBe(404);
  });
});

describe('exec', () => {
  const exec = (body: object, key = h.keys.alice) =>
    request(base).post(`/api/v1/sessions/${id}/exec`).set(as(key)).send(body);

  test('returns the exit code, stdout and stderr of the command', async () => {
    const ok = await exec({ command: ['echo', 'hello'] });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      exit_code: 0,
      stdout: 'hello\n',
      stderr: '',
      stdout_truncated: false,
      stderr_truncated: false,
    });
    const failing = await exec({ command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    expect(failing.status).toBe(200);
    expect(failing.body).toMatchObject({ exit_code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  test('output is cut at the configured size and says so', async () => {
    const app = h.appWith({ AGENTAPI_K8S_SESSION_EXEC_MAX_OUTPUT_BYTES: '10' });
    const res = await request(app)
      .post(`/api/v1/sessions/${id}/exec`)
      .set(as(h.keys.alice))
      .send({ command: ['sh', '-c', 'printf "%0100d" 0'] });
    expect(res.status).toBe(200);
    expect(res.body.stdout).toBe('0'.repeat(10));
    expect(res.body.stdout_truncated).toBe(true);
  });

  test('a command that outlives timeout_seconds is a 504', async () => {
    const res = await exec({ command: ['sleep', '30'], timeout_seconds: 1 });
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('EXEC_TIMEOUT');
  });

  test('timeout_seconds above the configured maximum and malformed bodies are 400s', async () => {
    expect((await exec({ command: ['true'], timeout_seconds: 21 })).status).toBe(400);
    expect((await exec({ command: [] })).status).toBe(400);
    expect((await exec({ command: ['true'], shell: true })).status).toBe(400);
  });

  test("a read-only key cannot exec, and another user's session is a 404", async () => {
    expect((await exec({ command: ['true'] }, h.keys.readOnly)).status).toBe(403);
    expect((await exec({ command: ['true'] }, h.keys.bob)).status).toBe(404);
  });
});

describe('after the session has ended', () => {
  test('proxy, logs and exec answer 409 SESSION_ENDED', async () => {
    await request(base).delete(`/api/v1/sessions/${id}?wait=true`).set(as(h.keys.alice)).expect(200);
    // The proxy may reuse a "running" answer for RUNNING_CACHE_MS; it then learns the session ended.
    const proxy = await eventually('the proxy to refuse the ended session', async () => {
      const res = await request(base).get(proxied('/status')).set(as(h.keys.alice));
      return res.status === 200 ? undefined : res;
    });
    expect(proxy.status).toBe(409);
    expect(proxy.body.error.code).toBe('SESSION_ENDED');
    const logs = await request(base).get(`/api/v1/sessions/${id}/logs`).set(as(h.keys.alice));
    expect(logs.status).toBe(409);
    const exec = await request(base)
      .post(`/api/v1/sessions/${id}/exec`)
      .set(as(h.keys.alice))
      .send({ command: ['true'] });
    expect(exec.status).toBe(409);
  });
});
