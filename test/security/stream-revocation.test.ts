/**
 * A stream is authorized when it opens, but must not outlive its key: once the key is revoked (the keys
 * file reloaded without it), its event stream, log follow, proxied agent stream and WebSocket tunnel
 * close, while the same streams of a key that stays keep flowing.
 */
import WebSocket from 'ws';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { bearer, startLiveApi, type LiveApi } from './live-api.js';

let h: ApiHarness;
let agent: AgentServer;
let api: LiveApi;
let id: string;

beforeAll(async () => {
  h = await startApiHarness();
  agent = await startAgentServer();
  api = await startLiveApi(h, {
    AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agent.url,
    API_STREAM_KEY_RECHECK: '1',
  });
  id = await api.createSession(h.keys.alice);
}, 180_000);

afterAll(async () => {
  await api?.deleteSessions(h.keys.admin, [id]);
  await api?.close();
  await agent?.close();
  await h?.close();
});

/** Opens a streaming GET; `ended` resolves when the server ends or cuts it. */
async function stream(path: string, key: string): Promise<{ ended: Promise<void>; stop: () => void }> {
  const stop = new AbortController();
  const res = await fetch(`${api.base}${path}`, { headers: bearer(key), signal: stop.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const ended = (async () => {
    for (;;) {
      const { done } = await reader.read();
      if (done) return;
    }
  })().catch(() => undefined);
  return { ended, stop: () => stop.abort() };
}

async function tunnel(key: string): Promise<{ ws: WebSocket; closed: Promise<void> }> {
  const ws = new WebSocket(`${api.base.replace('http', 'ws')}/api/v1/sessions/${id}/proxy/ws`, {
    headers: bearer(key),
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, closed };
}

test("a revoked key's streams and tunnels close; another key's stay open", async () => {
  const doomed = api.addKey('alice-temp', h.users.alice, ['session:read', 'session:update']);
  const paths = [
    `/api/v1/sessions/${id}/events`,
    `/api/v1/sessions/${id}/logs?follow=true&tail=0`,
    `/api/v1/sessions/${id}/proxy/events`,
  ];
  const revoked = await Promise.all(paths.map((p) => stream(p, doomed)));
  const revokedTunnel = await tunnel(doomed);
  const kept = await stream(`/api/v1/sessions/${id}/proxy/events`, h.keys.alice);
  const keptTunnel = await tunnel(h.keys.alice);

  api.revoke('alice-temp');

  await Promise.all([...revoked.map((s) => s.ended), revokedTunnel.closed]);
  // The other key's tunnel still echoes, and its stream is still open.
  const echoed = new Promise<string>((resolve) => keptTunnel.ws.once('message', (m) => resolve(String(m))));
  keptTunnel.ws.send('still here');
  expect(await echoed).toBe('echo: still here');
  const open = await Promise.race([kept.ended.then(() => 'ended'), Promise.resolve('open')]);
  expect(open).toBe('open');
  kept.stop();
  keptTunnel.ws.close();
  await keptTunnel.closed;
});

test('a key that loses the permission a tunnel needs has its tunnel closed', async () => {
  const key = api.addKey('alice-narrow', h.users.alice, ['session:read', 'session:update']);
  const open = await tunnel(key);
  const entry = api.entries.find((e) => e.id === 'alice-narrow')!;
  // Rewritten in place: the same key, now read-only; a tunnel needs session:update.
  entry.permissions = ['session:read'];
  api.keys.replace({ keys: api.entries });
  await open.closed;
});
