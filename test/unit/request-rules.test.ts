import { loadConfig } from '../../src/config.js';
import { CreateSessionBodySchema } from '../../src/session/create-request.js';
import {
  buildSessionSpec,
  isImageAllowed,
  SessionRequestRejected,
  type RequestProblem,
} from '../../src/session/request-rules.js';
import { buildCredentialsSecret, buildSessionConfigMap, buildSessionPod } from '../../src/k8s/manifests.js';

const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const config = (env: Record<string, string> = {}) => loadConfig({ TEMPORAL_CODEC_KEYS: KEYS, ...env });
const build = (body: unknown, env: Record<string, string> = {}) =>
  buildSessionSpec(config(env), 'alice', 's1', CreateSessionBodySchema.parse(body));

/** The refusal's kind and problems, or a failure of the test when the request was accepted. */
function refusal(body: unknown, env: Record<string, string> = {}): { kind: string; problems: RequestProblem[] } {
  try {
    build(body, env);
  } catch (err) {
    if (err instanceof SessionRequestRejected) return { kind: err.kind, problems: err.problems };
    throw err;
  }
  throw new Error('the request was accepted');
}

describe('admin bounds on a create request', () => {
  test('a PVC larger than AGENTAPI_K8S_SESSION_MAX_PVC_SIZE is refused naming the field and the limit', () => {
    const { kind, problems } = refusal(
      { config: { pvc_enabled: true, pvc_size: '1Ti' } },
      { AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true', AGENTAPI_K8S_SESSION_MAX_PVC_SIZE: '20Gi' },
    );
    expect(kind).toBe('validation');
    expect(problems).toEqual([
      { path: 'body.config.pvc_size', message: expect.stringMatching(/20Gi.*AGENTAPI_K8S_SESSION_MAX_PVC_SIZE/) },
    ]);
  });

  test("a request's pvc_enabled cannot override the admin's PVC_ENABLED=false", () => {
    const { kind, problems } = refusal({ config: { pvc_enabled: true } });
    expect(kind).toBe('policy');
    expect(problems[0]).toEqual({
      path: 'body.config.pvc_enabled',
      message: expect.stringContaining('AGENTAPI_K8S_SESSION_PVC_ENABLED'),
    });
    expect(refusal({ config: { pvc_name: 'old-claim' } }).problems[0]!.path).toBe('body.config.pvc_name');
  });

  test('with PVCs enabled a user may still opt out, and within the maximum ask for a size', () => {
    const env = { AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true' };
    expect(build({ config: { pvc_enabled: false } }, env).pvc.enabled).toBe(false);
    expect(build({ config: { pvc_size: '5Gi' } }, env).pvc).toEqual(
      expect.objectContaining({ enabled: true, size: '5Gi' }),
    );
  });

  test('by default only the configured image may be requested', () => {
    const image = config().sessionImage;
    expect(build({ config: { image } }).image).toBe(image);
    const { kind, problems } = refusal({ config: { image: 'evil.example/miner:latest' } });
    expect(kind).toBe('policy');
    expect(problems[0]!.path).toBe('body.config.image');
    expect(problems[0]!.message).toContain('AGENTAPI_K8S_SESSION_ALLOWED_IMAGES');
  });

  test('an allow-list entry ending in @sha256: admits any digest of that repository and nothing else', () => {
    const allowed = ['registry.example/agent@sha256:', 'registry.example/other:v1'];
    const digest = 'a'.repeat(64);
    expect(isImageAllowed(`registry.example/agent@sha256:${digest}`, allowed)).toBe(true);
    expect(isImageAllowed('registry.example/agent:latest', allowed)).toBe(false);
    expect(isImageAllowed(`registry.example/agent@sha256:${digest}/../x`, allowed)).toBe(false);
    expect(isImageAllowed('registry.example/agent-evil@sha256:' + digest, allowed)).toBe(false);
    expect(isImageAllowed('registry.example/other:v1', allowed)).toBe(true);
    expect(isImageAllowed('registry.example/other:v2', allowed)).toBe(false);
  });

  test('node selector keys need the admin allow-list, and the admin keys always win', () => {
    expect(refusal({ config: { node_selector: { 'pool.example/gpu': 'true' } } }).kind).toBe('policy');
    const env = {
      AGENTAPI_K8S_SESSION_ALLOWED_NODE_SELECTOR_KEYS: 'pool.example/gpu,topology.kubernetes.io/zone',
      AGENTAPI_K8S_SESSION_NODE_SELECTOR: '{"topology.kubernetes.io/zone":"zone-a"}',
    };
    const spec = build(
      { config: { node_selector: { 'pool.example/gpu': 'true', 'topology.kubernetes.io/zone': 'zone-b' } } },
      env,
    );
    expect(spec.placement.nodeSelector).toEqual({
      'pool.example/gpu': 'true',
      'topology.kubernetes.io/zone': 'zone-a',
    });
  });

  test('every pod volume and container is bounded on disk', () => {
    const pod = buildSessionPod(build({ config: {} }, { AGENTAPI_K8S_SESSION_EMPTYDIR_SIZE_LIMIT: '3Gi' }));
    for (const volume of pod.spec!.volumes!.filter((v) => v.emptyDir)) expect(volume.emptyDir!.sizeLimit).toBe('3Gi');
    for (const c of [...pod.spec!.containers, ...(pod.spec!.initContainers ?? [])]) {
      expect(c.resources?.limits?.['ephemeral-storage']).toBeDefined();
      expect(c.resources?.requests?.['ephemeral-storage']).toBeDefined();
    }
    expect(pod.spec!.enableServiceLinks).toBe(false);
  });
});

describe('secret_env', () => {
  const spec = () => build({ config: { env: { EDITOR: 'vim' } }, secret_env: { OPENAI_API_KEY: 'sk-very-secret' } });

  test('is stored in the session Secret and referenced from the pod, never copied', () => {
    const s = spec();
    const pod = buildSessionPod(s);
    const secret = buildCredentialsSecret(s);
    expect(Object.values(secret.stringData!)).toContain('sk-very-secret');
    const ref = pod.spec!.containers[0]!.env!.find((e) => e.name === 'OPENAI_API_KEY')!;
    expect(ref.value).toBeUndefined();
    expect(ref.valueFrom?.secretKeyRef?.name).toBe(secret.metadata!.name);
    expect(secret.stringData![ref.valueFrom!.secretKeyRef!.key]).toBe('sk-very-secret');
    expect(JSON.stringify(pod)).not.toContain('sk-very-secret');
  });

  test('the ConfigMap holds no user env value, secret or not', () => {
    const cm = JSON.stringify(buildSessionConfigMap(spec()));
    expect(cm).not.toContain('sk-very-secret');
    expect(cm).not.toContain('vim');
  });

  test('a name both in config.env and secret_env is refused', () => {
    expect(refusal({ config: { env: { A: '1' } }, secret_env: { A: '2' } }).problems[0]!.path).toBe(
      'body.secret_env.A',
    );
  });
});
