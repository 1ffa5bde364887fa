/**
 * Every operation of /openapi.json, called with generated parameters and bodies — some fitting their
 * schemas, most breaking them — answers without a 5xx: whatever a caller can get wrong is refused as
 * the caller's error. A fixed seed and a bounded number of cases per operation keep the run short and
 * every failure reproducible. The caller's user is at its session quota, so a valid create is refused
 * rather than started.
 */
import type express from 'express';
import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { CaseGenerator, random, type OpenApiDoc, type Operation } from './openapi-cases.js';
import { bearer } from './live-api.js';

const CASES_PER_OPERATION = 12;
const SEED = 20261207;

let h: ApiHarness;
let app: express.Express;
let id: string;

beforeAll(async () => {
  h = await startApiHarness();
  app = h.appWith({ API_MAX_SESSIONS_PER_USER: '1', API_RATE_LIMIT_RPS: '0', API_IP_RATE_LIMIT_RPS: '0' });
  const res = await request(app).post('/api/v1/sessions').set(bearer(h.keys.bob)).send({ config: {} });
  expect(res.status).toBe(201);
  id = res.body.session_id;
}, 180_000);

afterAll(async () => {
  if (id) await request(app).delete(`/api/v1/sessions/${id}?wait=true`).set(bearer(h.keys.admin));
  await h?.close();
});

test('an exec with an empty argv element is a 400 naming the element, not a failed exec', async () => {
  for (const command of [[''], ['echo', ''], ['ec\u0000ho']]) {
    const res = await request(app).post(`/api/v1/sessions/${id}/exec`).set(bearer(h.keys.bob)).send({ command });
    expect({ command, status: res.status, code: res.body.error?.code }).toEqual({
      command,
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    expect(res.body.error.details[0].path).toMatch(/^body\.command\.\d$/);
  }
});

test('no generated request to any operation of /openapi.json is answered with a 5xx', async () => {
  const doc = (await request(app).get('/openapi.json').set(bearer(h.keys.bob))).body as OpenApiDoc;
  const gen = new CaseGenerator(doc, random(SEED));
  const failures: string[] = [];
  let cases = 0;
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations) as [string, Operation][]) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      for (let i = 0; i < CASES_PER_OPERATION; i++) {
        const fit = i % 3 === 0;
        const path = template.replace(/\{(\w+)\}/g, (_m, name: string) =>
          // The real session only where a call can neither end it nor hang on a stream.
          name === 'id' && fit && method === 'get' && template === '/api/v1/sessions/{id}'
            ? id
            : pathValue(gen, operation, name, fit),
        );
        const query = queryOf(gen, operation, fit);
        const key = template.startsWith('/codec') ? h.keys.admin : h.keys.bob;
        const schema = Object.values(operation.requestBody?.content ?? {})[0]?.schema;
        const body = schema
          ? fit
            ? gen.valid(schema)
            : gen.invalid(schema)
          : i % 4 === 1
            ? { junk: true }
            : undefined;
        const agent = request(app);
        let call = agent[method as 'get' | 'post' | 'put' | 'patch' | 'delete'](`${path}${query}`)
          .set(bearer(key))
          .timeout({ response: 20_000 });
        if (body !== undefined) call = call.set('Content-Type', 'application/json').send(JSON.stringify(body));
        const res = await call.catch((err: { response?: request.Response; message: string }) => {
          if (err.response) return err.response;
          throw new Error(`${method.toUpperCase()} ${path}${query}: ${err.message}`);
        });
        cases++;
        if (res.status >= 500) {
          failures.push(
            `${method.toUpperCase()} ${path}${query} ${JSON.stringify(body)?.slice(0, 300)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)} ${h.unhandledErrorsOf(res).join(' ')}`,
          );
        }
      }
    }
  }
  expect(cases).toBeGreaterThan(100);
  expect(failures).toEqual([]);
}, 120_000);

function pathValue(gen: CaseGenerator, operation: Operation, name: string, fit: boolean): string {
  const schema = operation.parameters?.find((p) => p.in === 'path' && p.name === name)?.schema;
  return encodeURIComponent(gen.text(schema, fit)) || 'x';
}

function queryOf(gen: CaseGenerator, operation: Operation, fit: boolean): string {
  const params = (operation.parameters ?? []).filter((p) => p.in === 'query');
  const pairs = params
    .filter(() => gen.valid({ type: 'boolean' }) === true)
    .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(gen.text(p.schema, fit))}`);
  if (!fit && gen.valid({ type: 'boolean' }) === true) pairs.push('unknown_param=1');
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}
