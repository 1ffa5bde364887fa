/**
 * The worker's Worker Versioning settings and the rollout rules deploy/ must keep (docs/versioning.md);
 * the behaviour on a real server is test/workflow/worker-versioning.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parseAllDocuments } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config.js';
import { serveWorkerMetrics } from '../../src/temporal/worker-metrics.js';
import { buildIdOf, workerDeploymentOptions, workerVersionOf } from '../../src/temporal/worker-versioning.js';
import { repoRoot } from '../support/stack.js';

const KEY = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const code = async () => 'workflow bundle v1';

describe('worker versioning settings', () => {
  test('by default the worker is versioned, in the session-orchestrator deployment, its build named by its workflow code', async () => {
    const config = loadConfig({ TEMPORAL_CODEC_KEYS: KEY });
    const version = await workerVersionOf(config, code);
    expect(version).toEqual({ deploymentName: 'session-orchestrator', buildId: buildIdOf('workflow bundle v1') });
    expect(version!.buildId).toMatch(/^workflows-[0-9a-f]{16}$/);
    expect(workerDeploymentOptions(version)).toEqual({
      workerDeploymentOptions: {
        version,
        useWorkerVersioning: true,
        // Sessions run to their end on the build that started them.
        defaultVersioningBehavior: 'PINNED',
      },
    });
  });

  test('only a change to the workflow code changes the default build id', () => {
    expect(buildIdOf('workflow bundle v1')).toBe(buildIdOf(Buffer.from('workflow bundle v1')));
    expect(buildIdOf('workflow bundle v2')).not.toBe(buildIdOf('workflow bundle v1'));
  });

  test('a configured build id and deployment name win; unversioned, the worker gets no deployment options', async () => {
    const named = loadConfig({
      TEMPORAL_CODEC_KEYS: KEY,
      TEMPORAL_WORKER_DEPLOYMENT_NAME: 'orchestrator-eu',
      TEMPORAL_WORKER_BUILD_ID: 'release-42',
    });
    const unused = async () => {
      throw new Error('the workflow code is not needed when the build id is configured');
    };
    expect(await workerVersionOf(named, unused)).toEqual({ deploymentName: 'orchestrator-eu', buildId: 'release-42' });
    const off = loadConfig({ TEMPORAL_CODEC_KEYS: KEY, TEMPORAL_WORKER_VERSIONING: 'false' });
    expect(await workerVersionOf(off, unused)).toBeUndefined();
    expect(workerDeploymentOptions(undefined)).toEqual({});
  });

  test.each([
    ['TEMPORAL_WORKER_BUILD_ID', 'v1.2'],
    ['TEMPORAL_WORKER_DEPLOYMENT_NAME', 'a b'],
    ['TEMPORAL_WORKER_VERSIONING', 'yes'],
  ])('%s=%s is refused at start', (variable, value) => {
    expect(() => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, [variable]: value })).toThrow(variable);
  });
});

describe('the worker rollout deploy/ ships', () => {
  const worker = parseAllDocuments(readFileSync(join(repoRoot, 'deploy', 'base', 'worker.yaml'), 'utf8'))
    .map((d) => d.toJS() as { kind: string; spec: Record<string, unknown> })
    .find((d) => d.kind === 'Deployment')!;
  const pod = (worker.spec.template as { spec: Record<string, unknown> }).spec as {
    terminationGracePeriodSeconds: number;
    containers: { readinessProbe?: { httpGet: { path: string; port: string } }; ports: { name: string }[] }[];
  };

  test('an old build is stopped only once the new one is ready, that is polling and current', () => {
    const container = pod.containers[0]!;
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(container.ports.map((p) => p.name)).toContain('metrics');
    const config = readFileSync(join(repoRoot, 'deploy', 'base', 'config.yaml'), 'utf8');
    expect(config).toMatch(/WORKER_METRICS_PORT: '9464'/);
  });

  test("a superseded build's worker may wait for its sessions' whole lifetime before it is killed", () => {
    const maxLifetimeSeconds = loadConfig({ TEMPORAL_CODEC_KEYS: KEY }).maxLifetimeMinutes * 60;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(maxLifetimeSeconds);
  });

  test('/readyz answers 503 until the worker is ready, then 200', async () => {
    let ready = false;
    const server = await serveWorkerMetrics(new Registry(), '127.0.0.1', 0, () => ready);
    try {
      const address = server.address() as { port: number };
      const probe = () => fetch(`http://127.0.0.1:${address.port}/readyz`).then((r) => r.status);
      expect(await probe()).toBe(503);
      ready = true;
      expect(await probe()).toBe(200);
    } finally {
      server.close();
    }
  });
});
