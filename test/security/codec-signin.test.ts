/**
 * The codec endpoint as an attacker sees it: its sign-in cookie is an expiring token that dies with its
 * key and is never the key; the cookie is Secure for any client not on this machine; a non-admin key is
 * refused before its body is read; the routes are rate limited; and a spec encrypted with the codec and
 * started as a workflow outside the API is held to the admin's bounds by the worker.
 */
import proto from '@temporalio/proto';
import request from 'supertest';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { startSession } from '../../src/temporal/client.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { removeSessionObjects, sessionObjects } from '../support/cluster.js';
import { testSessionSpec } from '../support/session-spec.js';
import { eventually } from '../support/wait.js';
import { bearer, startLiveApi } from './live-api.js';

const { EventType } = proto.temporal.api.enums.v1;
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

async function signIn(base: string, key: string, headers: Record<string, string> = {}) {
  const res = await request(base).post('/codec/login').set(headers).type('form').send({ key });
  expect(res.status).toBe(200);
  const cookie = String(res.headers['set-cookie']);
  return { cookie, pair: cookie.split(';')[0]! };
}

const decode = (base: string, pair: string) =>
  request(base).post('/codec/decode').set('Cookie', pair).send({ payloads: [] });

test('the sign-in cookie holds a token, not the key, and the token dies with its key', async () => {
  const api = await startLiveApi(h);
  try {
    const admin = api.addKey('second-admin', `${h.users.admin}-2`, ['admin']);
    const { pair } = await signIn(api.base, admin);
    expect(pair).not.toContain(admin);
    expect(pair).not.toContain(encodeURIComponent(admin));
    expect((await decode(api.base, pair)).status).toBe(200);
    // Used as an API key, the token is nothing.
    const token = pair.slice(pair.indexOf('=') + 1);
    expect((await request(api.base).get('/api/v1/sessions').set(bearer(token))).status).toBe(401);
    api.revoke('second-admin');
    expect((await decode(api.base, pair)).status).toBe(401);
  } finally {
    await api.close();
  }
});

test('the token expires', async () => {
  const api = await startLiveApi(h, { API_CODEC_TOKEN_TTL: '1s' });
  try {
    const { cookie, pair } = await signIn(api.base, h.keys.admin);
    expect(cookie).toContain('Max-Age=1');
    await eventually('the token to expire', async () =>
      (await decode(api.base, pair)).status === 401 ? true : undefined,
    );
  } finally {
    await api.close();
  }
});

test('the cookie is Secure for a client that is not on this machine', async () => {
  const api = await startLiveApi(h, { API_TRUST_PROXY: 'loopback' });
  try {
    const remote = await signIn(api.base, h.keys.admin, { 'X-Forwarded-For': '203.0.113.9' });
    expect(remote.cookie).toContain('Secure');
    expect(remote.cookie).toContain('HttpOnly');
    const local = await signIn(api.base, h.keys.admin);
    expect(local.cookie).not.toContain('Secure');
  } finally {
    await api.close();
  }
});

test('a non-admin key is refused before its body is read', async () => {
  const res = await request(h.app)
    .post('/codec/decode')
    .set(bearer(h.keys.alice))
    .set('Content-Type', 'application/json')
    .send('{"payloads": [ this is not JSON');
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
});

test("codec routes count against the key's request limit", async () => {
  const app = h.appWith({ API_RATE_LIMIT_RPS: '1', API_RATE_LIMIT_BURST: '2' });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    statuses.push((await request(app).post('/codec/encode').set(bearer(h.keys.admin)).send({ payloads: [] })).status);
  }
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
});

test('a spec above the admin bounds, started outside the API with codec-encrypted payloads, creates nothing', async () => {
  const spec = testSessionSpec({
    user: h.users.alice,
    resources: { cpuRequest: '1', cpuLimit: '64', memoryRequest: '1Gi', memoryLimit: '1Gi' },
  });
  let handle: Awaited<ReturnType<typeof startSession>> | undefined;
  try {
    // The harness's client encrypts with the codec key, as /codec/encode does for the Temporal UI.
    handle = await startSession(h.client, spec, h.config);
    const refused = await eventually('the worker to refuse the spec', async () => {
      const history = await h.client.workflow.getHandle(sessionWorkflowId(spec.sessionId)).fetchHistory();
      return (history.events ?? []).find(
        (e) =>
          e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED &&
          e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type === 'SpecOutOfBounds',
      );
    });
    expect(refused.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.nonRetryable).toBe(true);
    expect((await sessionObjects(spec.sessionId)).filter((o) => o.startsWith('Pod/'))).toEqual([]);
  } finally {
    await handle?.terminate('test over').catch(() => undefined);
    await removeSessionObjects(spec);
  }
});
