/**
 * Sessions cannot reach each other, the cluster or the cloud metadata service; the orchestrator can reach
 * them. The policy is the one the worker ensures (its own code, against the real apiserver), read back
 * from the apiserver and judged by cyclonus, a NetworkPolicy engine built from its Go module.
 */
import * as k8s from '@kubernetes/client-node';
import { loadConfig } from '../../src/config.js';
import { APP_LABEL, SESSION_APP } from '../../src/k8s/labels.js';
import {
  ensureSessionNetworkPolicies,
  ORCHESTRATOR_POD_LABELS,
  SESSION_NETWORK_POLICY_NAME,
} from '../../src/k8s/network-policy.js';
import { WARM_POOL_LABEL } from '../../src/k8s/warm-pod.js';
import { trafficVerdicts, type Traffic } from '../support/cyclonus.js';
import { stackKubeConfig, uniqueSuffix } from '../support/stack.js';

const kc = stackKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const networking = kc.makeApiClient(k8s.NetworkingV1Api);
const suffix = uniqueSuffix();
const sessions = `so-np-sessions-${suffix}`;
const orchestrator = `so-np-orchestrator-${suffix}`;
const monitoring = `so-np-monitoring-${suffix}`;
const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

const session = (ip: string) => ({ pod: { [APP_LABEL]: SESSION_APP, user: 'alice' }, namespace: sessions, ip });
const sessionA = session('10.244.1.10');
const sessionB = { ...session('10.244.2.20'), pod: { [APP_LABEL]: SESSION_APP, user: 'bob' } };
const orchestratorPod = { pod: { ...ORCHESTRATOR_POD_LABELS }, namespace: orchestrator, ip: '10.244.3.30' };
const warmPod = { ...session('10.244.1.11'), pod: { [APP_LABEL]: SESSION_APP, [WARM_POOL_LABEL]: 'default' } };
const apiPod = { pod: { ...ORCHESTRATOR_POD_LABELS, component: 'api' }, namespace: orchestrator, ip: '10.244.3.32' };
const workerPod = {
  pod: { ...ORCHESTRATOR_POD_LABELS, component: 'worker' },
  namespace: orchestrator,
  ip: '10.244.3.33',
};

/** The policy objects of the session namespace as the apiserver holds them, as YAML. */
async function policiesFromApiserver(): Promise<string> {
  const list = await networking.listNamespacedNetworkPolicy({ namespace: sessions });
  expect(list.items.length).toBeGreaterThan(0);
  return list.items
    .map((p) =>
      k8s.dumpYaml({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: p.metadata, spec: p.spec }),
    )
    .join('---\n');
}

function ensure(env: Record<string, string> = {}) {
  const config = loadConfig({
    TEMPORAL_CODEC_KEYS: KEYS,
    AGENTAPI_K8S_SESSION_NAMESPACE: sessions,
    AGENTAPI_K8S_SESSION_ORCHESTRATOR_NAMESPACE: orchestrator,
    AGENTAPI_K8S_SESSION_MONITORING_NAMESPACE: monitoring,
    ...env,
  });
  return ensureSessionNetworkPolicies(kc, config).then((outcomes) => outcomes[SESSION_NETWORK_POLICY_NAME]);
}

beforeAll(async () => {
  for (const name of [sessions, orchestrator, monitoring]) {
    await core.createNamespace({ body: { metadata: { name } } });
  }
});

afterAll(async () => {
  for (const name of [sessions, orchestrator, monitoring]) {
    await core.deleteNamespace({ name }).catch(() => undefined);
  }
});

describe('the session NetworkPolicy, judged by cyclonus', () => {
  test('session→session and session→API denied, warm pod→provisioning allowed, DNS pinned, metadata denied, public:443 allowed', async () => {
    expect(await ensure()).toBe('created');
    const traffic: Traffic[] = [
      { name: 'session→other session :9000', from: sessionA, to: sessionB, port: 9000 },
      { name: 'session→other session :9090', from: sessionA, to: sessionB, port: 9090 },
      { name: 'orchestrator→session :9000', from: orchestratorPod, to: sessionA, port: 9000 },
      { name: 'orchestrator→session :22', from: orchestratorPod, to: sessionA, port: 22 },
      {
        name: 'unlabelled pod in the orchestrator namespace→session :9000',
        from: { pod: { app: 'intruder' }, namespace: orchestrator, ip: '10.244.3.31' },
        to: sessionA,
        port: 9000,
      },
      {
        name: 'monitoring→session metrics :9090',
        from: { pod: {}, namespace: monitoring, ip: '10.244.4.40' },
        to: sessionA,
        port: 9090,
      },
      {
        name: 'monitoring→session agent :9000',
        from: { pod: {}, namespace: monitoring, ip: '10.244.4.40' },
        to: sessionA,
        port: 9000,
      },
      { name: 'session→cloud metadata :80', from: sessionA, to: { ip: '169.254.169.254' }, port: 80 },
      { name: 'session→public :443', from: sessionA, to: { ip: '93.184.216.34' }, port: 443 },
      { name: 'session→public :80', from: sessionA, to: { ip: '93.184.216.34' }, port: 80 },
      { name: 'session→public :22', from: sessionA, to: { ip: '93.184.216.34' }, port: 22 },
      { name: 'session→private 192.168/16 :443', from: sessionA, to: { ip: '192.168.1.1' }, port: 443 },
      { name: 'session→service CIDR :443', from: sessionA, to: { ip: '10.96.0.1' }, port: 443 },
      {
        name: 'session→kube-dns :53/UDP',
        from: sessionA,
        to: { pod: { 'k8s-app': 'kube-dns' }, namespace: 'kube-system', ip: '10.244.0.2' },
        port: 53,
        protocol: 'UDP',
      },
      {
        name: 'session→Temporal frontend :7233',
        from: sessionA,
        to: { pod: { app: 'temporal-frontend' }, namespace: 'temporal', ip: '10.244.5.50' },
        port: 7233,
      },
      { name: 'session→orchestrator API :8080', from: sessionA, to: apiPod, port: 8080 },
      { name: 'warm pod→orchestrator API :8080', from: warmPod, to: apiPod, port: 8080 },
      { name: 'session→orchestrator API :7233', from: sessionA, to: apiPod, port: 7233 },
      { name: 'warm pod→worker provisioning :8081', from: warmPod, to: workerPod, port: 8081 },
      { name: 'cold session→worker provisioning :8081', from: sessionA, to: workerPod, port: 8081 },
      {
        name: 'session→a pod labelled kube-dns in a namespace anyone controls :53/UDP',
        from: sessionA,
        to: { pod: { 'k8s-app': 'kube-dns' }, namespace: monitoring, ip: '10.244.4.41' },
        port: 53,
        protocol: 'UDP',
      },
      { name: 'session→orchestrator worker :8080', from: sessionA, to: orchestratorPod, port: 8080 },
    ];
    expect(trafficVerdicts(await policiesFromApiserver(), traffic)).toEqual({
      'session→other session :9000': false,
      'session→other session :9090': false,
      'orchestrator→session :9000': true,
      'orchestrator→session :22': false,
      'unlabelled pod in the orchestrator namespace→session :9000': false,
      'monitoring→session metrics :9090': true,
      'monitoring→session agent :9000': false,
      'session→cloud metadata :80': false,
      'session→public :443': true,
      'session→public :80': true,
      'session→public :22': false,
      'session→private 192.168/16 :443': false,
      'session→service CIDR :443': false,
      'session→kube-dns :53/UDP': true,
      'session→Temporal frontend :7233': false,
      'session→orchestrator API :8080': false,
      'warm pod→orchestrator API :8080': false,
      'session→orchestrator API :7233': false,
      'warm pod→worker provisioning :8081': true,
      'cold session→worker provisioning :8081': false,
      'session→a pod labelled kube-dns in a namespace anyone controls :53/UDP': false,
      'session→orchestrator worker :8080': false,
    });
  });

  test("the admin's egress allow-list opens exactly its CIDRs, and a restart re-applies the configuration", async () => {
    expect(await ensure({ AGENTAPI_K8S_SESSION_EGRESS_ALLOW_CIDRS: '10.20.30.0/24' })).toBe('updated');
    const verdicts = trafficVerdicts(await policiesFromApiserver(), [
      { name: 'allowed proxy :3128', from: sessionA, to: { ip: '10.20.30.40' }, port: 3128 },
      { name: 'neighbour outside the list', from: sessionA, to: { ip: '10.20.31.40' }, port: 3128 },
      { name: 'other session', from: sessionA, to: sessionB, port: 9000 },
    ]);
    expect(verdicts).toEqual({
      'allowed proxy :3128': true,
      'neighbour outside the list': false,
      'other session': false,
    });
    expect(await ensure({ AGENTAPI_K8S_SESSION_EGRESS_ALLOW_CIDRS: '10.20.30.0/24' })).not.toBe('created');
  });

  test('a policy of that name the admin manages is left as the admin wrote it', async () => {
    const current = await networking.readNamespacedNetworkPolicy({
      name: 'agentapi-session-isolation',
      namespace: sessions,
    });
    await networking.replaceNamespacedNetworkPolicy({
      name: 'agentapi-session-isolation',
      namespace: sessions,
      body: { ...current, metadata: { ...current.metadata, labels: {} } },
    });
    expect(await ensure()).toBe('admin-managed');
  });
});
