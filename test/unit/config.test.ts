import { ConfigError, ENV_DOCS, loadConfig, sessionDefaults } from '../../src/config.js';

const KEY = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

describe('configuration from the environment', () => {
  test('defaults follow the seed: 500m/512Mi requests, 2/4Gi limits, 120 s start, 30 s grace', () => {
    const config = loadConfig({ TEMPORAL_CODEC_KEYS: KEY });
    expect(config).toMatchObject({
      cpuRequest: '500m',
      memoryRequest: '512Mi',
      cpuLimit: '2',
      memoryLimit: '4Gi',
      podStartTimeoutSeconds: 120,
      podStopGraceSeconds: 30,
      pvcEnabled: false,
      pvcReclaimPolicy: 'Delete',
      sessionNamespace: 'agentapi-sessions',
      timeoutMinutes: 60,
    });
  });

  test('seed variable names set the session defaults, including JSON placement', () => {
    const config = loadConfig({
      TEMPORAL_CODEC_KEYS: KEY,
      AGENTAPI_K8S_SESSION_CPU_LIMIT: '4',
      AGENTAPI_K8S_SESSION_MEMORY_LIMIT: '8Gi',
      AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true',
      AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS: 'fast-ssd',
      AGENTAPI_K8S_SESSION_PVC_RECLAIM_POLICY: 'Retain',
      AGENTAPI_K8S_SESSION_NODE_SELECTOR: '{"pool":"sessions"}',
      AGENTAPI_K8S_SESSION_POD_START_TIMEOUT: '3m',
    });
    const spec = sessionDefaults(config);
    expect(spec.resources.cpuLimit).toBe('4');
    expect(spec.pvc).toEqual({ enabled: true, storageClass: 'fast-ssd', size: '10Gi', deleteOnTerminate: false });
    expect(spec.placement.nodeSelector).toEqual({ pool: 'sessions' });
    expect(spec.podStartTimeoutSeconds).toBe(180);
  });

  test('session pods get a PriorityClass only when one is configured', () => {
    expect(sessionDefaults(loadConfig({ TEMPORAL_CODEC_KEYS: KEY })).priorityClassName).toBeUndefined();
    const config = loadConfig({ TEMPORAL_CODEC_KEYS: KEY, AGENTAPI_K8S_SESSION_PRIORITY_CLASS: 'agentapi-session' });
    expect(sessionDefaults(config).priorityClassName).toBe('agentapi-session');
  });

  test.each([
    ['AGENTAPI_K8S_SESSION_CPU_LIMIT', 'two cores'],
    ['AGENTAPI_K8S_SESSION_PVC_ENABLED', 'yes please'],
    ['AGENTAPI_K8S_SESSION_NODE_SELECTOR', '{not json'],
    ['AGENTAPI_K8S_SESSION_POD_START_TIMEOUT', 'soon'],
    ['AGENTAPI_K8S_SESSION_PVC_RECLAIM_POLICY', 'Recycle'],
    ['AGENTAPI_K8S_SESSION_IMAGE_PULL_POLICY', 'Sometimes'],
    ['API_MAX_SESSIONS_PER_USER', '-1'],
    ['API_SSE_KEEPALIVE_SECONDS', '0'],
    ['API_SSE_KEEPALIVE_SECONDS', '10m'],
  ])('a bad %s stops start-up with a message naming it', (variable, value) => {
    expect(() => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, [variable]: value })).toThrow(variable);
  });

  test('an idle event stream is kept alive every 30 s unless set otherwise', () => {
    expect(loadConfig({ TEMPORAL_CODEC_KEYS: KEY }).sseKeepAliveSeconds).toBe(30);
    expect(loadConfig({ TEMPORAL_CODEC_KEYS: KEY, API_SSE_KEEPALIVE_SECONDS: '45s' }).sseKeepAliveSeconds).toBe(45);
  });

  test('without a payload encryption key the process refuses to start', () => {
    expect(() => loadConfig({})).toThrow(/TEMPORAL_CODEC_KEYS/);
  });

  test('every variable is documented with a default and a description', () => {
    const names = ENV_DOCS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of ENV_DOCS) {
      expect(d.description.length).toBeGreaterThan(5);
      expect(d.default.length).toBeGreaterThan(0);
    }
    expect(names).toEqual(expect.arrayContaining(['AGENTAPI_K8S_SESSION_POD_START_TIMEOUT', 'TEMPORAL_ADDRESS']));
  });
});
