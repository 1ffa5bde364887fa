/**
 * The codec endpoint the Temporal UI calls (`/codec/decode`, `/codec/encode`): the remote codec
 * protocol, admin-only (by key header or the sign-in cookie), CORS for the UI origin only.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import request from 'supertest';
import { loadCodecKeys, AesGcmPayloadCodec } from '../../src/temporal/codec.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const UI_ORIGIN = 'http://127.0.0.1:8233';
let h: ApiHarness;
let app: ApiHarness['app'];
let codec: AesGcmPayloadCodec;

beforeAll(async () => {
  h = await startApiHarness();
  app = h.appWith({ API_CODEC_CORS_ORIGINS: `${UI_ORIGIN},http://localhost:8233` });
  codec = new AesGcmPayloadCodec(loadCodecKeys(h.config));
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});

async function encryptedSpec(): Promise<{ payloads: ReturnType<typeof toJson>[] }> {
  const [encrypted] = await codec.encode([
    defaultPayloadConverter.toPayload({ user: h.users.alice, secrets: { githubToken: 'ghp_not-for-the-ui' } }),
  ]);
  return { payloads: [toJson(encrypted!)] };
}

test('an admin decodes a session payload the workers encrypted', async () => {
  const body = await encryptedSpec();
  expect(JSON.stringify(body)).not.toContain(h.users.alice);
  const res = await request(app)
    .post('/codec/decode')
    .set('Authorization', `Bearer ${h.keys.admin}`)
    .set('X-Namespace', h.config.temporalNamespace)
    .send(body);
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  const decoded = defaultPayloadConverter.fromPayload<{ user: string }>(fromJson(res.body.payloads[0]));
  expect(decoded.user).toBe(h.users.alice);
});

test('encode then decode through the endpoint gives the payload back, encrypted in between', async () => {
  const plain = toJson(defaultPayloadConverter.toPayload({ hello: 'world' }));
  const encoded = await request(app)
    .post('/codec/encode')
    .set('X-API-Key', h.keys.admin)
    .send({ payloads: [plain] });
  expect(encoded.status).toBe(200);
  expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  const decoded = await request(app).post('/codec/decode').set('X-API-Key', h.keys.admin).send(encoded.body);
  expect(decoded.body.payloads[0]).toEqual(plain);
});

test('only admins decode: no key is 401, a user key is 403', async () => {
  const body = await encryptedSpec();
  expect((await request(app).post('/codec/decode').send(body)).status).toBe(401);
  const user = await request(app).post('/codec/decode').set('Authorization', `Bearer ${h.keys.alice}`).send(body);
  expect(user.status).toBe(403);
  expect(JSON.stringify(user.body)).not.toContain(h.users.alice);
});

test('payloads of another namespace, malformed bodies and foreign ciphertext are 400', async () => {
  const admin = { Authorization: `Bearer ${h.keys.admin}` };
  const body = await encryptedSpec();
  const other = await request(app).post('/codec/decode').set(admin).set('X-Namespace', 'someone-else').send(body);
  expect(other.status).toBe(400);
  const malformed = await request(app)
    .post('/codec/decode')
    .set(admin)
    .send({ payloads: [{ data: '%%%' }] });
  expect(malformed.status).toBe(400);
  expect(malformed.body.error.code).toBe('VALIDATION_ERROR');
  const foreign = structuredClone(body);
  foreign.payloads[0]!.metadata['encryption-key-id'] = Buffer.from('unknown').toString('base64');
  expect((await request(app).post('/codec/decode').set(admin).send(foreign)).status).toBe(400);
});

test('CORS: the UI origin gets a credentialed preflight answer, other origins none', async () => {
  const preflight = await request(app)
    .options('/codec/decode')
    .set('Origin', UI_ORIGIN)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'content-type,x-namespace');
  expect(preflight.status).toBe(204);
  expect(preflight.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
  expect(preflight.headers['access-control-allow-credentials']).toBe('true');
  expect(preflight.headers['access-control-allow-headers']).toMatch(/X-Namespace/i);
  expect(preflight.headers['access-control-allow-methods']).toContain('POST');

  const evil = await request(app)
    .options('/codec/decode')
    .set('Origin', 'https://evil.example')
    .set('Access-Control-Request-Method', 'POST');
  expect(evil.status).toBe(403);
  expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  const evilPost = await request(app)
    .post('/codec/decode')
    .set('Origin', 'https://evil.example')
    .set('Authorization', `Bearer ${h.keys.admin}`)
    .send(await encryptedSpec());
  expect(evilPost.headers['access-control-allow-origin']).toBeUndefined();
});

test('an admin signs in once and the browser cookie authorizes decodes; a user key cannot sign in', async () => {
  const page = await request(app).get('/codec/login');
  expect(page.status).toBe(200);
  expect(page.text).toContain('<form');

  const refused = await request(app).post('/codec/login').type('form').send({ key: h.keys.alice });
  expect(refused.status).toBe(401);
  expect(refused.headers['set-cookie']).toBeUndefined();

  const login = await request(app).post('/codec/login').type('form').send({ key: h.keys.admin });
  expect(login.status).toBe(200);
  const cookie = String(login.headers['set-cookie']);
  expect(cookie).toMatch(/^so_codec_key=/);
  expect(cookie).toContain('HttpOnly');
  expect(cookie).toContain('Path=/codec');
  expect(login.text).not.toContain(h.keys.admin);

  const res = await request(app)
    .post('/codec/decode')
    .set('Origin', UI_ORIGIN)
    .set('Cookie', cookie.split(';')[0]!)
    .send(await encryptedSpec());
  expect(res.status).toBe(200);
  expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
  expect(defaultPayloadConverter.fromPayload<{ user: string }>(fromJson(res.body.payloads[0])).user).toBe(
    h.users.alice,
  );
});
