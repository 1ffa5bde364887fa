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
 * - egress to cluster DNS, to the API's port of the orchestrator's API pods (warm pod provisioning), and to ports 80/443 of public addresses: RFC 1918, CGNAT, loopback, link-local
 *   (cloud metadata 169.254.169.254) and the cluster's service/pod CIDRs are excluded;
 * - egress on any port to the admin's allow-list CIDRs.
 */
import * as k8s from '@kubernetes/client-node';
import type { Config } from '../config.js';
import { APP_LABEL, SESSION_APP } from './labels.js';
import { AGENT_PORT, METRICS_PORT, OTEL_PROMETHEUS_PORT } from './manifests.js';

export const SESSION_NETWORK_POLICY_NAME = 'agentapi-session-isolation';
/** Set on objects the orchestrator owns and may overwrite; a policy without it is the admin's and left alone. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'session-orchestrator';
/** The label the orchestrator's own pods (API and worker) carry, as in deploy/. */
export const ORCHESTRATOR_POD_LABELS = { app: 'session-orchestrator' } as const;
/** The labels of the API's pods only (deploy/base/api.yaml): the one orchestrator port a session may reach. */
export const ORCHESTRATOR_API_POD_LABELS = { ...ORCHESTRATOR_POD_LABELS, component: 'api' } as const;

/** Never reachable from a session, whatever the configuration: private, shared, loopback, link-local. */
export const PRIVATE_IPV4 = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
];
export const PRIVATE_IPV6 = ['fc00::/7', 'fe80::/10', '::1/128'];

export type NetworkPolicyOptions = Pick<
  Config,
  'sessionNamespace' | 'orchestratorNamespace' | 'monitoringNamespace' | 'clusterCidrs' | 'egressAllowCidrs' | 'apiPort'
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
      to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    },
    {
      // A claimed warm pod fetches its session's credentials from the API (POST /internal/v1/provision).
      to: [
        {
          namespaceSelector: namespaceSelector(options.orchestratorNamespace),
          podSelector: { matchLabels: { ...ORCHESTRATOR_API_POD_LABELS } },
        },
      ],
      ports: [{ protocol: 'TCP', port: options.apiPort }],
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
 * Creates the policy, or brings the orchestrator's existing one up to date with the configuration. A
 * policy of that name that the orchestrator does not manage is the admin's: it is left as it is.
 */
export async function ensureSessionNetworkPolicy(
  kc: k8s.KubeConfig,
  options: NetworkPolicyOptions,
): Promise<'created' | 'updated' | 'unchanged' | 'admin-managed'> {
  const api = kc.makeApiClient(k8s.NetworkingV1Api);
  const desired = buildSessionNetworkPolicy(options);
  const namespace = options.sessionNamespace;
  const name = SESSION_NETWORK_POLICY_NAME;
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
      if (JSON.stringify(current.spec) === JSON.stringify(desired.spec)) return 'unchanged';
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

function code(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}
