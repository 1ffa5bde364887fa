/**
 * The OpenAPI document is valid OpenAPI 3.1 and describes exactly the routes the app serves, with the
 * request shapes the routes enforce (it is generated from the same zod schemas).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

let h: ApiHarness;
let doc: {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<
      string,
      { properties?: Record<string, unknown>; additionalProperties?: unknown; required?: string[] }
    >;
  };
};

beforeAll(async () => {
  h = await startApiHarness();
  const res = await request(h.app).get('/openapi.json').set('Authorization', `Bearer ${h.keys.readOnly}`);
  expect(res.status).toBe(200);
  doc = res.body;
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** `METHOD /path/{param}` for every route the Express app registered. */
function appRoutes(): string[] {
  const stack = (
    h.app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }
  ).router.stack;
  return stack
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/[:*](\w+)/g, '{$1}')}`),
    )
    .sort();
}

test('the document is valid OpenAPI 3.1', async () => {
  const result = await new Validator().validate(doc as never);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(doc.openapi).toBe('3.1.0');
});

test('it lists exactly the routes the app serves', () => {
  const documented = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  expect(documented).toEqual(appRoutes());
});

test('its create-session schema matches what the route accepts and refuses', async () => {
  const create = doc.components.schemas.CreateSessionRequest!;
  const config = doc.components.schemas.SessionConfig!;
  expect(create.additionalProperties).toBe(false);
  expect(config.additionalProperties).toBe(false);
  expect(Object.keys(create.properties ?? {}).sort()).toEqual(['config', 'github_token', 'mcp_servers', 'secret_env']);
  expect(Object.keys(config.properties ?? {}).sort()).toEqual(
    [
      'cpu_limit',
      'cpu_request',
      'env',
      'image',
      'memory_limit',
      'memory_request',
      'node_selector',
      'pvc_enabled',
      'pvc_name',
      'pvc_size',
      'timeout_minutes',
    ].sort(),
  );
  // A field the document does not list is refused by the route, a listed one is not reported as unknown.
  const key = { Authorization: `Bearer ${h.keys.alice}` };
  const unknown = await request(h.app)
    .post('/api/v1/sessions')
    .set(key)
    .send({ config: { not_in_the_document: 1 } });
  expect(unknown.status).toBe(400);
  expect(JSON.stringify(unknown.body.error.details)).toContain('not_in_the_document');
  const extend = doc.components.schemas.ExtendSessionRequest!;
  expect(extend.required).toEqual(['minutes']);
  expect(extend.additionalProperties).toBe(false);
});
