/**
 * The session namespace's NetworkPolicy (seeds 000 and 001: default deny, allow-list). One policy per
 * namespace, not per session: it selects every session pod by label, so a pod is covered from the moment
 * it exists (no window between a pod and its own policy) and there is nothing per session to create,
 * adopt or clean up. The worker ensures it at start (AGENTAPI_K8S_SESSION_NETWORK_POLICY=default) and
 * deploy/ ships the same object for clusters where the worker may not write policies.
 *
 * What it allows a session pod, and nothing else:
 * - ingress on the agent port only from the orchestrator's pods, and on the metrics ports only from the
 *   monitoring namespace (so session → session is denied);
 * - egress to the cluster DNS pods of one namespace (AGENTAPI_K8S_SESSION_DNS_NAMESPACE, kube-system): a pod
 *   anyone labels `k8s-app=kube-dns` in a namespace they control is not a DNS server;
 * - egress to ports 80/443 of public addresses: RFC 1918, CGNAT, loopback, link-local (cloud metadata
 *   169.254.169.254), the cluster's service/pod CIDRs, and the IPv6 prefixes that translate to IPv4
 *   (NAT64, 6to4, IPv4-mapped — through them `::/0` would reach every private IPv4 address) are excluded;
 * - egress on any port to the admin's allow-list CIDRs.
 * No session pod may reach the orchestrator's API: a second policy lets warm pods (and only them) reach the
 * worker's provisioning port, where a claimed warm pod fetches its credentials once.
 *
 * The reconciler ensures both policies on every run too, so a deleted or altered policy is restored
 * within one reconciler interval instead of staying open until the next worker start.
 */
import * as k8s from '@kubernetes/client-node';
import type { Config } from '../config.js';
import { APP_LABEL, SESSION_APP } from './labels.js';
import { AGENT_PORT, METRICS_PORT, OTEL_PROMETHEUS_PORT } from './manifests.js';
import { WARM_POOL_LABEL } from './warm-pod.js';

export const SESSION_NETWORK_POLICY_NAME = 'agentapi-session-isolation';
export const WARM_PROVISION_NETWORK_POLICY_NAME = 'agentapi-warm-provisioning';
/** The worker's provisioning port when WORKER_PROVISION_PORT is unset (deploy/ sets this one). */
export const DEFAULT_PROVISION_PORT = 8081;
/** Set on objects the orchestrator owns and may overwrite; a policy without it is the admin's and left alone. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'session-orchestrator';
/** The label the orchestrator's own pods (API and worker) carry, as in deploy/. */
export const ORCHESTRATOR_POD_LABELS = { app: 'session-orchestrator' } as const;
/** The labels of the worker's pods only (deploy/base/worker.yaml): they serve the provisioning listener. */
export const ORCHESTRATOR_WORKER_POD_LABELS = { ...ORCHESTRATOR_POD_LABELS, component: 'worker' } as const;

/** Never reachable from a session, whatever the configuration: private, shared, loopback, link-local. */
export const PRIVATE_IPV4 = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
];
/**
 * Private IPv6, plus every routed prefix that carries an IPv4 address inside an IPv6 one: NAT64 (well-known
 * and local-use) and 6to4. A NAT64 gateway turns `64:ff9b::a00:1` into 10.0.0.1, so without them the IPv4
 * excepts above could be walked around. IPv4-mapped addresses (`::ffff:0:0/96`) are not listed: they never
 * leave the host as IPv6 (a dual-stack socket sends them as IPv4 packets, which the IPv4 excepts match),
 * and the apiserver refuses them in an ipBlock.
 */
export const PRIVATE_IPV6 = ['fc00::/7', 'fe80::/10', '::1/128', '64:ff9b::/96', '64:ff9b:1::/48', '2002::/16'];

export type NetworkPolicyOptions = Pick<
  Config,
  | 'sessionNamespace'
  | 'orchestratorNamespace'
  | 'monitoringNamespace'
  | 'dnsNamespace'
  | 'clusterCidrs'
  | 'egressAllowCidrs'
  | 'provisionPort'
>;

const namespaceSelector = (name: string): k8s.V1LabelSelector => ({
  matchLabels: { 'kubernetes.io/metadata.name': name },
});

/** An admin CIDR that repeats a built-in one is listed once. */
function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The session namespace's policy, as typed data. */
export function buildSessionNetworkPolicy(options: NetworkPolicyOptions): k8s.V1NetworkPolicy {
  const isV6 = (cidr: string) => cidr.includes(':');
  const publicTo: k8s.V1NetworkPolicyPeer[] = [
    {
      ipBlock: {
        cidr: '0.0.0.0/0',
        except: unique([...PRIVATE_IPV4, ...options.clusterCidrs.filter((c) => !isV6(c))]),
      },
    },
    { ipBlock: { cidr: '::/0', except: unique([...PRIVATE_IPV6, ...options.clusterCidrs.filter(isV6)]) } },
  ];
  const egress: k8s.V1NetworkPolicyEgressRule[] = [
    {
      to: [
        {
          namespaceSelector: namespaceSelector(options.dnsNamespace),
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ],
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    },
    {
      to: publicTo,
      ports: [
        { protocol: 'TCP', port: 80 },
        { protocol: 'TCP', port: 443 },
      ],
    },
  ];
  if (options.egressAllowCidrs.length > 0) {
    egress.push({ to: options.egressAllowCidrs.map((cidr) => ({ ipBlock: { cidr } })) });
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: SESSION_NETWORK_POLICY_NAME,
      namespace: options.sessionNamespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
    },
    spec: {
      podSelector: { matchLabels: { [APP_LABEL]: SESSION_APP } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          _from: [
            {
              namespaceSelector: namespaceSelector(options.orchestratorNamespace),
              podSelector: { matchLabels: { ...ORCHESTRATOR_POD_LABELS } },
            },
          ],
          ports: [{ protocol: 'TCP', port: AGENT_PORT }],
        },
        {
          _from: [{ namespaceSelector: namespaceSelector(options.monitoringNamespace) }],
          ports: [
            { protocol: 'TCP', port: METRICS_PORT },
            { protocol: 'TCP', port: OTEL_PROMETHEUS_PORT },
          ],
        },
      ],
      egress,
    },
  };
}

/**
 * Warm pods (and only them: the selector needs the warm-pool label, which a cold session's pod never has)
 * may reach the worker pods' provisioning port. Egress only: every other rule of a warm pod is the
 * session policy's, since policies add up.
 */
export function buildWarmProvisionNetworkPolicy(options: NetworkPolicyOptions): k8s.V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: WARM_PROVISION_NETWORK_POLICY_NAME,
      namespace: options.sessionNamespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
    },
    spec: {
      podSelector: {
        matchLabels: { [APP_LABEL]: SESSION_APP },
        matchExpressions: [{ key: WARM_POOL_LABEL, operator: 'Exists' }],
      },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: namespaceSelector(options.orchestratorNamespace),
              podSelector: { matchLabels: { ...ORCHESTRATOR_WORKER_POD_LABELS } },
            },
          ],
          ports: [{ protocol: 'TCP', port: options.provisionPort ?? DEFAULT_PROVISION_PORT }],
        },
      ],
    },
  };
}

/** Every policy the orchestrator keeps in the session namespace, in the order deploy/ ships them. */
export function buildSessionNetworkPolicies(options: NetworkPolicyOptions): k8s.V1NetworkPolicy[] {
  return [buildSessionNetworkPolicy(options), buildWarmProvisionNetworkPolicy(options)];
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged' | 'admin-managed';

/** Ensures every policy of {@link buildSessionNetworkPolicies}; the outcome of each, by name. */
export async function ensureSessionNetworkPolicies(
  kc: k8s.KubeConfig,
  options: NetworkPolicyOptions,
): Promise<Record<string, EnsureOutcome>> {
  const outcomes: Record<string, EnsureOutcome> = {};
  for (const desired of buildSessionNetworkPolicies(options)) {
    outcomes[desired.metadata!.name!] = await ensureNetworkPolicy(kc, desired);
  }
  return outcomes;
}

/** {@link ensureNetworkPolicy} of the session isolation policy alone. */
export function ensureSessionNetworkPolicy(kc: k8s.KubeConfig, options: NetworkPolicyOptions): Promise<EnsureOutcome> {
  return ensureNetworkPolicy(kc, buildSessionNetworkPolicy(options));
}

/**
 * Creates the policy, or brings the orchestrator's existing one up to date with the configuration. A
 * policy of that name that the orchestrator does not manage is the admin's: it is left as it is.
 */
async function ensureNetworkPolicy(kc: k8s.KubeConfig, desired: k8s.V1NetworkPolicy): Promise<EnsureOutcome> {
  const api = kc.makeApiClient(k8s.NetworkingV1Api);
  const namespace = desired.metadata!.namespace!;
  const name = desired.metadata!.name!;
  try {
    // Several workers start at once: a lost create or replace race (409) is answered by reading again.
    for (let attempt = 1; ; attempt++) {
      try {
        await api.createNamespacedNetworkPolicy({ namespace, body: desired });
        return 'created';
      } catch (err) {
        if (code(err) !== 409) throw err;
      }
      const current = await api.readNamespacedNetworkPolicy({ name, namespace });
      if (current.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) return 'admin-managed';
      if (sameSpec(current.spec, desired.spec)) return 'unchanged';
      try {
        await api.replaceNamespacedNetworkPolicy({
          name,
          namespace,
          body: { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } },
        });
        return 'updated';
      } catch (err) {
        if (code(err) !== 409 || attempt >= 5) throw err;
      }
    }
  } catch (err) {
    throw new Error(
      `could not ensure NetworkPolicy ${namespace}/${name} (AGENTAPI_K8S_SESSION_NETWORK_POLICY=default needs get/create/update on networkpolicies; set it to none if the admin manages the policy): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/** Equal field by field: keys sorted (a read-back object's field order is the client's own, not ours). */
function sameSpec(a: k8s.V1NetworkPolicySpec | undefined, b: k8s.V1NetworkPolicySpec | undefined): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .sort(([x], [y]) => x.localeCompare(y))
              .map(([k, v]) => [k, canonical(v)]),
          )
        : value;
  const wire = (spec: k8s.V1NetworkPolicySpec | undefined) => JSON.stringify(canonical(spec));
  return wire(a) === wire(b);
}

function code(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}
