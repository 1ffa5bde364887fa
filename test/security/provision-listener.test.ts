/**
 * The provisioning endpoint takes no API key, only a warm pod's token, so it must not be on the public
 * API's listener, where the Ingress and every pod of the cluster reach it: there it is simply not found, and
 * not described in the public OpenAPI document either. It lives on the worker's own listener.
 */
import request from 'supertest';
import { pino } from 'pino';
import { PROVISION_PATH } from '../../src/api/provision-routes.js';
import { startProvisionServer } from '../../src/api/provision-server.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

let h: ApiHarness;
const forged = { Authorization: `Bearer ${'A'.repeat(43)}` };

beforeAll(async () => {
  h = await startApiHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

test('the public API does not serve the provisioning endpoint, nor describe it', async () => {
  const res = await request(h.app).post(PROVISION_PATH).set(forged).send({ pod_name: 'warm-default-abcde' });
  expect(res.status).toBe(404);
  const openapi = await request(h.app)
    .get('/openapi.json')
    .set({ Authorization: `Bearer ${h.keys.admin}` });
  expect(openapi.status).toBe(200);
  expect(Object.keys(openapi.body.paths)).not.toContain(PROVISION_PATH);
});

test("the worker's provisioning listener serves it on its own port, and nothing of the API", async () => {
  const server = await startProvisionServer({
    config: h.config,
    kube: h.kube,
    logger: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
  });
  try {
    const provision = await request(server.url).post(PROVISION_PATH).set(forged).send({ pod_name: 'warm-x-abcde' });
    expect(provision.status).toBe(401);
    const sessions = await request(server.url)
      .get('/api/v1/sessions')
      .set({ Authorization: `Bearer ${h.keys.admin}` });
    expect(sessions.status).toBe(404);
  } finally {
    await server.close();
  }
});
