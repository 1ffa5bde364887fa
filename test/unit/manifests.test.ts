import type * as k8s from '@kubernetes/client-node';
import {
  buildCredentialsSecret,
  buildMcpSecret,
  buildSessionConfigMap,
  buildSessionPod,
  buildSessionPvc,
  buildSessionService,
  sessionLabels,
  sessionUrl,
} from '../../src/k8s/manifests.js';
import { loadConfig, sessionDefaults } from '../../src/config.js';
import { SessionSpecSchema, type SessionSpec } from '../../workflows/contract/spec.js';

const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

function spec(overrides: Partial<SessionSpec> = {}): SessionSpec {
  const defaults = sessionDefaults(loadConfig({ TEMPORAL_CODEC_KEYS: KEY }));
  return SessionSpecSchema.parse({
    ...defaults,
    sessionId: 'abc123',
    user: 'user123',
    secrets: { githubToken: 'ghp_secret', mcpServersJson: '{"mcpServers":{}}' },
    ...overrides,
  });
}

function allContainers(pod: k8s.V1Pod): k8s.V1Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

describe('session manifests', () => {
  test('every object carries the app, user and session-id labels in the session namespace', () => {
    const s = spec();
    const objects = [
      buildCredentialsSecret(s),
      buildMcpSecret(s),
      buildSessionConfigMap(s),
      buildSessionPvc(spec({ pvc: { ...s.pvc, enabled: true } }))!,
      buildSessionPod(s),
      buildSessionService(s),
    ];
    for (const o of objects) {
      expect(o.metadata?.namespace).toBe('agentapi-sessions');
      expect(o.metadata?.labels).toEqual({ app: 'agentapi-session', user: 'user123', 'session-id': 'abc123' });
    }
  });

  test('the credentials secret holds the token under github-token and the MCP secret holds mcp-servers.json', () => {
    const s = spec();
    expect(buildCredentialsSecret(s).metadata?.name).toBe('session-user123-abc123-creds');
    expect(buildCredentialsSecret(s).stringData).toEqual({ 'github-token': 'ghp_secret', 'credentials.json': '{}' });
    expect(buildMcpSecret(s).metadata?.name).toBe('session-user123-abc123-mcp');
    expect(buildMcpSecret(s).stringData).toEqual({ 'mcp-servers.json': '{"mcpServers":{}}' });
  });

  test('no secret value appears in the pod, the config map or the service', () => {
    const s = spec();
    const text = JSON.stringify([buildSessionPod(s), buildSessionConfigMap(s), buildSessionService(s)]);
    expect(text).not.toContain('ghp_secret');
    expect(text).not.toContain('mcpServers');
  });

  test('the pod runs claude-code on 9000 with a readiness probe and the seed default resources', () => {
    const pod = buildSessionPod(spec());
    const main = pod.spec!.containers[0]!;
    expect(pod.metadata?.name).toBe('session-user123-abc123');
    expect(main.name).toBe('claude-code');
    expect(main.ports).toEqual([{ name: 'agentapi', containerPort: 9000 }]);
    expect(main.readinessProbe?.httpGet?.port).toBe('agentapi');
    expect(main.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '8Gi' },
    });
    expect(main.env).toContainEqual({
      name: 'GITHUB_TOKEN',
      valueFrom: { secretKeyRef: { name: 'session-user123-abc123-creds', key: 'github-token' } },
    });
  });

  test('the sidecars otel-collector and credentials-sync get the sidecar resources', () => {
    const pod = buildSessionPod(spec());
    const names = pod.spec!.containers.map((c) => c.name);
    expect(names).toEqual(['claude-code', 'otel-collector', 'credentials-sync']);
    for (const c of pod.spec!.containers.slice(1)) {
      expect(c.resources).toEqual({
        requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
        limits: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
      });
    }
    expect(pod.spec!.containers[1]!.ports!.map((p) => p.containerPort)).toEqual([9464, 9090]);
  });

  test('with native sidecars the sidecars are init containers that restart Always', () => {
    const pod = buildSessionPod(spec({ nativeSidecars: true }));
    expect(pod.spec!.containers.map((c) => c.name)).toEqual(['claude-code']);
    expect(pod.spec!.initContainers!.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['otel-collector', 'Always'],
      ['credentials-sync', 'Always'],
    ]);
  });

  test('every container uses the configured image pull policy, IfNotPresent by default', () => {
    const containers = (pod: k8s.V1Pod) => [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers];
    const byDefault = buildSessionPod(spec());
    expect(containers(byDefault).map((c) => c.imagePullPolicy)).toEqual([
      'IfNotPresent',
      'IfNotPresent',
      'IfNotPresent',
    ]);
    const never = sessionDefaults(
      loadConfig({ TEMPORAL_CODEC_KEYS: KEY, AGENTAPI_K8S_SESSION_IMAGE_PULL_POLICY: 'Never' }),
    ).imagePullPolicy;
    const pod = buildSessionPod(spec({ imagePullPolicy: never, nativeSidecars: true }));
    expect(containers(pod).map((c) => [c.name, c.imagePullPolicy])).toEqual([
      ['otel-collector', 'Never'],
      ['credentials-sync', 'Never'],
      ['claude-code', 'Never'],
    ]);
    // A spec from a workflow started before the setting existed keeps the cluster's default.
    const { imagePullPolicy: _dropped, ...old } = spec();
    expect(containers(buildSessionPod(SessionSpecSchema.parse(old))).map((c) => c.imagePullPolicy)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  test('the pod satisfies the restricted Pod Security profile in every container', () => {
    const pod = buildSessionPod(spec({ nativeSidecars: true }));
    expect(pod.spec!.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const c of allContainers(pod)) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  test('the workspace is the session PVC, an adopted claim, or an emptyDir without PVC', () => {
    const base = spec();
    const volume = (s: SessionSpec) => buildSessionPod(s).spec!.volumes!.find((v) => v.name === 'workspace')!;
    expect(volume(base).emptyDir).toEqual({ sizeLimit: '4Gi' });
    expect(buildSessionPvc(base)).toBeUndefined();

    const withPvc = spec({ pvc: { ...base.pvc, enabled: true, storageClass: 'fast-ssd', size: '20Gi' } });
    expect(volume(withPvc).persistentVolumeClaim?.claimName).toBe('session-user123-abc123-pvc');
    expect(buildSessionPvc(withPvc)?.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast-ssd',
      resources: { requests: { storage: '20Gi' } },
    });

    const adopted = spec({ pvc: { ...base.pvc, enabled: true, existingClaimName: 'my-workspace' } });
    expect(volume(adopted).persistentVolumeClaim?.claimName).toBe('my-workspace');
    expect(buildSessionPvc(adopted)).toBeUndefined();
  });

  test('placement comes from the spec and one user sessions prefer different nodes', () => {
    const pod = buildSessionPod(
      spec({
        placement: {
          nodeSelector: { 'karpenter.sh/capacity-type': 'spot' },
          tolerations: [{ key: 'spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
        },
        runtimeClassName: 'gvisor',
      }),
    );
    expect(pod.spec!.nodeSelector).toEqual({ 'karpenter.sh/capacity-type': 'spot' });
    expect(pod.spec!.tolerations).toEqual([{ key: 'spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(pod.spec!.runtimeClassName).toBe('gvisor');
    const term = pod.spec!.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0]!;
    expect(term.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(term.podAffinityTerm.labelSelector?.matchLabels).toEqual({ app: 'agentapi-session', user: 'user123' });
  });

  test('a session pod carries the configured PriorityClass, and none by default', () => {
    expect(buildSessionPod(spec({ priorityClassName: 'agentapi-session' })).spec!.priorityClassName).toBe(
      'agentapi-session',
    );
    expect(buildSessionPod(spec()).spec!.priorityClassName).toBeUndefined();
  });

  test('the service is ClusterIP on 9000 and 9090 selecting the session pod', () => {
    const s = spec();
    const svc = buildSessionService(s);
    expect(svc.spec?.type).toBe('ClusterIP');
    expect(svc.spec?.ports?.map((p) => [p.name, p.port])).toEqual([
      ['agentapi', 9000],
      ['metrics', 9090],
    ]);
    expect(svc.spec?.selector).toEqual(sessionLabels(s));
    expect(sessionUrl(s)).toBe('http://session-user123-abc123.agentapi-sessions.svc.cluster.local:9000');
  });
});
