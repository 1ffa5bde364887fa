/**
 * The real node's NetworkPolicy enforcer renders nftables rules from policies and pods; these pin the
 * semantics the stack's policy test relies on (the kernel half is exercised by test/realnode/).
 */
import type * as k8s from '@kubernetes/client-node';
import { buildSessionNetworkPolicy } from '../../src/k8s/network-policy.js';
import { renderRuleset, selects } from '../stack/real-node/netpol/render.js';

const NODE = 'realnode';

function pod(namespace: string, name: string, ip: string, labels: Record<string, string>, nodeName = NODE): k8s.V1Pod {
  return {
    metadata: { namespace, name, labels },
    spec: { nodeName, containers: [{ name: 'c', ports: [{ name: 'agentapi', containerPort: 9000 }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

const ns = (name: string, labels: Record<string, string> = {}): k8s.V1Namespace => ({
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});

/** Ingress to session pods only from the orchestrator's pods on the agent port (the session isolation contract). */
const sessionPolicy: k8s.V1NetworkPolicy = {
  metadata: { namespace: 'sessions', name: 'sessions' },
  spec: {
    podSelector: { matchLabels: { app: 'agentapi-session' } },
    policyTypes: ['Ingress'],
    ingress: [
      {
        _from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'orchestrator' } },
            podSelector: { matchLabels: { app: 'session-orchestrator' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 'agentapi' as unknown as number }],
      },
    ],
  },
};

const view = {
  nodeName: NODE,
  namespaces: [ns('sessions'), ns('orchestrator')],
  policies: [sessionPolicy],
  pods: [
    pod('sessions', 'a', '10.245.0.2', { app: 'agentapi-session' }),
    pod('sessions', 'b', '10.245.0.3', { app: 'agentapi-session' }),
    pod('orchestrator', 'worker', '10.245.0.4', { app: 'session-orchestrator' }),
    pod('sessions', 'elsewhere', '10.244.0.9', { app: 'agentapi-session' }, 'kwok-spot-a'),
  ],
};

describe('real node NetworkPolicy rendering', () => {
  test('label selectors follow the API: matchLabels and every matchExpressions operator', () => {
    const labels = { app: 'x', tier: 'web' };
    expect(selects(undefined, labels)).toBe(true);
    expect(selects({}, labels)).toBe(true);
    expect(selects({ matchLabels: { app: 'x' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { app: 'y' } }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'gone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'gone', operator: 'Exists' }] }, labels)).toBe(false);
  });

  test('a session pod accepts only the orchestrator pod on the named agent port and drops the rest', () => {
    const rules = renderRuleset(view);
    expect(rules).toContain('ip daddr 10.245.0.2 jump in-sessions-a');
    expect(rules).toContain('ip daddr 10.245.0.3 jump in-sessions-b');
    const start = rules.indexOf('chain in-sessions-a {');
    const chainA = rules.slice(start, rules.indexOf('\n  }', start));
    expect(chainA).toContain('ip saddr { 10.245.0.4 } tcp dport 9000 return');
    expect(chainA).not.toContain('10.245.0.3');
    expect(chainA.trim().endsWith('counter drop')).toBe(true);
    // Unselected pods and pods of other nodes get no chain; replies of allowed connections pass.
    expect(rules).not.toContain('in-orchestrator-worker');
    expect(rules).not.toContain('10.244.0.9');
    expect(rules).toContain('ct state established,related accept');
  });

  test('a policy as a watch delivers it (wire field `from`) selects the same peers', () => {
    const wire = JSON.parse(JSON.stringify(sessionPolicy).replace('"_from"', '"from"')) as k8s.V1NetworkPolicy;
    expect(renderRuleset({ ...view, policies: [wire] })).toBe(renderRuleset(view));
  });

  test('a peer selector that matches no pod allows nothing, not everything', () => {
    const rules = renderRuleset({ ...view, pods: view.pods.filter((p) => p.metadata?.name !== 'worker') });
    const start = rules.indexOf('chain in-sessions-a {');
    expect(rules.slice(start, rules.indexOf('\n  }', start))).toBe('chain in-sessions-a {\n    counter drop');
  });

  test('without a policy nothing is isolated, and the table is always replaced whole', () => {
    const rules = renderRuleset({ ...view, policies: [] });
    expect(rules).not.toContain('jump');
    expect(rules.startsWith('table inet so-rn-netpol\ndelete table inet so-rn-netpol\n')).toBe(true);
  });

  test('an egress policy isolates the source: allowed destinations return, the rest is dropped', () => {
    const egress: k8s.V1NetworkPolicy = {
      metadata: { namespace: 'sessions', name: 'egress' },
      spec: {
        podSelector: { matchLabels: { app: 'agentapi-session' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443 }] }],
      },
    };
    const rules = renderRuleset({ ...view, policies: [egress] });
    expect(rules).toContain('ip saddr 10.245.0.2 jump eg-sessions-a');
    expect(rules).toContain('ip daddr 0.0.0.0/0 ip daddr != { 10.0.0.0/8 } tcp dport 443 return');
    expect(rules).not.toContain('jump in-');
  });

  test("the product's session policy renders: IPv6 blocks match as ip6, each block excepts only its own family", () => {
    const product = buildSessionNetworkPolicy({
      sessionNamespace: 'sessions',
      orchestratorNamespace: 'orchestrator',
      monitoringNamespace: 'monitoring',
      clusterCidrs: ['10.96.0.0/12', 'fd00:10::/108'],
      egressAllowCidrs: [],
      dnsNamespace: 'kube-system',
      provisionPort: undefined,
    });
    const rules = renderRuleset({ ...view, policies: [product] });
    expect(rules).toContain(
      'ip6 daddr ::/0 ip6 daddr != { fc00::/7, fe80::/10, ::1/128, 64:ff9b::/96, 64:ff9b:1::/48, 2002::/16, fd00:10::/108 } tcp dport 443 return',
    );
    expect(rules).toMatch(
      /ip daddr 0\.0\.0\.0\/0 ip daddr != \{ 10\.0\.0\.0\/8, [^}]*10\.96\.0\.0\/12 \} tcp dport 80 return/,
    );
    expect(rules).not.toMatch(/\bip (s|d)addr [^\n]*:/);
    // Ingress to a session: the orchestrator's pod on the agent port.
    expect(rules).toContain('ip saddr { 10.245.0.4 } tcp dport 9000 return');
  });
});
