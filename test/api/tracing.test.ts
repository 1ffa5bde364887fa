/**
 * Tracing end to end, collected in process: one create through the real API, workflow, activities and
 * Kubernetes calls is one trace whose spans form a single tree rooted at the HTTP request.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import { initTelemetry, type Telemetry } from '../../src/telemetry.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { createOwnSessionNamespace } from '../support/own-namespace.js';
import { onStackNodes } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry | undefined;
let h: ApiHarness;
let sessionId: string | undefined;
let namespace: Awaited<ReturnType<typeof createOwnSessionNamespace>>;

beforeAll(async () => {
  // Before the harness builds its clients and worker: they pick tracing up when they are created.
  telemetry = initTelemetry({
    serviceName: 'tracing-test',
    config: loadConfig({ TEMPORAL_CODEC_KEYS: `t:${Buffer.alloc(32, 7).toString('base64')}` }),
    spanProcessor: new SimpleSpanProcessor(exporter),
  });
  namespace = await createOwnSessionNamespace('so-trace');
  h = await startApiHarness({ AGENTAPI_K8S_SESSION_NAMESPACE: namespace.name });
}, 180_000);

afterAll(async () => {
  if (sessionId) {
    await request(h.app)
      .delete(`/api/v1/sessions/${sessionId}?wait=true`)
      .set('Authorization', `Bearer ${h.keys.admin}`);
  }
  await h?.close();
  await namespace?.remove();
  await telemetry?.shutdown();
});

const id = (s: ReadableSpan) => s.spanContext().spanId;

test("a create's trace is one tree: HTTP request → workflow start → workflow → activities → Kubernetes calls", async () => {
  const res = await request(h.app)
    .post('/api/v1/sessions')
    .set('Authorization', `Bearer ${h.keys.alice}`)
    .send({ config: onStackNodes });
  expect(res.status).toBe(201);
  sessionId = res.body.session_id as string;

  // The workflow's span ends with the workflow: end the session (through the API, traced too).
  const deleted = await request(h.app)
    .delete(`/api/v1/sessions/${sessionId}?wait=true`)
    .set('Authorization', `Bearer ${h.keys.alice}`);
  expect(deleted.status).toBe(200);
  sessionId = undefined;

  const root = await eventually('the HTTP span', async () =>
    exporter.getFinishedSpans().find((s) => s.name === 'POST /api/v1/sessions'),
  );
  expect(root.parentSpanId).toBeUndefined();
  const traceId = root.spanContext().traceId;
  const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  // Workflow spans reach the exporter through the worker's sink, a little after the activities.
  const spans = await eventually('workflow, activity and Kubernetes spans', async () => {
    const all = inTrace();
    const names = all.map((s) => s.name);
    const complete =
      names.some((n) => n.startsWith('RunWorkflow')) &&
      names.some((n) => n.startsWith('RunActivity')) &&
      names.some((n) => n.startsWith('k8s createNamespacedPod'));
    if (!complete) throw new Error(`spans so far: ${names.join(', ')}`);
    return all;
  });

  // One tree: every span but the root has its parent in the same trace.
  const ids = new Set(spans.map(id));
  const orphans = spans.filter((s) => s !== root && !ids.has(s.parentSpanId ?? ''));
  expect(orphans.map((s) => s.name)).toEqual([]);

  const byId = new Map(spans.map((s) => [id(s), s]));
  const ancestry = (s: ReadableSpan): string[] => {
    const chain: string[] = [];
    for (let cur: ReadableSpan | undefined = s; cur; cur = byId.get(cur.parentSpanId ?? '')) chain.unshift(cur.name);
    return chain;
  };
  const podCreate = spans.find((s) => s.name === 'k8s createNamespacedPod')!;
  const chain = ancestry(podCreate);
  expect(chain[0]).toBe('POST /api/v1/sessions');
  // A create that waits starts its workflow with Update-with-Start (one call: start + waitUntilStarted).
  const start = chain.findIndex((n) => n.startsWith('UpdateWithStartWorkflow'));
  expect(start).toBeGreaterThan(0);
  expect(chain.findIndex((n) => n.startsWith('RunWorkflow'))).toBeGreaterThan(start);
  expect(chain.findIndex((n) => n.startsWith('RunActivity'))).toBeGreaterThan(
    chain.findIndex((n) => n.startsWith('RunWorkflow')),
  );
  expect(chain.at(-1)).toBe('k8s createNamespacedPod');
  expect(podCreate.attributes['k8s.namespace.name']).toBe(h.config.sessionNamespace);

  // No secret travels in span attributes.
  expect(JSON.stringify(spans.map((s) => s.attributes))).not.toMatch(/ghp_|so_[A-Za-z0-9_-]{20,}/);
});
