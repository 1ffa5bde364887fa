import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { ConfigError, loadConfig, sessionDefaults } from '../../src/config.js';
import { buildSessionPod } from '../../src/k8s/manifests.js';
import {
  PROVISION_ENV,
  WARM_POOL_LABEL,
  buildWarmPod,
  buildWarmTokenSecret,
  templateHash,
  warmPodNames,
} from '../../src/k8s/warm-pod.js';
import { SessionSpecSchema } from '../../workflows/contract/spec.js';
import { buildWarmPoolProfiles, templateOf } from '../../src/session/warm-pool.js';
import { type WarmPoolProfile } from '../../workflows/contract/warm-pool.js';
import { loadWarmPoolProfiles } from '../../src/temporal/warm-pools.js';

const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const config = (env: Record<string, string> = {}) => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, ...env });
const defaults = sessionDefaults(config({ AGENTAPI_K8S_SESSION_NATIVE_SIDECARS: 'true' }));
const profile: WarmPoolProfile = {
  name: 'default',
  template: templateOf(defaults),
  min: 2,
  max: 5,
  schedule: [],
  timezone: 'UTC',
};
const names = warmPodNames('default', 'abc12345');
const pod = buildWarmPod(profile, names, {
  tokenHash: 'f'.repeat(64),
  provisionUrl: 'http://api/internal/v1/provision',
});
const containers = (p: k8s.V1Pod) => [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])];

describe('warm pod builder', () => {
  test('a warm pod is labelled as an available session pod of its pool and carries no session labels', () => {
    expect(pod.metadata?.labels).toEqual({
      app: 'agentapi-session',
      'agentapi.proxy/warm-pool': 'default',
      'agentapi.proxy/warm-state': 'available',
      'agentapi.proxy/warm-template': templateHash(profile.template),
    });
    expect(pod.metadata?.name).toBe('warm-default-abc12345');
  });

  test('a warm pod has the image, resources, runtime class, placement and security of a session pod of its profile', () => {
    const session = buildSessionPod(SessionSpecSchema.parse({ ...defaults, sessionId: 's1', user: 'u', secrets: {} }));
    const strip = (c: k8s.V1Container) => ({
      name: c.name,
      image: c.image,
      resources: c.resources,
      securityContext: c.securityContext,
    });
    expect(containers(pod).map(strip)).toEqual(containers(session).map(strip));
    expect(pod.spec?.securityContext).toEqual(session.spec?.securityContext);
    expect(pod.spec?.runtimeClassName).toEqual(session.spec?.runtimeClassName);
    expect(pod.spec?.tolerations).toEqual(session.spec?.tolerations);
    expect(pod.spec?.nodeSelector).toEqual(session.spec?.nodeSelector);
  });

  test('a warm pod mounts and references no Secret but its own provisioning token', () => {
    expect(pod.spec?.volumes?.filter((v) => v.secret || v.projected)).toEqual([]);
    // No Kubernetes token either: not projected (above), not automounted.
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
    const secretRefs = containers(pod).flatMap((c) =>
      (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.valueFrom!.secretKeyRef!.name),
    );
    expect(secretRefs).toEqual([names.tokenSecret]);
    expect(containers(pod).flatMap((c) => c.envFrom ?? [])).toEqual([]);
    const main = pod.spec!.containers[0]!;
    expect(main.env?.map((e) => e.name)).toEqual(
      expect.arrayContaining([PROVISION_ENV.url, PROVISION_ENV.token, PROVISION_ENV.podName]),
    );
  });

  test('the token Secret holds the token and the pod only its hash', () => {
    const secret = buildWarmTokenSecret(profile, names, 'tok_123');
    expect(secret.stringData).toEqual({ token: 'tok_123' });
    expect(secret.metadata?.labels).toEqual({ [WARM_POOL_LABEL]: 'default' });
    expect(JSON.stringify(pod)).not.toContain('tok_123');
  });

  test('the template hash changes with the image and ignores key order', () => {
    const same = { ...profile.template, resources: { ...profile.template.resources } };
    expect(templateHash(same)).toBe(templateHash(profile.template));
    expect(templateHash({ ...profile.template, image: 'other:1' })).not.toBe(templateHash(profile.template));
  });
});

describe('warm pool profiles', () => {
  test('the default pool exists only when its max is above 0', () => {
    expect(buildWarmPoolProfiles(defaults, { min: 0, max: 0 }, undefined)).toEqual([]);
    const [p] = buildWarmPoolProfiles(defaults, { min: 3, max: 10 }, undefined);
    expect(p).toMatchObject({ name: 'default', min: 3, max: 10 });
    expect(p!.template).toEqual(templateOf(defaults));
  });

  test('a pools file (YAML) adds profiles that override the session defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warm-'));
    const file = join(dir, 'pools.yaml');
    writeFileSync(
      file,
      [
        'pools:',
        '  - name: gpu',
        '    image: example/agent:gpu',
        '    resources: { cpuRequest: "2", memoryRequest: 4Gi }',
        '    runtimeClassName: gvisor',
        '    nodeSelector: { pool: gpu }',
        '    min: 1',
        '    max: 4',
        '    schedule: [{ cron: "0 8 * * 1-5", size: 4 }, { cron: "0 20 * * *", size: 1 }]',
        '    timezone: Asia/Tokyo',
      ].join('\n'),
    );
    const profiles = loadWarmPoolProfiles(config({ AGENTAPI_K8S_SESSION_WARM_POOLS_FILE: file }));
    expect(profiles).toHaveLength(1);
    expect(profiles[0]).toMatchObject({
      name: 'gpu',
      min: 1,
      max: 4,
      timezone: 'Asia/Tokyo',
      template: {
        image: 'example/agent:gpu',
        runtimeClassName: 'gvisor',
        resources: { cpuRequest: '2', memoryRequest: '4Gi', cpuLimit: '2', memoryLimit: '4Gi' },
        placement: { nodeSelector: { pool: 'gpu' } },
      },
    });
    expect(profiles[0]!.schedule).toEqual([
      { cron: '0 8 * * 1-5', size: 4 },
      { cron: '0 20 * * *', size: 1 },
    ]);
  });

  test('a bad pools file or min above max stops the process with the variable named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warm-'));
    const file = join(dir, 'pools.json');
    writeFileSync(file, JSON.stringify({ pools: [{ name: 'Bad_Name', min: 5, max: 1 }] }));
    expect(() => loadWarmPoolProfiles(config({ AGENTAPI_K8S_SESSION_WARM_POOLS_FILE: file }))).toThrow(ConfigError);
    expect(() =>
      loadWarmPoolProfiles(
        config({ AGENTAPI_K8S_SESSION_WARM_POOL_MIN: '5', AGENTAPI_K8S_SESSION_WARM_POOL_MAX: '2' }),
      ),
    ).toThrow(/AGENTAPI_K8S_SESSION_WARM_POOL_MAX/);
  });
});
