/**
 * deploy/ as kustomize: every overlay renders with the stack's kubectl, passes kubeconform (strict, with
 * schemas taken from the stack's own apiserver, so no download), is accepted by a server-side dry-run
 * apply against the real apiserver (admission, defaulting, strict field validation), and the objects the
 * apiserver returns hold the production rules: ≥ 2 replicas, probes, PDBs, HPA at 50 % CPU, topology
 * spread, resources.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot, stackEnv } from '../support/stack.js';
import { toolPath } from '../support/tools.js';

const OVERLAYS = ['local', 'staging', 'prod'] as const;
const NAMESPACE = 'session-orchestrator';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  handler?: string;
}

let schemaDir: string;
let kubeconform: string;
const rendered = new Map<string, string>();

function kubectl(args: string[], input?: string): string {
  const env = stackEnv();
  return execFileSync(env.STACK_KUBECTL, ['--kubeconfig', env.KUBECONFIG, ...args], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * Standalone JSON schemas in kubeconform's layout (`<kind>-<group>-<version>.json`) from the apiserver's
 * OpenAPI v2 document, strict (no unknown fields), as kubeconform's own openapi2jsonschema makes them.
 */
function writeSchemas(dir: string): void {
  const doc = JSON.parse(kubectl(['get', '--raw', '/openapi/v2'])) as {
    definitions: Record<string, Record<string, unknown>>;
  };
  const fix = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(fix);
    if (!node || typeof node !== 'object') return node;
    const o = node as Record<string, unknown>;
    if (o.format === 'int-or-string') return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      out[k] =
        k === '$ref' && typeof v === 'string' ? v.replace('#/definitions/', '_definitions.json#/definitions/') : fix(v);
    }
    if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
    return out;
  };
  const definitions = fix(doc.definitions) as Record<string, Record<string, unknown>>;
  writeFileSync(join(dir, '_definitions.json'), JSON.stringify({ definitions }));
  for (const [name, def] of Object.entries(definitions)) {
    const gvks = (def['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[];
    for (const { group, version, kind } of gvks) {
      const suffix = group ? `-${group.split('.')[0]}-${version}` : `-${version}`;
      writeFileSync(
        join(dir, `${kind.toLowerCase()}${suffix}.json`),
        JSON.stringify({ ...def, $ref: undefined, allOf: [{ $ref: `_definitions.json#/definitions/${name}` }] }),
      );
    }
  }
}

beforeAll(() => {
  kubeconform = toolPath('kubeconform');
  schemaDir = mkdtempSync(join(tmpdir(), 'so-schemas-'));
  writeSchemas(schemaDir);
  // The orchestrator's and Temporal's namespaces must exist for a dry-run of their objects (a dry-run
  // creates nothing).
  for (const namespace of [NAMESPACE, 'temporal']) {
    try {
      kubectl(['get', 'namespace', namespace]);
    } catch {
      kubectl(['create', 'namespace', namespace]);
    }
  }
  for (const overlay of OVERLAYS)
    rendered.set(overlay, kubectl(['kustomize', join(repoRoot, 'deploy', 'overlays', overlay)]));
}, 1_800_000);

afterAll(() => {
  if (schemaDir) rmSync(schemaDir, { recursive: true, force: true });
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  test('passes kubeconform (strict) against the apiserver schemas', () => {
    const out = execFileSync(
      kubeconform,
      [
        '-strict',
        '-summary',
        '-output',
        'text',
        '-schema-location',
        join(schemaDir, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
        '-',
      ],
      { input: rendered.get(overlay), encoding: 'utf8' },
    );
    const summary = /Valid: (\d+), Invalid: 0, Errors: 0, Skipped: 0/.exec(out);
    expect(summary?.[0]).toBeDefined();
    expect(Number(summary![1])).toBeGreaterThanOrEqual(15);
  });

  test("gives each service's V8 heap a size that fits its container's memory limit", () => {
    // V8 sizes its heap from the node's memory, not the container's: unset, a busy worker grows past its
    // limit and is OOM-killed instead of collecting.
    const mib = (quantity: string) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
      if (!m) throw new Error(`unexpected memory quantity ${quantity}`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    const deployments = parseAllDocuments(rendered.get(overlay)!)
      .map((d) => d.toJS() as K8sObject)
      .filter((o) => o.kind === 'Deployment');
    expect(deployments).toHaveLength(2);
    for (const d of deployments) {
      const [container] = (
        d.spec as {
          template: {
            spec: {
              containers: { env?: { name: string; value: string }[]; resources: { limits: { memory: string } } }[];
            };
          };
        }
      ).template.spec.containers;
      const nodeOptions = container!.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
      const heap = /--max-old-space-size=(\d+)/.exec(nodeOptions);
      expect({ name: d.metadata.name, heap: heap?.[0] }).toEqual({ name: d.metadata.name, heap: expect.any(String) });
      const share = Number(heap![1]) / mib(container!.resources.limits.memory);
      // Room for the Temporal core, code and buffers outside the heap, but most of the limit for the heap.
      expect(share).toBeGreaterThanOrEqual(0.5);
      expect(share).toBeLessThanOrEqual(0.9);
      // Node 24 lets each young generation grow to 128 MiB, resident once a burst has touched it: bounded, so
      // the RSS follows the old-space size above (measured in the bench report committed in ac0b43e:
      // `git show ac0b43e:bench/results/BENCHMARKS.md`, "The young generation").
      const semiSpace = /--max-semi-space-size=(\d+)/.exec(nodeOptions);
      expect({ name: d.metadata.name, semiSpace: semiSpace?.[0] }).toEqual({
        name: d.metadata.name,
        semiSpace: expect.any(String),
      });
      expect(Number(semiSpace![1])).toBeLessThanOrEqual(32);
    }
  });

  test("opens the worker's two metrics listeners to Prometheus in the monitoring namespace", () => {
    const objects = parseAllDocuments(rendered.get(overlay)!).map((d) => d.toJS() as K8sObject);
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'session-orchestrator')!;
    const worker = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'session-orchestrator-worker')!;
    const ports = (
      worker.spec as { template: { spec: { containers: { ports?: { name: string; containerPort: number }[] }[] } } }
    ).template.spec.containers[0]!.ports;
    expect(ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'metrics', containerPort: Number(config.data!.WORKER_METRICS_PORT) }),
        expect.objectContaining({ name: 'sdk-metrics', containerPort: Number(config.data!.WORKER_SDK_METRICS_PORT) }),
      ]),
    );
    const admitting = objects.filter(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        o.metadata.namespace === NAMESPACE &&
        JSON.stringify(o.spec?.podSelector).includes('"component":"worker"'),
    );
    const rules = admitting.flatMap(
      (p) => (p.spec as { ingress?: { from: unknown[]; ports: { port: string }[] }[] }).ingress ?? [],
    );
    expect(rules.flatMap((r) => r.ports.map((port) => port.port)).sort()).toEqual([
      'metrics',
      'provision',
      'sdk-metrics',
    ]);
    expect(JSON.stringify(rules.flatMap((r) => r.from))).toContain('"kubernetes.io/metadata.name":"monitoring"');
    // The provisioning port admits warm pods of the session namespace, and nothing else.
    const provision = rules.filter((r) => r.ports.some((port) => port.port === 'provision'));
    expect(provision.flatMap((r) => r.from)).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'agentapi-sessions' } },
        podSelector: {
          matchLabels: { app: 'agentapi-session' },
          matchExpressions: [{ key: 'agentapi.proxy/warm-pool', operator: 'Exists' }],
        },
      },
    ]);
    expect(Number(config.data!.WORKER_PROVISION_PORT)).toBe(
      ports!.find((port) => port.name === 'provision')?.containerPort,
    );
  });

  test('the provisioning listener is on no Ingress and not on the API Service', () => {
    const objects = parseAllDocuments(rendered.get(overlay)!).map((d) => d.toJS() as K8sObject);
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    const apiService = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'session-orchestrator-api')!;
    expect(JSON.stringify(apiService.spec)).not.toContain('provision');
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'session-orchestrator')!;
    expect(config.data!.WORKER_PROVISION_PORT).not.toBe(config.data!.API_PORT);
  });

  test('is accepted by a server-side dry-run apply and holds the production rules', () => {
    const applied = JSON.parse(
      kubectl(['apply', '--dry-run=server', '--validate=strict', '-o', 'json', '-f', '-'], rendered.get(overlay)),
    ) as { items: K8sObject[] };
    const of = (kind: string) => applied.items.filter((o) => o.kind === kind);
    const deployments = of('Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'session-orchestrator-api',
      'session-orchestrator-worker',
    ]);
    for (const d of deployments) {
      const spec = d.spec as {
        replicas: number;
        strategy: { rollingUpdate: { maxUnavailable: number | string } };
        selector: { matchLabels: Record<string, string> };
        template: {
          spec: {
            topologySpreadConstraints?: { topologyKey: string }[];
            containers: {
              resources: { requests?: object; limits?: object };
              readinessProbe?: object;
              livenessProbe?: object;
            }[];
          };
        };
      };
      expect(spec.replicas).toBeGreaterThanOrEqual(2);
      expect(spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      const topology = (spec.template.spec.topologySpreadConstraints ?? []).map((t) => t.topologyKey);
      expect(topology).toEqual(expect.arrayContaining(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']));
      for (const c of spec.template.spec.containers) {
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits).toBeDefined();
      }
      const pdb = of('PodDisruptionBudget').find(
        (p) =>
          JSON.stringify((p.spec as { selector: object }).selector) ===
          JSON.stringify({ matchLabels: spec.selector.matchLabels }),
      );
      expect(pdb).toBeDefined();
      const hpa = of('HorizontalPodAutoscaler').find(
        (x) => (x.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === d.metadata.name,
      );
      const hpaSpec = hpa?.spec as {
        minReplicas: number;
        metrics: { resource: { name: string; target: { averageUtilization: number } } }[];
      };
      expect(hpaSpec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpaSpec.metrics).toEqual([
        expect.objectContaining({
          resource: expect.objectContaining({
            name: 'cpu',
            target: expect.objectContaining({ averageUtilization: 50 }),
          }),
        }),
      ]);
    }
    const api = deployments.find((d) => d.metadata.name === 'session-orchestrator-api')!;
    const apiContainer = (
      api.spec as {
        template: {
          spec: {
            containers: {
              readinessProbe: { httpGet: { path: string } };
              livenessProbe: { httpGet: { path: string } };
            }[];
          };
        };
      }
    ).template.spec.containers[0]!;
    expect(apiContainer.readinessProbe.httpGet.path).toBe('/ready');
    expect(apiContainer.livenessProbe.httpGet.path).toBe('/health');

    // The orchestrator's own traffic is default-deny plus an allow-list.
    const policies = of('NetworkPolicy').filter((p) => p.metadata.namespace === NAMESPACE);
    expect(policies.some((p) => JSON.stringify(p.spec?.podSelector) === '{}')).toBe(true);

    const config = of('ConfigMap').find((c) => c.metadata.name === 'session-orchestrator')!;
    if (overlay === 'local') {
      expect(of('RuntimeClass')).toEqual([]);
      // The test stack's Temporal dev server on the host has no TLS (deploy/components/temporal-plaintext).
      expect(config.data!.TEMPORAL_TLS_CA).toBeUndefined();
      expect(of('NetworkPolicy').filter((p) => p.metadata.namespace === 'temporal')).toEqual([]);
    } else {
      // gVisor sessions on the Spot pool, mutual TLS to Temporal.
      expect(of('RuntimeClass').map((r) => [r.metadata.name, r.handler])).toEqual([['gvisor', 'runsc']]);
      expect(config.data!.AGENTAPI_K8S_SESSION_RUNTIME_CLASS).toBe('gvisor');
      expect(JSON.parse(config.data!.AGENTAPI_K8S_SESSION_NODE_SELECTOR!)).toEqual({
        'karpenter.sh/capacity-type': 'spot',
      });
      expect(config.data!.TEMPORAL_TLS_CERT).toBe('/etc/temporal-tls/tls.crt');
      // Each process its own client certificate.
      for (const d of deployments) {
        const volumes = (d.spec as { template: { spec: { volumes: { secret?: { secretName: string } }[] } } }).template
          .spec.volumes;
        expect(volumes.map((v) => v.secret?.secretName)).toContain(`${d.metadata.name}-temporal-tls`);
      }
      // The Temporal frontend admits the API and the worker (and Temporal's own pods), nobody else.
      const frontend = of('NetworkPolicy').find((p) => p.metadata.name === 'temporal-frontend-clients')!;
      expect(frontend.metadata.namespace).toBe('temporal');
      expect((frontend.spec as { ingress: unknown[] }).ingress).toEqual([
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'session-orchestrator' } },
              podSelector: {
                matchExpressions: [
                  { key: 'app', operator: 'In', values: ['session-orchestrator'] },
                  { key: 'component', operator: 'In', values: ['api', 'worker'] },
                ],
              },
            },
            { podSelector: {} },
          ],
          ports: [{ protocol: 'TCP', port: 7233 }],
        },
      ]);
    }
    if (overlay === 'prod') expect(deployments.map((d) => (d.spec as { replicas: number }).replicas)).toEqual([3, 3]);
  });
});
