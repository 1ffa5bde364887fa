/**
 * Waking a suspended session starts a pod and takes quota: it is a change, like POST …/resume, and needs
 * session:update. A read-only key's proxied request gets 409 SESSION_NOT_RUNNING and the session stays
 * asleep; a key that may update it still wakes it by a request.
 */
import request from 'supertest';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { bearer, startLiveApi, type LiveApi } from './live-api.js';

let h: ApiHarness;
let agent: AgentServer;
let api: LiveApi;
let id: string;
let readOnly: string;

beforeAll(async () => {
  agent = await startAgentServer();
  h = await startApiHarness({
    AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agent.url,
    AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true',
  });
  api = await startLiveApi(h);
  // A read-only key of the session's own user: ownership passes, only the permission is missing.
  readOnly = api.addKey('alice-read', h.users.alice, ['session:read']);
  id = await api.createSession(h.keys.alice, { config: { pvc_enabled: true, pvc_size: '1Gi' } });
  const suspended = await request(api.base).post(`/api/v1/sessions/${id}/suspend`).set(bearer(h.keys.alice)).send({});
  expect(suspended.body.status).toBe('suspended');
}, 240_000);

afterAll(async () => {
  await api?.deleteSessions(h.keys.admin, [id], 'delete_pvc=true');
  await api?.close();
  await agent?.close();
  await h?.close();
}, 120_000);

test('a read-only key gets 409 SESSION_NOT_RUNNING and does not wake the session', async () => {
  const res = await request(api.base).get(`/api/v1/sessions/${id}/proxy/status`).set(bearer(readOnly));
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 409, code: 'SESSION_NOT_RUNNING' });
  const after = await request(api.base).get(`/api/v1/sessions/${id}`).set(bearer(readOnly));
  expect(after.body.status).toBe('suspended');
});

test('a key with session:update wakes it with a request', async () => {
  const res = await request(api.base).get(`/api/v1/sessions/${id}/proxy/status`).set(bearer(h.keys.alice));
  expect(res.status).toBe(200);
  const after = await request(api.base).get(`/api/v1/sessions/${id}`).set(bearer(readOnly));
  expect(after.body.status).toBe('running');
});
