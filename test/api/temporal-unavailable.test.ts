/**
 * A Temporal server the API cannot reach (or that does not answer in time) is a 503 a client retries, on
 * every route that needs it — never a 500, which a client would report as the service's bug.
 */
import { Client, Connection } from '@temporalio/client';
import type express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/api/app.js';
import { ApiKeyStore, loadApiKeys } from '../../src/api/auth.js';
import { readLedger } from '../../src/k8s/quota-ledger.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

let h: ApiHarness;
/** The harness's API, but with a Temporal client of a server that is not there. */
let app: express.Express;

beforeAll(async () => {
  h = await startApiHarness();
  // Nothing listens on port 1: every call fails UNAVAILABLE once the client's own retries give up.
  // Not closed after the tests: the client's retry timers of abandoned calls may still fire and would find
  // the channel shut down (an uncaught error in grpc-js); the lazy connection holds no socket.
  const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  app = createApp({
    config: h.config,
    client: unreachable,
    kube: h.kube,
    keys: new ApiKeyStore(loadApiKeys(h.keysFile)),
    logger: pino({ level: 'silent' }),
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const unavailable = { status: 503, code: 'TEMPORAL_UNAVAILABLE', retryAfter: '5' };
const answer = (res: request.Response) => ({
  status: res.status,
  code: res.body?.error?.code,
  retryAfter: res.headers['retry-after'],
});

test('a create Temporal does not answer is a 503 with Retry-After, and releases its quota place', async () => {
  const auth = { Authorization: `Bearer ${h.keys.bob}` };
  const before = (await readLedger(h.kube.core, h.config.sessionNamespace, h.users.bob)).ledger.length;
  for (const query of ['?wait=false', '']) {
    const res = await request(app).post(`/api/v1/sessions${query}`).set(auth).send({ config: {} });
    expect(answer(res)).toEqual(unavailable);
  }
  expect((await readLedger(h.kube.core, h.config.sessionNamespace, h.users.bob)).ledger.length).toBe(before);
}, 120_000);

test('reading, listing, extending, suspending and deleting a session answer 503 with Retry-After', async () => {
  const auth = { Authorization: `Bearer ${h.keys.alice}` };
  const id = 'abc123def456';
  const calls = {
    read: request(app).get(`/api/v1/sessions/${id}`).set(auth),
    list: request(app).get('/api/v1/sessions').set(auth),
    extend: request(app).post(`/api/v1/sessions/${id}/extend`).set(auth).send({ minutes: 5 }),
    suspend: request(app).post(`/api/v1/sessions/${id}/suspend`).set(auth),
    resume: request(app).post(`/api/v1/sessions/${id}/resume`).set(auth),
    delete: request(app).delete(`/api/v1/sessions/${id}`).set(auth),
    events: request(app).get(`/api/v1/sessions/${id}/events`).set(auth),
  };
  // Side by side: each waits out the client's retries (several seconds) before it answers.
  const answers = await Promise.all(
    Object.entries(calls).map(async ([what, call]) => [what, answer(await call)] as const),
  );
  expect(Object.fromEntries(answers)).toEqual(
    Object.fromEntries(Object.keys(calls).map((what) => [what, unavailable])),
  );
}, 120_000);
