import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { loadConfig } from '../../src/config.js';
import { buildSessionNetworkPolicies, buildSessionNetworkPolicy } from '../../src/k8s/network-policy.js';

const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const policy = (env: Record<string, string> = {}) =>
  buildSessionNetworkPolicy(loadConfig({ TEMPORAL_CODEC_KEYS: KEYS, ...env }));

describe('the session NetworkPolicy', () => {
  test('deploy/ ships exactly the policies the worker ensures by default', () => {
    const shipped = k8s.loadAllYaml(
      readFileSync(new URL('../../deploy/base/session-network-policy.yaml', import.meta.url), 'utf8'),
    );
    const ensured = buildSessionNetworkPolicies(loadConfig({ TEMPORAL_CODEC_KEYS: KEYS }));
    expect(shipped).toEqual(ensured.map((p) => k8s.loadYaml(k8s.dumpYaml(p))));
  });

  test('public egress excludes private, link-local (cloud metadata) and the configured cluster ranges', () => {
    const p = policy({ AGENTAPI_K8S_SESSION_CLUSTER_CIDRS: '100.96.0.0/12,fd00:10::/108' });
    const web = p.spec!.egress!.find((rule) => rule.ports?.some((port) => port.port === 443))!;
    const v4 = web.to!.find((peer) => peer.ipBlock?.cidr === '0.0.0.0/0')!.ipBlock!;
    const v6 = web.to!.find((peer) => peer.ipBlock?.cidr === '::/0')!.ipBlock!;
    expect(v4.except).toEqual(
      expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.96.0.0/12']),
    );
    expect(v6.except).toEqual(expect.arrayContaining(['fc00::/7', 'fe80::/10', 'fd00:10::/108']));
    expect(web.ports!.map((port) => port.port).sort()).toEqual([443, 80]);
  });

  test("the admin's allow-list is an extra egress rule, absent by default", () => {
    expect(policy().spec!.egress).toHaveLength(2);
    const allowed = policy({ AGENTAPI_K8S_SESSION_EGRESS_ALLOW_CIDRS: '10.1.2.3/32' }).spec!.egress!;
    expect(allowed[2]).toEqual({ to: [{ ipBlock: { cidr: '10.1.2.3/32' } }] });
  });

  test('no session pod may reach the orchestrator; warm pods alone reach the worker provisioning port', () => {
    const config = loadConfig({ TEMPORAL_CODEC_KEYS: KEYS, WORKER_PROVISION_PORT: '8443' });
    const [isolation, warm] = buildSessionNetworkPolicies(config);
    const toOrchestrator = isolation!.spec!.egress!.filter((rule) =>
      rule.to?.some(
        (peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'session-orchestrator',
      ),
    );
    expect(toOrchestrator).toEqual([]);
    expect(warm!.spec!.podSelector).toEqual({
      matchLabels: { app: 'agentapi-session' },
      matchExpressions: [{ key: 'agentapi.proxy/warm-pool', operator: 'Exists' }],
    });
    expect(warm!.spec!.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'session-orchestrator' } },
            podSelector: { matchLabels: { app: 'session-orchestrator', component: 'worker' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8443 }],
      },
    ]);
  });

  test('DNS is the kube-dns pods of one namespace, not any pod so labelled', () => {
    const dns = (env: Record<string, string> = {}) =>
      policy(env).spec!.egress!.find((rule) => rule.ports?.some((port) => port.port === 53))!.to;
    expect(dns()).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
    expect(dns({ AGENTAPI_K8S_SESSION_DNS_NAMESPACE: 'dns' })![0]!.namespaceSelector).toEqual({
      matchLabels: { 'kubernetes.io/metadata.name': 'dns' },
    });
  });

  test('IPv6 egress excludes the routed prefixes that reach IPv4 addresses (NAT64, 6to4)', () => {
    const web = policy().spec!.egress!.find((rule) => rule.ports?.some((port) => port.port === 443))!;
    const v6 = web.to!.find((peer) => peer.ipBlock?.cidr === '::/0')!.ipBlock!;
    expect(v6.except).toEqual(expect.arrayContaining(['64:ff9b::/96', '64:ff9b:1::/48', '2002::/16']));
  });
});
