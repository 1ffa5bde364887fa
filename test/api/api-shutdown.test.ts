/**
 * Stopping the API (the real `startApi`, listening on a port) while a user holds a WebSocket tunnel to
 * their session: the tunnel is closed, and the stop does not wait for the user to hang up.
 */
import { pino } from 'pino';
import request from 'supertest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { startApi } from '../../src/server.js';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';
import { useApiHarness, type ApiHarness } from '../support/api-harness.js';

let h: ApiHarness;
let agent: AgentServer;
const as = (key: string) => ({ Authorization: `Bearer ${key}` });

useApiHarness((started) => (h = started));
beforeAll(async () => {
  agent = await startAgentServer();
});
afterAll(async () => {
  await agent?.close();
});

test('stopping the API ends open WebSocket tunnels instead of waiting for them', async () => {
  const api = await startApi(
    loadConfig({ ...h.env, API_PORT: '0', AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agent.url }),
    pino({ level: 'silent' }),
  );
  const created = await request(api.url).post('/api/v1/sessions').set(as(h.keys.alice)).send({ config: {} });
  expect(created.status).toBe(201);
  const sid: string = created.body.session_id;
  try {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/v1/sessions/${sid}/proxy/ws`, {
      headers: as(h.keys.alice),
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await api.close();
    await closed;
  } finally {
    await request(h.app).delete(`/api/v1/sessions/${sid}?wait=true`).set(as(h.keys.admin));
  }
});
