/**
 * NetworkPolicy → nftables for the stack's real node: pure, so it is unit-tested without a kernel.
 *
 * Why hand-written: kube-network-policies (the enforcer the project meant to use) queues every new
 * connection to userspace with the nft `queue` statement, and this machine's kernel is built without
 * CONFIG_NFT_QUEUE, so its rules cannot be loaded; no other enforcer is published on the module proxy
 * here. This covers what the stack's tests need — ingress and egress rules with pod, namespace and ipBlock
 * peers (IPv4 and IPv6 ipBlocks) and numeric or named TCP/UDP ports — for IPv4 pods of one node (all on one bridge; with
 * br_netfilter their traffic passes the inet forward hook). Traffic from the host itself (kubelet probes,
 * tests on the host) is not forwarded and so never filtered, like most CNI plugins' host exemption.
 */
import type * as k8s from '@kubernetes/client-node';

export const NFT_TABLE = 'so-rn-netpol';

export interface ClusterView {
  nodeName: string;
  pods: readonly k8s.V1Pod[];
  namespaces: readonly k8s.V1Namespace[];
  policies: readonly k8s.V1NetworkPolicy[];
}

/** Whether a label set satisfies a selector; an empty selector matches everything, as in the API. */
export function selects(selector: k8s.V1LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    const value = labels[req.key];
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(value!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const ipv4 = (ip: string | undefined): ip is string => !!ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip);

function podIps(pod: k8s.V1Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter(ipv4);
  return ips.length ? ips : [pod.status?.podIP].filter(ipv4);
}

const live = (pod: k8s.V1Pod): boolean =>
  !pod.spec?.hostNetwork && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

type Peer = { kind: 'any' } | { kind: 'ips'; ips: string[] } | { kind: 'cidr'; cidr: string; except: string[] };

function peerSets(
  view: ClusterView,
  policy: k8s.V1NetworkPolicy,
  peers: k8s.V1NetworkPolicyPeer[] | undefined,
): Peer[] {
  if (!peers || peers.length === 0) return [{ kind: 'any' }];
  const nsLabels = new Map(view.namespaces.map((n) => [n.metadata!.name!, n.metadata?.labels ?? {}]));
  return peers.map((peer): Peer => {
    if (peer.ipBlock) return { kind: 'cidr', cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [] };
    const ips = view.pods
      .filter(live)
      .filter((pod) => {
        const ns = pod.metadata!.namespace!;
        const nsOk = peer.namespaceSelector
          ? selects(peer.namespaceSelector, nsLabels.get(ns))
          : ns === policy.metadata!.namespace;
        return nsOk && selects(peer.podSelector, pod.metadata?.labels);
      })
      .flatMap(podIps);
    return { kind: 'ips', ips };
  });
}

/**
 * Ports as nft match fragments. A named port resolves against the policy's own pod for ingress; egress
 * named ports (which name each destination's port) are not supported and allow nothing.
 */
function portMatches(ports: k8s.V1NetworkPolicyPort[] | undefined, target: k8s.V1Pod | undefined): string[] {
  if (!ports || ports.length === 0) return [''];
  const containers = target ? [...(target.spec?.containers ?? []), ...(target.spec?.initContainers ?? [])] : [];
  return ports.flatMap((p) => {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    if (proto !== 'tcp' && proto !== 'udp') return [];
    if (p.port === undefined) return [`meta l4proto ${proto}`];
    let port: number | undefined;
    if (typeof p.port === 'number') port = p.port;
    else if (/^\d+$/.test(p.port)) port = Number(p.port);
    else
      port = containers
        .flatMap((c) => c.ports ?? [])
        .find((cp) => cp.name === p.port && (cp.protocol ?? 'TCP').toLowerCase() === proto)?.containerPort;
    if (port === undefined) return [];
    const range = p.endPort ? `${port}-${p.endPort}` : `${port}`;
    return [`${proto} dport ${range}`];
  });
}

/**
 * client-node names the field `_from` in objects it deserialized (lists), but watch events carry the wire
 * JSON, where it is `from`: accept both.
 */
function ingressPeers(rule: k8s.V1NetworkPolicyIngressRule): k8s.V1NetworkPolicyPeer[] | undefined {
  return rule._from ?? (rule as { from?: k8s.V1NetworkPolicyPeer[] }).from;
}

function peerMatch(peer: Peer, dir: 'saddr' | 'daddr'): string | undefined {
  if (peer.kind === 'any') return '';
  if (peer.kind === 'cidr') {
    // An ipBlock is of one family (the product's egress policy has a 0.0.0.0/0 and a ::/0 one); nft
    // rejects an IPv6 address after `ip`, so each block matches with its own family's keyword.
    const family = (cidr: string) => (cidr.includes(':') ? 'ip6' : 'ip');
    const f = family(peer.cidr);
    const except = peer.except.filter((c) => family(c) === f);
    return `${f} ${dir} ${peer.cidr}${except.length ? ` ${f} ${dir} != { ${except.join(', ')} }` : ''}`;
  }
  return peer.ips.length ? `ip ${dir} { ${[...new Set(peer.ips)].sort().join(', ')} }` : undefined;
}

function chainName(dir: 'in' | 'eg', pod: k8s.V1Pod): string {
  return `${dir}-${pod.metadata!.namespace}-${pod.metadata!.name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 120);
}

/** The whole table, replaced atomically (`nft -f`): the table is declared, deleted and declared again. */
export function renderRuleset(view: ClusterView): string {
  const local = view.pods.filter((p) => p.spec?.nodeName === view.nodeName && live(p) && podIps(p).length);
  const chains: string[] = [];
  const dispatch: string[] = [];
  for (const pod of local) {
    const ns = pod.metadata!.namespace!;
    const applying = view.policies.filter(
      (np) => np.metadata!.namespace === ns && selects(np.spec!.podSelector, pod.metadata?.labels),
    );
    const types = (np: k8s.V1NetworkPolicy): string[] =>
      np.spec!.policyTypes ?? (np.spec!.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    for (const dir of ['in', 'eg'] as const) {
      const kind = dir === 'in' ? 'Ingress' : 'Egress';
      const isolating = applying.filter((np) => types(np).includes(kind));
      if (isolating.length === 0) continue;
      const name = chainName(dir, pod);
      const rules: string[] = [];
      for (const np of isolating) {
        const entries = (dir === 'in' ? np.spec!.ingress : np.spec!.egress) ?? [];
        for (const rule of entries) {
          const peers = peerSets(
            view,
            np,
            dir === 'in'
              ? ingressPeers(rule as k8s.V1NetworkPolicyIngressRule)
              : (rule as k8s.V1NetworkPolicyEgressRule).to,
          );
          const ports = portMatches(rule.ports, dir === 'in' ? pod : undefined);
          for (const peer of peers) {
            const match = peerMatch(peer, dir === 'in' ? 'saddr' : 'daddr');
            if (match === undefined) continue;
            for (const port of ports) rules.push(`    ${[match, port].filter(Boolean).join(' ')} return`);
          }
        }
      }
      rules.push('    counter drop');
      chains.push(`  chain ${name} {\n${rules.join('\n')}\n  }`);
      for (const ip of podIps(pod)) dispatch.push(`    ip ${dir === 'in' ? 'daddr' : 'saddr'} ${ip} jump ${name}`);
    }
  }
  // Egress dispatch first: a packet must be allowed out of its pod and into its destination.
  dispatch.sort((a, b) => Number(a.includes('daddr')) - Number(b.includes('daddr')));
  return [
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    ...chains,
    '  chain forward {',
    '    type filter hook forward priority -5; policy accept;',
    '    ct state established,related accept',
    ...dispatch,
    '  }',
    '}',
    '',
  ].join('\n');
}
