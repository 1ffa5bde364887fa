/**
 * Security: network policy, what a request may ask for, storage limits, the Temporal connection's
 * TLS and API key, and the API's rate limits.
 */
import { z } from 'zod';
import { QuantitySchema } from '../../workflows/contract/spec.js';
import { S, bool, int, list, optionalString, cidrList, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc(
    `${S}NETWORK_POLICY`,
    'default',
    'default: the worker ensures the session NetworkPolicy; none: leave it to the admin',
  )]: z.enum(['default', 'none'], { error: 'must be default or none' }).default('default'),
  [doc(
    `${S}ORCHESTRATOR_NAMESPACE`,
    'session-orchestrator',
    'Namespace whose orchestrator pods may reach session pods on :9000',
  )]: z.string().min(1).default('session-orchestrator'),
  [doc(
    `${S}DNS_NAMESPACE`,
    'kube-system',
    'Namespace of the cluster DNS pods (label k8s-app=kube-dns) session pods may query; no other namespace',
  )]: z.string().min(1).default('kube-system'),
  [doc(`${S}MONITORING_NAMESPACE`, 'monitoring', 'Namespace allowed to scrape the session metrics port')]: z
    .string()
    .min(1)
    .default('monitoring'),
  [doc(
    `${S}CLUSTER_CIDRS`,
    '10.96.0.0/12,10.244.0.0/16',
    'Service and pod CIDRs session egress may not reach (RFC 1918 and link-local always denied)',
  )]: cidrList('10.96.0.0/12,10.244.0.0/16'),
  [doc(
    `${S}EGRESS_ALLOW_CIDRS`,
    '(none)',
    'CIDRs session pods may reach on any port despite the private-address deny (e.g. an internal proxy)',
  )]: cidrList(''),
  [doc(`${S}MAX_PVC_SIZE`, '50Gi', 'Largest pvc_size a create request may ask for')]: QuantitySchema.default('50Gi'),
  [doc(
    `${S}ALLOWED_IMAGES`,
    '(only the configured image)',
    'Comma-separated images a request may choose: exact names, or `registry/repo@sha256:` for any digest of a repository',
  )]: list(''),
  [doc(
    `${S}ALLOWED_NODE_SELECTOR_KEYS`,
    '(none)',
    'Comma-separated node_selector keys a request may set (`prefix*` allows a prefix); the admin NODE_SELECTOR always wins',
  )]: list(''),
  [doc(`${S}EPHEMERAL_STORAGE_REQUEST`, '1Gi', 'ephemeral-storage request of the agent container')]:
    QuantitySchema.default('1Gi'),
  [doc(`${S}EPHEMERAL_STORAGE_LIMIT`, '8Gi', 'ephemeral-storage limit of the agent container')]:
    QuantitySchema.default('8Gi'),
  [doc(`${S}EMPTYDIR_SIZE_LIMIT`, '4Gi', 'sizeLimit of each emptyDir of a session pod (workspace without PVC, /tmp)')]:
    QuantitySchema.default('4Gi'),
  [doc(
    `${S}MAX_RETAINED_PVCS_PER_USER`,
    '3',
    'Retained (kept after their session) PVCs a user may have before new PVC sessions are refused',
  )]: int(3, 0),
  [doc('TEMPORAL_TLS', 'false', 'Connect to Temporal over TLS (implied by any TEMPORAL_TLS_* or TEMPORAL_API_KEY)')]:
    bool(false),
  [doc(
    'TEMPORAL_TLS_CA',
    '(system roots)',
    'CA bundle (PEM file path or PEM text) that signs the Temporal frontend certificate',
  )]: optionalString,
  [doc(
    'TEMPORAL_TLS_CERT',
    '(none)',
    'Client certificate for mTLS (PEM file path or PEM text); needs TEMPORAL_TLS_KEY',
  )]: optionalString,
  [doc('TEMPORAL_TLS_KEY', '(none)', 'Private key of TEMPORAL_TLS_CERT (PEM file path or PEM text)')]: optionalString,
  [doc(
    'TEMPORAL_TLS_SERVER_NAME',
    '(host of TEMPORAL_ADDRESS)',
    'Name the frontend certificate must carry (SNI and verification)',
  )]: optionalString,
  [doc('TEMPORAL_API_KEY', '(none)', 'API key sent to Temporal as a bearer token (e.g. Temporal Cloud); implies TLS')]:
    optionalString,
  [doc('API_RATE_LIMIT_RPS', '20', 'Requests per second per API key (token bucket refill); 0 disables')]: int(20, 0),
  [doc('API_RATE_LIMIT_BURST', '100', 'Token bucket size per API key')]: int(100),
  [doc('API_MAX_EVENT_STREAMS_PER_KEY', '5', 'Concurrent SSE event streams per API key; 0 disables')]: int(5, 0),
  [doc('API_CREATES_PER_USER_PER_MINUTE', '10', 'Session creates per user per minute (token bucket); 0 disables')]: int(
    10,
    0,
  ),
};

function read(e: ParsedEnv) {
  return {
    networkPolicy: e[`${S}NETWORK_POLICY`] as 'default' | 'none',
    orchestratorNamespace: e[`${S}ORCHESTRATOR_NAMESPACE`] as string,
    monitoringNamespace: e[`${S}MONITORING_NAMESPACE`] as string,
    dnsNamespace: e[`${S}DNS_NAMESPACE`] as string,
    clusterCidrs: e[`${S}CLUSTER_CIDRS`] as string[],
    egressAllowCidrs: e[`${S}EGRESS_ALLOW_CIDRS`] as string[],
    maxPvcSize: e[`${S}MAX_PVC_SIZE`] as string,
    allowedImages: e[`${S}ALLOWED_IMAGES`] as string[],
    allowedNodeSelectorKeys: e[`${S}ALLOWED_NODE_SELECTOR_KEYS`] as string[],
    ephemeralStorageRequest: e[`${S}EPHEMERAL_STORAGE_REQUEST`] as string,
    ephemeralStorageLimit: e[`${S}EPHEMERAL_STORAGE_LIMIT`] as string,
    emptyDirSizeLimit: e[`${S}EMPTYDIR_SIZE_LIMIT`] as string,
    maxRetainedPvcsPerUser: e[`${S}MAX_RETAINED_PVCS_PER_USER`] as number,
    temporalTls: e.TEMPORAL_TLS as boolean,
    temporalTlsCa: e.TEMPORAL_TLS_CA as string | undefined,
    temporalTlsCert: e.TEMPORAL_TLS_CERT as string | undefined,
    temporalTlsKey: e.TEMPORAL_TLS_KEY as string | undefined,
    temporalTlsServerName: e.TEMPORAL_TLS_SERVER_NAME as string | undefined,
    temporalApiKey: e.TEMPORAL_API_KEY as string | undefined,
    apiRateLimitRps: e.API_RATE_LIMIT_RPS as number,
    apiRateLimitBurst: e.API_RATE_LIMIT_BURST as number,
    apiMaxEventStreamsPerKey: e.API_MAX_EVENT_STREAMS_PER_KEY as number,
    apiCreatesPerUserPerMinute: e.API_CREATES_PER_USER_PER_MINUTE as number,
  };
}

export const securityEnv = { docs, schema, read };
