/**
 * Reading a closed session asks no worker: a query of a closed workflow makes a worker replay the
 * session's whole history (and fails with no worker running). The API here runs on a Temporal client
 * that counts the queries it sends: a running session's GET queries it, a terminated one's answers its
 * final state from the workflow's result, with no query at all.
 */
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/api/app.js';
import { ApiKeyStore, loadApiKeys } from '../../src/api/auth.js';
import { createDataConverter } from '../../src/temporal/codec.js';
import type { ApiHarness } from '../support/api-harness.js';
import { as, useApiSessions } from '../support/api-sessions.js';

let h: ApiHarness;
const { createSession, deleteAndSettle } = useApiSessions((started) => (h = started));

test("a terminated session's GET answers its final state without querying its workflow", async () => {
  const queried: string[] = [];
  const counting: WorkflowClientInterceptor = {
    async query(input, next) {
      queried.push(input.queryType);
      return next(input);
    },
  };
  const client = new Client({
    connection: h.client.connection,
    namespace: h.config.temporalNamespace,
    dataConverter: createDataConverter(h.config),
    interceptors: { workflow: [counting] },
  });
  const app = createApp({
    config: h.config,
    client,
    kube: h.kube,
    keys: new ApiKeyStore(loadApiKeys(h.keysFile)),
    logger: pino({ level: 'silent' }),
  });

  const created = await createSession(h.keys.alice);
  expect(created.status).toBe(201);
  const id: string = created.body.session_id;
  const running = await request(app).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
  expect(running.body.status).toBe('running');
  // The counting client does see the queries this API sends.
  expect(queried).toEqual(['getSessionState']);

  const deleted = await deleteAndSettle(h.keys.alice, id);
  queried.length = 0;
  const closed = await request(app).get(`/api/v1/sessions/${id}`).set(as(h.keys.alice));
  expect(closed.status).toBe(200);
  expect(closed.body).toEqual(deleted.body);
  expect(closed.body).toEqual(
    expect.objectContaining({
      session_id: id,
      status: 'terminated',
      end_reason: 'user',
      ended_at: expect.any(String),
      phases: expect.objectContaining({ running: expect.any(String), terminated: expect.any(String) }),
    }),
  );
  expect(queried).toEqual([]);
}, 180_000);
