import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { loadConfig } from '../../src/config.js';
import { buildSessionNetworkPolicy } from '../../src/k8s/network-policy.js';

const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const policy = (env: Record<string, string> = {}) =>
  buildSessionNetworkPolicy(loadConfig({ TEMPORAL_CODEC_KEYS: KEYS, ...env }));

describe('the session NetworkPolicy', () => {
  test('deploy/ ships exactly the policy the worker ensures by default', () => {
    const shipped = k8s.loadYaml(
      readFileSync(new URL('../../deploy/base/session-network-policy.yaml', import.meta.url), 'utf8'),
    );
    expect(shipped).toEqual(k8s.loadYaml(k8s.dumpYaml(policy())));
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
    expect(policy().spec!.egress).toHaveLength(3);
    const allowed = policy({ AGENTAPI_K8S_SESSION_EGRESS_ALLOW_CIDRS: '10.1.2.3/32' }).spec!.egress!;
    expect(allowed[3]).toEqual({ to: [{ ipBlock: { cidr: '10.1.2.3/32' } }] });
  });

  test("a session pod (a claimed warm pod) may reach the API pods' port for its provisioning, and no other orchestrator port", () => {
    const egress = policy({ API_PORT: '8443' }).spec!.egress!;
    const toOrchestrator = egress.filter((rule) =>
      rule.to?.some(
        (peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'session-orchestrator',
      ),
    );
    expect(toOrchestrator).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'session-orchestrator' } },
            podSelector: { matchLabels: { app: 'session-orchestrator', component: 'api' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8443 }],
      },
    ]);
  });
});
